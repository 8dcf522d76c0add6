// The embedded SIP server's public options and handle: what `pbx`, `sip-server`,
// `test-call` and the tests agree on. Kept apart from the implementation so
// callers import only this shape.
import type { Logger } from 'pino';

export type SipTransportName = 'udp' | 'tcp';

export interface SipServerOptions {
  /**
   * Where SIP is served, drachtio-server style, e.g.
   * `sip:127.0.0.1:5060;transport=udp,tcp`. Port 0 picks a free port (the same
   * number for UDP and TCP of one contact). Default: `sip:127.0.0.1:5060;transport=udp,tcp`.
   */
  contacts?: string[];
  /** Control (drachtio protocol) listener. Default 127.0.0.1:9022; port 0 picks a free port. */
  admin?: { address?: string; port?: number };
  /** Shared secret apps authenticate with. */
  secret: string;
  /** RFC 3261 T1 in milliseconds (default 500). Tests shorten it. */
  t1?: number;
  /** Structured logger; one line per SIP message at debug level. Default: silent. */
  logger?: Logger;
}

export interface SipEndpoint {
  transport: SipTransportName;
  address: string;
  port: number;
}

export interface SipServer {
  /** Where apps connect with `srf.connect({host, port, secret})`. */
  readonly control: { address: string; port: number };
  /** Every SIP listener actually bound (resolved ports). */
  readonly endpoints: SipEndpoint[];
  /** Live counts, for health checks and tests of clean-up. */
  stats(): { apps: number; dialogs: number; serverTransactions: number; clientTransactions: number };
  /** Stops listening, closes app connections and drops all transactions. */
  close(): Promise<void>;
}
