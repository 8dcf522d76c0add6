// `dispatcher pbx` options: their declaration for yargs, their defaults and
// their validation, in one place (the pattern of sip-server-config.ts, whose
// contact check this reuses). Everything is read as a string and checked in
// resolvePbxConfig, so every bad value gets one clear message at once.
import { isIP } from 'node:net';
import type { Argv } from 'yargs';
import { isLogLevel, logLevels, type LogLevel } from '../log.js';
import { userPasswordProblem } from '../store/validation.js';
import { declareDataDirOption, resolveDataDir, type DataDirContext } from './data-dir.js';
import { contactProblem, parseInteger, single, sipServerDefaults } from './sip-server-config.js';

/** Where the first admin password may come from instead: a process's argv is visible in `ps` for its whole life. */
export const adminPasswordEnv = 'DISPATCHER_ADMIN_PASSWORD';

export const digestAlgorithms = ['MD5', 'SHA-256'] as const;
export type DigestAlgorithm = (typeof digestAlgorithms)[number];

export const pbxDefaults = {
  contacts: sipServerDefaults.contacts,
  api: { host: '127.0.0.1', port: 8080 },
  domain: 'dispatcher',
  loglevel: 'info' as LogLevel,
  t1: sipServerDefaults.t1,
  digestAlgorithms: ['MD5', 'SHA-256'] as readonly DigestAlgorithm[],
  registerMinExpires: 60,
  registerMaxExpires: 3600,
  authFailLimit: 5,
  authFailWindowSeconds: 60,
  optionsPingSeconds: 30,
  leaseMs: 3000,
  loginFailLimit: 5,
  loginLockSeconds: 300,
  queueNumber: '100',
  waiting: 'music' as WaitingMode,
  strategy: 'longest-idle' as Strategy,
  ringTimeoutSeconds: 20,
  missedBeforePause: 2,
  wrapUpSeconds: 0,
  record: true,
  rtpPorts: { min: 20000, max: 29999 },
} as const;

export const waitingModes = ['music', 'ringback'] as const;
export type WaitingMode = (typeof waitingModes)[number];
export const strategies = ['longest-idle', 'ring-all'] as const;
export type Strategy = (typeof strategies)[number];

export interface PbxConfig {
  /** Absolute data directory: the database (see data-dir.ts for the default). */
  dataDir: string;
  /** Where the embedded SIP server listens (drachtio-style contacts). Unused with `drachtio`. */
  contacts: string[];
  /** The console API's HTTP + WebSocket listener; port 0 picks a free one. */
  api: { host: string; port: number };
  /** SIP digest realm phones authenticate in. */
  domain: string;
  /** A real drachtio-server to connect to instead of starting the embedded one. */
  drachtio: { host: string; port: number; secret: string } | undefined;
  /** Password of the `admin` user created when the database has no users yet; ignored otherwise. */
  adminPassword: string | undefined;
  loglevel: LogLevel;
  /** RFC 3261 T1 of the embedded SIP server, milliseconds. Unused with `drachtio`. */
  t1: number;
  /** Digest algorithms challenged, in the order the challenges are offered. */
  digestAlgorithms: DigestAlgorithm[];
  /** Shortest registration accepted (423 Interval Too Brief below it), seconds. */
  registerMinExpires: number;
  /** Longest registration granted (longer requests are shortened), seconds. */
  registerMaxExpires: number;
  /** Failed REGISTER authentications tolerated per window before refusing. */
  authFailLimit: number;
  authFailWindowSeconds: number;
  /** Interval of OPTIONS pings to registered phones, seconds. */
  optionsPingSeconds: number;
  /** Console heartbeat lease: a station whose console is silent this long is not eligible, milliseconds. */
  leaseMs: number;
  /** Failed console logins tolerated before the login is locked. */
  loginFailLimit: number;
  loginLockSeconds: number;
  /** The number passengers dial. */
  queueNumber: string;
  /** Trunk addresses or CIDR blocks whose calls to the queue number are accepted. */
  trunks: string[];
  /** Waiting callers hear music (answered) or ringback (unanswered, 180 Ringing). */
  waiting: WaitingMode;
  strategy: Strategy;
  ringTimeoutSeconds: number;
  /** Consecutive missed offers that pause a station ("missed calls"). */
  missedBeforePause: number;
  wrapUpSeconds: number;
  /** Maximum wait before a caller goes to `overflowTo`; undefined = never. */
  overflowAfterSeconds: number | undefined;
  /** Where overflowing callers are sent (a SIP URI). */
  overflowTo: string | undefined;
  record: boolean;
  /** UDP ports for RTP (even numbers are used). */
  rtpPorts: { min: number; max: number };
}

export type PbxConfigResult = { ok: true; config: PbxConfig } | { ok: false; errors: string[] };

/** Declares the options on the `pbx` command's yargs instance. */
export function declarePbxOptions<T>(yargs: Argv<T>) {
  const d = pbxDefaults;
  const text = (describe: string, defaultDescription?: string) =>
    ({ type: 'string', requiresArg: true, describe, defaultDescription }) as const;
  return declareDataDirOption(yargs)
    .option('contact', text('SIP URI the embedded SIP server listens on, at the address phones reach (e.g. sip:192.168.1.10:5060); repeat for several', d.contacts[0]))
    .option('api', text('console API listener, host:port (port 0 picks a free one)', `${d.api.host}:${d.api.port}`))
    .option('domain', text('SIP realm phones authenticate in', d.domain))
    .option(
      'drachtio',
      text('use a drachtio-server at host:port:secret instead of the embedded SIP server', 'embedded server'),
    )
    .option(
      'admin-password',
      text(`password of the admin user created on first start (no users yet); else $${adminPasswordEnv}`),
    )
    .option('loglevel', text(`log level: ${logLevels.join(', ')} (logs go to stderr)`, d.loglevel))
    .option('t1', text('SIP timer T1 of the embedded server, milliseconds', String(d.t1)))
    .option(
      'digest-algorithms',
      text(`digest algorithms challenged, in order: ${digestAlgorithms.join(', ')}`, d.digestAlgorithms.join(',')),
    )
    .option('register-min-expires', text('shortest registration accepted, seconds', String(d.registerMinExpires)))
    .option('register-max-expires', text('longest registration granted, seconds', String(d.registerMaxExpires)))
    .option('auth-fail-limit', text('failed SIP authentications tolerated per window', String(d.authFailLimit)))
    .option('auth-fail-window', text('window of --auth-fail-limit, seconds', String(d.authFailWindowSeconds)))
    .option(
      'options-ping',
      text('interval of OPTIONS pings to registered phones, seconds', String(d.optionsPingSeconds)),
    )
    .option('lease', text('console heartbeat lease, milliseconds', String(d.leaseMs)))
    .option('login-fail-limit', text('failed console logins before the login is locked', String(d.loginFailLimit)))
    .option('login-lock', text('how long a login stays locked, seconds', String(d.loginLockSeconds)))
    .option('queue-number', text('the number passengers dial', d.queueNumber))
    .option('trunk', text('trusted trunk address or CIDR block whose calls join the queue; repeatable', 'none'))
    .option('waiting', text(`what waiting callers get: ${waitingModes.join(' (answered, hold music), ')} (unanswered, 180 Ringing)`, d.waiting))
    .option('strategy', text(`how callers are offered: ${strategies.join(', ')}`, d.strategy))
    .option('ring-timeout', text('seconds a station rings before the caller moves on', String(d.ringTimeoutSeconds)))
    .option('missed-before-pause', text('consecutive missed calls that pause a station', String(d.missedBeforePause)))
    .option('wrap-up', text('seconds after a call before the station gets the next caller', String(d.wrapUpSeconds)))
    .option('overflow-after', text('seconds a caller may wait before going to --overflow-to', 'off'))
    .option('overflow-to', text('SIP URI overflowing callers are sent to (with --overflow-after)'))
    .option('record', { type: 'boolean', describe: 'record answered calls (--no-record to turn off)', default: undefined, defaultDescription: 'on' })
    .option('rtp-ports', text('UDP port range for RTP, min-max', `${d.rtpPorts.min}-${d.rtpPorts.max}`));
}

/** Raw values as yargs hands them over (camel-cased keys are added by yargs too). */
export interface RawPbxArgs {
  data?: unknown;
  contact?: unknown;
  api?: unknown;
  domain?: unknown;
  drachtio?: unknown;
  'admin-password'?: unknown;
  loglevel?: unknown;
  t1?: unknown;
  'digest-algorithms'?: unknown;
  'register-min-expires'?: unknown;
  'register-max-expires'?: unknown;
  'auth-fail-limit'?: unknown;
  'auth-fail-window'?: unknown;
  'options-ping'?: unknown;
  lease?: unknown;
  'login-fail-limit'?: unknown;
  'login-lock'?: unknown;
  'queue-number'?: unknown;
  trunk?: unknown;
  waiting?: unknown;
  strategy?: unknown;
  'ring-timeout'?: unknown;
  'missed-before-pause'?: unknown;
  'wrap-up'?: unknown;
  'overflow-after'?: unknown;
  'overflow-to'?: unknown;
  record?: unknown;
  'rtp-ports'?: unknown;
}

export function resolvePbxConfig(raw: RawPbxArgs, context: DataDirContext): PbxConfigResult {
  const errors: string[] = [];
  const d = pbxDefaults;

  const data = single(raw.data, 'data', errors);
  if (data === '') errors.push('--data: must not be empty');
  const dataDir = resolveDataDir(data || undefined, context);

  const drachtioText = single(raw.drachtio, 'drachtio', errors);
  const drachtio = drachtioText === undefined ? undefined : parseDrachtio(drachtioText);
  if (drachtio === null) {
    errors.push(`--drachtio ${JSON.stringify(drachtioText)}: expected host:port:secret, e.g. 127.0.0.1:9022:cymru`);
  }

  // With a drachtio-server these belong to its own configuration; accepting
  // them silently would let someone believe they took effect.
  for (const name of ['contact', 't1'] as const) {
    if (drachtioText !== undefined && raw[name] !== undefined) {
      errors.push(
        `--${name} applies to the embedded SIP server; with --drachtio set it in drachtio-server's configuration`,
      );
    }
  }

  const contacts = raw.contact === undefined ? [...d.contacts] : ([] as unknown[]).concat(raw.contact).map(String);
  for (const contact of contacts) {
    const problem = contactProblem(contact);
    if (problem) errors.push(`--contact ${JSON.stringify(contact)}: ${problem}`);
    // Phones are told this address (in SDP, Contact and their credentials), so it must be one they can reach.
    else if (/^sips?:(?:0\.0\.0\.0|\[::\])(?:[:;]|$)/.test(contact)) {
      errors.push(`--contact ${JSON.stringify(contact)}: the switchboard tells phones this address, so give the one they reach it at, e.g. sip:192.168.1.10:5060`);
    }
  }

  const apiText = single(raw.api, 'api', errors);
  const api = apiText === undefined ? { ...d.api } : parseListenAddress(apiText);
  if (!api) {
    errors.push(`--api ${JSON.stringify(apiText)}: expected an IP address and port to listen on, e.g. 127.0.0.1:8080`);
  }

  const domain = single(raw.domain, 'domain', errors) ?? d.domain;
  // Goes inside a quoted-string of a WWW-Authenticate header, and phones are
  // configured with it: keep it plain.
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(domain)) {
    errors.push(
      `--domain ${JSON.stringify(domain)}: expected up to 63 characters A-Z, a-z, 0-9, dot, underscore or hyphen`,
    );
  }

  const adminPasswordOption = single(raw['admin-password'], 'admin-password', errors);
  const adminPassword = adminPasswordOption ?? (context.env[adminPasswordEnv] || undefined);
  const adminPasswordProblem = adminPassword === undefined ? undefined : userPasswordProblem(adminPassword);
  if (adminPasswordProblem) {
    const source = adminPasswordOption === undefined ? `$${adminPasswordEnv}` : '--admin-password';
    errors.push(`${source}: ${adminPasswordProblem}`);
  }

  const loglevel = single(raw.loglevel, 'loglevel', errors) ?? d.loglevel;
  if (!isLogLevel(loglevel)) {
    errors.push(`--loglevel ${JSON.stringify(loglevel)}: expected one of ${logLevels.join(', ')}`);
  }

  const algorithmsText = single(raw['digest-algorithms'], 'digest-algorithms', errors);
  const algorithms = algorithmsText === undefined ? [...d.digestAlgorithms] : parseAlgorithms(algorithmsText);
  if (!algorithms) {
    errors.push(
      `--digest-algorithms ${JSON.stringify(algorithmsText)}: ` +
        `expected a comma-separated list of ${digestAlgorithms.join(', ')}, each at most once`,
    );
  }

  const integer = (name: keyof RawPbxArgs, fallback: number, min: number, max: number, unit: string) => {
    const text = single(raw[name], name, errors);
    const value = text === undefined ? fallback : parseInteger(text);
    if (value === undefined || value < min || value > max) {
      errors.push(`--${name} ${JSON.stringify(text)}: expected ${unit} from ${min} to ${max}`);
    }
    return value ?? fallback;
  };
  const t1 = integer('t1', d.t1, 1, 60_000, 'milliseconds');
  const registerMinExpires = integer('register-min-expires', d.registerMinExpires, 1, 86_400, 'seconds');
  const registerMaxExpires = integer('register-max-expires', d.registerMaxExpires, 1, 86_400, 'seconds');
  if (registerMinExpires > registerMaxExpires) {
    errors.push(
      `--register-min-expires ${registerMinExpires} is more than --register-max-expires ${registerMaxExpires}`,
    );
  }
  const authFailLimit = integer('auth-fail-limit', d.authFailLimit, 1, 1000, 'a count');
  const authFailWindowSeconds = integer('auth-fail-window', d.authFailWindowSeconds, 1, 86_400, 'seconds');
  const optionsPingSeconds = integer('options-ping', d.optionsPingSeconds, 1, 3600, 'seconds');
  const leaseMs = integer('lease', d.leaseMs, 100, 600_000, 'milliseconds');
  const loginFailLimit = integer('login-fail-limit', d.loginFailLimit, 1, 1000, 'a count');
  const loginLockSeconds = integer('login-lock', d.loginLockSeconds, 1, 86_400, 'seconds');

  const queueNumber = single(raw['queue-number'], 'queue-number', errors) ?? d.queueNumber;
  if (!/^[0-9*#]{1,15}$/.test(queueNumber)) errors.push(`--queue-number ${JSON.stringify(queueNumber)}: expected up to 15 digits`);
  const trunks = raw.trunk === undefined ? [] : ([] as unknown[]).concat(raw.trunk).map(String);
  for (const trunk of trunks) {
    const [address, bits] = trunk.split('/');
    const family = isIP(address ?? '');
    const bitsOk = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
    if (!family || !bitsOk) errors.push(`--trunk ${JSON.stringify(trunk)}: expected an IP address or CIDR block, e.g. 192.0.2.10 or 192.0.2.0/24`);
  }
  const waiting = single(raw.waiting, 'waiting', errors) ?? d.waiting;
  if (!(waitingModes as readonly string[]).includes(waiting)) errors.push(`--waiting ${JSON.stringify(waiting)}: expected ${waitingModes.join(' or ')}`);
  const strategy = single(raw.strategy, 'strategy', errors) ?? d.strategy;
  if (!(strategies as readonly string[]).includes(strategy)) errors.push(`--strategy ${JSON.stringify(strategy)}: expected ${strategies.join(' or ')}`);
  const ringTimeoutSeconds = integer('ring-timeout', d.ringTimeoutSeconds, 1, 600, 'seconds');
  const missedBeforePause = integer('missed-before-pause', d.missedBeforePause, 1, 100, 'a count');
  const wrapUpSeconds = integer('wrap-up', d.wrapUpSeconds, 0, 3600, 'seconds');
  const overflowText = single(raw['overflow-after'], 'overflow-after', errors);
  const overflowAfterSeconds = overflowText === undefined ? undefined : integer('overflow-after', 0, 1, 86_400, 'seconds');
  const overflowTo = single(raw['overflow-to'], 'overflow-to', errors);
  if (overflowTo !== undefined && !/^sips?:[^\s]+$/.test(overflowTo)) errors.push(`--overflow-to ${JSON.stringify(overflowTo)}: expected a SIP URI`);
  if ((overflowAfterSeconds === undefined) !== (overflowTo === undefined)) errors.push('--overflow-after and --overflow-to go together');
  const record = raw.record === undefined ? d.record : raw.record === true || raw.record === 'true';
  const portsText = single(raw['rtp-ports'], 'rtp-ports', errors);
  let rtpPorts: { min: number; max: number } = { ...d.rtpPorts };
  if (portsText !== undefined) {
    const m = /^(\d{1,5})-(\d{1,5})$/.exec(portsText);
    const min = Number(m?.[1]);
    const max = Number(m?.[2]);
    if (!m || min < 1024 || max > 65535 || max - min < 3) errors.push(`--rtp-ports ${JSON.stringify(portsText)}: expected min-max within 1024-65535, at least 4 ports`);
    else rtpPorts = { min, max };
  }

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    config: {
      dataDir,
      contacts,
      api: api!,
      domain,
      drachtio: drachtio ?? undefined,
      adminPassword,
      loglevel: loglevel as LogLevel,
      t1,
      digestAlgorithms: algorithms!,
      registerMinExpires,
      registerMaxExpires,
      authFailLimit,
      authFailWindowSeconds,
      optionsPingSeconds,
      leaseMs,
      loginFailLimit,
      loginLockSeconds,
      queueNumber,
      trunks,
      waiting: waiting as WaitingMode,
      strategy: strategy as Strategy,
      ringTimeoutSeconds,
      missedBeforePause,
      wrapUpSeconds,
      overflowAfterSeconds,
      overflowTo,
      record,
      rtpPorts,
    },
  };
}

/** `host:port` or `[v6]:port` to bind to; undefined when unusable. */
function parseListenAddress(text: string): { host: string; port: number } | undefined {
  const parts = /^(?:\[([0-9a-f:.]+)\]|([^:\[\]]+)):(\d{1,5})$/i.exec(text);
  if (!parts) return undefined;
  const host = parts[1] ?? parts[2]!;
  const port = Number(parts[3]);
  if (port > 65535) return undefined;
  if (host !== 'localhost' && isIP(host) === 0) return undefined;
  // Brackets are only for IPv6; "[127.0.0.1]:80" is a typo worth catching.
  if (parts[1] !== undefined && isIP(host) !== 6) return undefined;
  return { host, port };
}

/** `host:port:secret`, host an IP, [v6] or a name; null when unusable. The secret may contain colons. */
function parseDrachtio(text: string): { host: string; port: number; secret: string } | null {
  const parts = /^(?:\[([0-9a-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5}):(.+)$/i.exec(text);
  if (!parts) return null;
  const host = parts[1] ?? parts[2]!;
  const port = Number(parts[3]);
  if (port < 1 || port > 65535) return null;
  if (parts[1] !== undefined && isIP(host) !== 6) return null;
  return { host, port, secret: parts[4]! };
}

function parseAlgorithms(text: string): DigestAlgorithm[] | undefined {
  const names = text.split(',').map((name) => name.trim().toUpperCase());
  const known = names.map((name) => digestAlgorithms.find((algorithm) => algorithm === name));
  if (known.some((algorithm) => algorithm === undefined)) return undefined;
  if (new Set(known).size !== known.length) return undefined;
  return known as DigestAlgorithm[];
}
