// Benchmark options from argv and the environment; a pure function so it can
// be checked without running anything.
//
//   --transports udp,tcp   BENCH_TRANSPORTS
//   --rates 200,400,...    BENCH_RATES     (calls per second, stepped in order)
//   --seconds 5            BENCH_SECONDS   (length of each step)
//   --quick                BENCH_QUICK=1   (smoke run: 2 small steps of 2 s)
//   DRACHTIO_URL=host:port:secret, DRACHTIO_SIP=host:port, DRACHTIO_PID=pid:
//   also run every step against that real drachtio-server.
import { parseArgs } from 'node:util';

export type Transport = 'udp' | 'tcp';

export interface RealServer {
  control: { host: string; port: number; secret: string };
  /** host:port SIPp sends to (UDP and TCP). */
  sip: string;
  /** Its PID, for CPU accounting; undefined when not given. */
  pid?: number;
}

export interface BenchOptions {
  transports: Transport[];
  rates: number[];
  seconds: number;
  quick: boolean;
  real?: RealServer;
}

export const DEFAULT_RATES = [200, 400, 600, 800, 1000, 1200, 1400, 1600, 1800, 2000, 2400, 2800, 3200];
export const QUICK_RATES = [50, 100];

function list(value: string, what: string): string[] {
  const items = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new Error(`${what}: empty list`);
  return items;
}

function positiveInteger(value: string, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${what}: expected a positive whole number, got "${value}"`);
  return n;
}

function hostPort(value: string, what: string): { host: string; port: number; rest: string } {
  const [host, port, ...rest] = value.split(':');
  if (!host) throw new Error(`${what} must look like host:port..., got "${value}"`);
  return { host, port: positiveInteger(port ?? '', what), rest: rest.join(':') };
}

export function parseBenchOptions(argv: string[], env: Record<string, string | undefined>): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      transports: { type: 'string' },
      rates: { type: 'string' },
      seconds: { type: 'string' },
      quick: { type: 'boolean' },
    },
  });
  const quick = values.quick ?? ['1', 'true', 'yes'].includes(env.BENCH_QUICK ?? '');
  const transportsText = values.transports ?? env.BENCH_TRANSPORTS ?? 'udp,tcp';
  const transports = list(transportsText, '--transports').map((t) => {
    if (t !== 'udp' && t !== 'tcp') throw new Error(`--transports: "${t}" is neither udp nor tcp`);
    return t;
  });
  const ratesText = values.rates ?? env.BENCH_RATES;
  const rates = ratesText
    ? list(ratesText, '--rates').map((r) => positiveInteger(r, '--rates'))
    : quick
      ? QUICK_RATES
      : DEFAULT_RATES;
  const secondsText = values.seconds ?? env.BENCH_SECONDS;
  const seconds = secondsText ? positiveInteger(secondsText, '--seconds') : quick ? 2 : 5;

  const real = parseRealServer(env);
  return { transports: [...new Set(transports)], rates, seconds, quick, real };
}

/** DRACHTIO_URL=host:port:secret, DRACHTIO_SIP=host:port and DRACHTIO_PID: a real drachtio-server to compare with, if set. */
export function parseRealServer(env: Record<string, string | undefined>): RealServer | undefined {
  if (!env.DRACHTIO_URL) return undefined;
  if (!env.DRACHTIO_SIP) throw new Error('DRACHTIO_URL is set: DRACHTIO_SIP=host:port must be set too');
  const control = hostPort(env.DRACHTIO_URL, 'DRACHTIO_URL');
  if (!control.rest) throw new Error('DRACHTIO_URL must look like host:port:secret');
  const sip = hostPort(env.DRACHTIO_SIP, 'DRACHTIO_SIP');
  return {
    control: { host: control.host, port: control.port, secret: control.rest },
    sip: `${sip.host}:${sip.port}`,
    pid: env.DRACHTIO_PID ? positiveInteger(env.DRACHTIO_PID, 'DRACHTIO_PID') : undefined,
  };
}
