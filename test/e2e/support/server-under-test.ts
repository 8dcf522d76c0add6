// The SIP server the end-to-end tests talk to. By default a fresh embedded
// server (source/sip-server) on free loopback ports with a short T1; with
//   DRACHTIO_URL=host:port:secret   (its control port)
//   DRACHTIO_SIP=host:port          (its SIP address, UDP and TCP)
// the same tests run against a real drachtio-server instead.
import pino from 'pino';
import { createSipServer } from '../../../source/sip-server/index.js';
import type { SippTransport } from './sipp.js';

export interface ServerUnderTest {
  /** Where apps connect: srf.connect({host, port, secret}). */
  control: { host: string; port: number; secret: string };
  /** Where SIP peers send to (same port for UDP and TCP). */
  sip: { host: string; port: number };
  /** `host:port` for SIPp. */
  hostport: string;
  /** True for the in-process embedded server, false for a real drachtio-server. */
  embedded: boolean;
  /** RFC 3261 T1 the server runs with, in milliseconds. */
  t1: number;
  close(): Promise<void>;
}

export const SECRET = 'cymru';
/** Short T1 so retransmission tests run fast against the embedded server. */
export const TEST_T1_MS = 100;

function parseHostPort(value: string, name: string): { host: string; port: number; rest: string[] } {
  const [host, port, ...rest] = value.split(':');
  const n = Number(port);
  if (!host || !Number.isInteger(n) || n <= 0) throw new Error(`${name} must look like host:port..., got "${value}"`);
  return { host, port: n, rest };
}

export async function startServerUnderTest(): Promise<ServerUnderTest> {
  const url = process.env.DRACHTIO_URL;
  if (url) {
    const sipValue = process.env.DRACHTIO_SIP;
    if (!sipValue) throw new Error('DRACHTIO_URL is set: DRACHTIO_SIP=host:port must be set too');
    const control = parseHostPort(url, 'DRACHTIO_URL');
    const sip = parseHostPort(sipValue, 'DRACHTIO_SIP');
    return {
      control: { host: control.host, port: control.port, secret: control.rest.join(':') || SECRET },
      sip: { host: sip.host, port: sip.port },
      hostport: `${sip.host}:${sip.port}`,
      embedded: false,
      t1: 500,
      close: async () => {},
    };
  }

  const level = process.env.E2E_SIP_LOG ?? 'silent';
  const server = await createSipServer({
    contacts: ['sip:127.0.0.1:0;transport=udp,tcp'],
    admin: { address: '127.0.0.1', port: 0 },
    secret: SECRET,
    t1: TEST_T1_MS,
    logger: pino({ level }, pino.destination(2)),
  });
  const udp = server.endpoints.find((e) => e.transport === 'udp');
  const tcp = server.endpoints.find((e) => e.transport === 'tcp');
  if (!udp || !tcp || udp.port !== tcp.port) {
    await server.close();
    throw new Error(`embedded server should listen on one port for UDP and TCP: ${JSON.stringify(server.endpoints)}`);
  }
  return {
    control: { host: server.control.address, port: server.control.port, secret: SECRET },
    sip: { host: udp.address, port: udp.port },
    hostport: `${udp.address}:${udp.port}`,
    embedded: true,
    t1: TEST_T1_MS,
    close: () => server.close(),
  };
}

/** The server's SIP URI for a user over a transport, e.g. for REGISTER targets. */
export function serverUri(server: ServerUnderTest, transport: SippTransport, user?: string): string {
  return `sip:${user ? `${user}@` : ''}${server.sip.host}:${server.sip.port}${transport === 't1' ? ';transport=tcp' : ''}`;
}
