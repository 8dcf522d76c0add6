// The parts of drachtio-srf this phone uses, typed as it behaves (its own
// typings describe request() wrongly and leave most things out).
export interface SipResponse {
  status: number;
  reason: string;
  source?: 'network' | 'application';
  get(name: string): string | undefined;
  has(name: string): boolean;
}

export interface SentRequest {
  on(event: 'response', fn: (res: SipResponse) => void): void;
  get(name: string): string | undefined;
}

export type SrfRequestFn = (
  uri: string,
  opts: { method: string; headers?: Record<string, string>; body?: string; proxy?: string },
  callback: (err: Error | null, req: SentRequest) => void,
) => void;

/** An incoming request as srf hands it to a handler. */
export interface IncomingRequest {
  method: string;
  uri: string;
  body: string;
  callingNumber: string;
  source_address: string;
  get(name: string): string | undefined;
  on(event: 'cancel', fn: () => void): void;
}

export interface IncomingResponse {
  send(status: number, opts?: { headers?: Record<string, string> }): void;
}

/** `sip:host:port` with brackets for IPv6, and `;transport=tcp` for TCP. */
export function serverUri(host: string, port: number, transport: 'udp' | 'tcp', user?: string): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return `sip:${user ? `${user}@` : ''}${h}:${port}${transport === 'tcp' ? ';transport=tcp' : ''}`;
}
