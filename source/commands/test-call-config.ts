// `dispatcher test-call` options: declaration, defaults and validation in one
// place, every problem reported at once. The server and the extension default
// to this machine's station as its console stored it (the command line wins);
// the SIP password is never stored, so it is always given.
import { isIP } from 'node:net';
import type { Argv } from 'yargs';
import { limits } from '../api/messages.js';
import { parseInteger, single } from './sip-server-config.js';

/** The phone's SIP password may come from here instead of argv (visible in `ps`). */
export const testCallPasswordEnv = 'DISPATCHER_PASSWORD';

export const testCallDefaults = { port: 5060, seconds: 5, transport: 'udp' as const };

export interface TestCallConfig {
  /** The switchboard's SIP side: an IP address or a host name, and a port. */
  server: { host: string; port: number };
  extension: string;
  password: string;
  /** How long to listen to the music once answered. */
  seconds: number;
  json: boolean;
  transport: 'udp' | 'tcp';
  /** Undefined: the address the OS would use to reach the server. */
  localAddress: string | undefined;
}

export function declareTestCallOptions<T>(yargs: Argv<T>) {
  return yargs
    .option('server', { type: 'string', requiresArg: true, describe: "the switchboard's SIP address, host[:port]", defaultDescription: 'required; port 5060' })
    .option('extension', { type: 'string', requiresArg: true, describe: "this phone's extension" })
    .option('password', { type: 'string', requiresArg: true, describe: `its SIP password (or $${testCallPasswordEnv})` })
    .option('seconds', { type: 'string', requiresArg: true, describe: 'how long to listen to the test music', defaultDescription: String(testCallDefaults.seconds) })
    .option('transport', { type: 'string', requiresArg: true, choices: ['udp', 'tcp'], describe: 'SIP transport', defaultDescription: 'udp' })
    .option('local-address', { type: 'string', requiresArg: true, describe: 'local IP address for SIP and RTP', defaultDescription: 'the one that reaches the server' })
    .option('json', { type: 'boolean', describe: 'print one JSON object instead of the report' });
}

export function resolveTestCallConfig(
  argv: Record<string, unknown>,
  context: {
    env: Readonly<Record<string, string | undefined>>;
    /** The console's stored station on this machine: API address (http://host:port) and extension. */
    storedStation?: () => { server?: string; extension?: string };
  },
): { ok: true; config: TestCallConfig } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  let stored: { server?: string; extension?: string } | undefined;
  const station = () => (stored ??= context.storedStation?.() ?? {});
  const rawServer = single(argv.server, 'server', errors);
  let server: TestCallConfig['server'] | undefined;
  if (rawServer === undefined || rawServer === '') {
    // The switchboard's SIP side is on the same host as its console API.
    const api = station().server;
    if (api) server = { host: new URL(api).hostname.replace(/^\[|\]$/g, ''), port: testCallDefaults.port };
    else errors.push('--server is required (no console settings on this machine): the switchboard\'s SIP address, e.g. --server 192.168.1.10 or --server pbx.example:5060');
  } else {
    server = parseServer(rawServer);
    if (!server) errors.push(`--server "${rawServer}" is not host[:port] (an IPv6 address goes in brackets: [2001:db8::1]:5060)`);
  }

  const extension = single(argv.extension, 'extension', errors) ?? station().extension;
  if (extension === undefined || extension === '') errors.push('--extension is required (no console settings on this machine): the phone\'s extension, e.g. --extension 201');
  else if (!limits.extension.test(extension)) errors.push(`--extension "${extension}" is not an extension (digits, letters or *#+._-, up to 32)`);

  const password = single(argv.password, 'password', errors) ?? context.env[testCallPasswordEnv];
  if (password === undefined || password === '') errors.push(`--password is required (or set $${testCallPasswordEnv}): the phone's SIP password`);

  const rawSeconds = single(argv.seconds, 'seconds', errors) ?? String(testCallDefaults.seconds);
  const seconds = parseInteger(rawSeconds);
  if (seconds === undefined || seconds < 1 || seconds > 600) errors.push(`--seconds must be a whole number from 1 to 600, got "${rawSeconds}"`);

  const transport = single(argv.transport, 'transport', errors) ?? testCallDefaults.transport;
  if (transport !== 'udp' && transport !== 'tcp') errors.push(`--transport must be udp or tcp, got "${transport}"`);

  const localAddress = single(argv['local-address'], 'local-address', errors);
  if (localAddress !== undefined && isIP(localAddress) === 0) errors.push(`--local-address must be an IP address, got "${localAddress}"`);

  if (errors.length) return { ok: false, errors };
  return {
    ok: true,
    config: { server: server!, extension: extension!, password: password!, seconds: seconds!, json: argv.json === true, transport: transport as 'udp' | 'tcp', localAddress },
  };
}

/** `host`, `host:port`, `1.2.3.4:5060`, `[::1]:5060`, `::1`. */
export function parseServer(text: string): { host: string; port: number } | undefined {
  let host: string;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2];
    if (isIP(host) !== 6) return undefined;
  } else if (isIP(text) === 6) {
    host = text;
  } else {
    const m = /^([^:\s]+)(?::(\d+))?$/.exec(text);
    if (!m) return undefined;
    host = m[1]!;
    portText = m[2];
    if (isIP(host) === 0 && !/^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*\.?$/.test(host)) return undefined;
  }
  const port = portText === undefined ? testCallDefaults.port : parseInteger(portText);
  if (port === undefined || port < 1 || port > 65535) return undefined;
  return { host, port };
}
