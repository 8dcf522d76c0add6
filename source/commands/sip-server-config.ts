// `dispatcher sip-server` options: their declaration for yargs, their defaults
// and their validation, in one place. The defaults are drachtio-server's, so
// the command is a drop-in for it. Defaults are applied here rather than by
// yargs so that "--secret was given" stays visible to the loopback rule.
import { BlockList, isIP } from 'node:net';
import type { Argv } from 'yargs';
import { isLogLevel, logLevels, type LogLevel } from '../log.js';

export const sipServerDefaults = {
  contacts: ['sip:127.0.0.1:5060;transport=udp,tcp'],
  address: '127.0.0.1',
  port: 9022,
  // drachtio-server's well-known default; accepted only on loopback (see below).
  secret: 'cymru',
  loglevel: 'info' as LogLevel,
  t1: 500,
} as const;

/** Transports the embedded SIP server serves (see SipTransportName). */
const transports = ['udp', 'tcp'];

export interface SipServerConfig {
  /** drachtio-server style contacts, e.g. `sip:127.0.0.1:5060;transport=udp,tcp`. */
  contacts: string[];
  /** Control listener apps reach with `srf.connect({host, port, secret})`. */
  control: { address: string; port: number };
  secret: string;
  loglevel: LogLevel;
  /** RFC 3261 T1 in milliseconds. */
  t1: number;
}

export type ConfigResult = { ok: true; config: SipServerConfig } | { ok: false; errors: string[] };

/** Declares the options on the `sip-server` command's yargs instance. */
export function declareSipServerOptions<T>(yargs: Argv<T>) {
  const d = sipServerDefaults;
  // Everything is read as a string and checked in resolveSipServerConfig, so a
  // bad value gets one clear message instead of yargs turning it into NaN.
  return yargs
    .option('contact', {
      type: 'string',
      requiresArg: true,
      describe: 'SIP URI to listen on; repeat for several',
      defaultDescription: d.contacts[0],
    })
    .option('port', {
      type: 'string',
      requiresArg: true,
      describe: 'control port apps connect to (0 picks a free port)',
      defaultDescription: String(d.port),
    })
    .option('address', {
      type: 'string',
      requiresArg: true,
      describe: 'control bind address',
      defaultDescription: d.address,
    })
    .option('secret', {
      type: 'string',
      requiresArg: true,
      describe: 'shared secret apps authenticate with; required when --address is not loopback',
      defaultDescription: `${d.secret} (loopback only)`,
    })
    .option('loglevel', {
      type: 'string',
      requiresArg: true,
      // Not yargs `choices`: its error would skip the checks below and read differently.
      describe: `log level: ${logLevels.join(', ')} (logs go to stderr)`,
      defaultDescription: d.loglevel,
    })
    .option('t1', {
      type: 'string',
      requiresArg: true,
      describe: 'SIP timer T1 in milliseconds',
      defaultDescription: String(d.t1),
    });
}

/** Raw values as yargs hands them over: absent, a string, or an array when repeated. */
export interface RawSipServerArgs {
  contact?: unknown;
  port?: unknown;
  address?: unknown;
  secret?: unknown;
  loglevel?: unknown;
  t1?: unknown;
}

export function resolveSipServerConfig(raw: RawSipServerArgs): ConfigResult {
  const errors: string[] = [];
  const d = sipServerDefaults;

  const contacts = raw.contact === undefined ? [...d.contacts] : ([] as unknown[]).concat(raw.contact).map(String);
  for (const contact of contacts) {
    const problem = contactProblem(contact);
    if (problem) errors.push(`--contact ${JSON.stringify(contact)}: ${problem}`);
  }

  const port = single(raw.port, 'port', errors);
  const portNumber = port === undefined ? d.port : parseInteger(port);
  if (portNumber === undefined || portNumber > 65535) {
    errors.push(`--port ${JSON.stringify(port)}: expected a port number from 0 to 65535`);
  }

  const address = single(raw.address, 'address', errors) ?? d.address;
  if (address !== 'localhost' && isIP(address) === 0) {
    errors.push(`--address ${JSON.stringify(address)}: expected an IP address to bind to`);
  }

  const secret = single(raw.secret, 'secret', errors);
  if (secret === '') errors.push('--secret: must not be empty');
  // The default secret is public knowledge; with it on a reachable address
  // anyone on the network could drive the switchboard's SIP traffic.
  if (secret === undefined && !isLoopback(address) && isIP(address) !== 0) {
    errors.push(
      `--address ${address} is reachable from other machines: refusing to use the default secret; pass --secret <secret>`,
    );
  }

  const loglevel = single(raw.loglevel, 'loglevel', errors) ?? d.loglevel;
  if (!isLogLevel(loglevel)) {
    errors.push(`--loglevel ${JSON.stringify(loglevel)}: expected one of ${logLevels.join(', ')}`);
  }

  const t1 = single(raw.t1, 't1', errors);
  const t1Number = t1 === undefined ? d.t1 : parseInteger(t1);
  if (t1Number === undefined || t1Number < 1 || t1Number > 60_000) {
    errors.push(`--t1 ${JSON.stringify(t1)}: expected milliseconds from 1 to 60000`);
  }

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    config: {
      contacts,
      control: { address, port: portNumber! },
      secret: secret ?? d.secret,
      loglevel: loglevel as LogLevel,
      t1: t1Number!,
    },
  };
}

/** Loopback = 127.0.0.0/8, ::1 (any spelling), IPv4-mapped loopback, or `localhost`. */
export function isLoopback(address: string): boolean {
  if (address === 'localhost') return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return isLoopback(mapped[1]!);
  const family = isIP(address);
  if (family === 4) return loopbacks.check(address, 'ipv4');
  if (family === 6) return loopbacks.check(address, 'ipv6');
  return false;
}

const loopbacks = new BlockList();
loopbacks.addSubnet('127.0.0.0', 8, 'ipv4');
loopbacks.addAddress('::1', 'ipv6');

/** Why a drachtio-style contact is unusable, or undefined when it is fine. */
export function contactProblem(contact: string): string | undefined {
  if (!/^sip:/i.test(contact)) return 'expected a SIP URI starting with sip:, e.g. sip:127.0.0.1:5060;transport=udp,tcp';
  const [hostPort = '', ...params] = contact.slice(4).split(';');
  // [v6]:port, or host:port with at most one colon.
  const parts = /^(\[[0-9a-f:.]+\]|[^:\[\]\s]+)(?::(\d+))?$/i.exec(hostPort);
  if (!parts) return 'expected sip:host[:port][;transport=udp,tcp]';
  if (parts[2] !== undefined && Number(parts[2]) > 65535) return `port ${parts[2]} is out of range`;
  for (const param of params) {
    const [name, value = ''] = param.split('=');
    if (name?.toLowerCase() !== 'transport') continue;
    const unknown = value.split(',').filter((t) => !transports.includes(t.toLowerCase()));
    if (value === '' || unknown.length > 0) {
      return `transport must be ${transports.join(' and/or ')}, got ${JSON.stringify(value)}`;
    }
  }
  return undefined;
}

/** A single-valued option: repeating it is a mistake worth reporting. */
export function single(value: unknown, name: string, errors: string[]): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) {
    errors.push(`--${name}: given more than once`);
    return value.length > 0 ? String(value.at(-1)) : undefined;
  }
  return String(value);
}

export function parseInteger(text: string): number | undefined {
  return /^\d{1,9}$/.test(text) ? Number(text) : undefined;
}
