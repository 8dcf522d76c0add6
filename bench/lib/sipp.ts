// SIPp as the benchmark's caller (UAC) and callee (UAS): command lines, and
// reading back what each run wrote (-trace_stat, -trace_counts, -trace_screen,
// -trace_rtt). Each SIPp runs in a directory of its own, bound to 127.0.0.1.
import type { ChildProcess } from 'node:child_process';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Transport } from './options.js';
import { exited, freePort, LOOPBACK, spawnTracked, stopChild } from './processes.js';

export const SCENARIOS = fileURLToPath(new URL('../scenarios/', import.meta.url));
const SIPP = process.env.SIPP ?? 'sipp';
/** SIPp's own socket buffers: large enough that drops are not SIPp's doing. */
const BUFFER_BYTES = String(1024 * 1024);

export const sippTransport = (t: Transport) => (t === 'udp' ? 'u1' : 't1');

export interface MessageCount {
  index: number;
  /** Method or status, e.g. "INVITE", "200". */
  label: string;
  direction: 'sent' | 'recv';
  count: number;
  /** Sent: SIPp's own retransmissions. Received: duplicates the server sent. */
  retrans: number;
  timeouts: number;
  unexpected: number;
}

export interface SippOutcome {
  exitCode: number | null;
  /** Every cumulative column of the statistics file, by name without "(C)". */
  stats: Record<string, string>;
  messages: MessageCount[];
  /** Seconds from SIPp's start to its last counts line (ms resolution). */
  elapsedSeconds: number;
  /** Response times of RTD 1 in ms, one per call (SIPp's resolution: 1 ms). */
  rtts: number[];
  /** The scenario screen (message table) as SIPp last drew it. */
  screen: string;
  stderr: string;
  dir: string;
}

function lastCsvRow(text: string): Record<string, string> {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length < 2) return {};
  const header = lines[0]!.split(';');
  const row = lines[lines.length - 1]!.split(';');
  return Object.fromEntries(header.map((name, i) => [name, row[i] ?? '']));
}

/** "00:00:05:007000" (h:m:s:usec) or "00:00:05" -> seconds. */
export function parseSippDuration(text: string | undefined): number {
  const parts = (text ?? '').split(':').map(Number);
  if (parts.length < 3 || parts.some((n) => !Number.isFinite(n))) return 0;
  return parts[0]! * 3600 + parts[1]! * 60 + parts[2]! + (parts[3] ?? 0) / 1e6;
}

export function parseCounts(row: Record<string, string>): MessageCount[] {
  const byIndex = new Map<number, MessageCount>();
  for (const [name, value] of Object.entries(row)) {
    const m = /^(\d+)_(.+)_(Sent|Recv|Retrans|Timeout|Unexp)$/.exec(name);
    if (!m) continue;
    const index = Number(m[1]);
    const n = Number(value) || 0;
    let entry = byIndex.get(index);
    if (!entry) {
      entry = { index, label: m[2]!, direction: 'recv', count: 0, retrans: 0, timeouts: 0, unexpected: 0 };
      byIndex.set(index, entry);
    }
    if (m[3] === 'Sent') [entry.direction, entry.count] = ['sent', n];
    else if (m[3] === 'Recv') [entry.direction, entry.count] = ['recv', n];
    else if (m[3] === 'Retrans') entry.retrans = n;
    else if (m[3] === 'Timeout') entry.timeouts = n;
    else entry.unexpected = n;
  }
  return [...byIndex.values()].sort((a, b) => a.index - b.index);
}

export function parseRtts(text: string): number[] {
  const out: number[] = [];
  for (const line of text.split('\n')) {
    const [, ms, rtd] = line.trim().split(';');
    if (rtd === '1' && ms !== undefined && ms !== '' && Number.isFinite(Number(ms))) out.push(Number(ms));
  }
  return out;
}

/** The first screen of a -trace_screen log: header, counters and the message table. */
export function scenarioScreen(log: string): string {
  const lines = log.split('\n');
  const start = lines.findIndex((l) => l.includes('Scenario Screen'));
  if (start === -1) return '';
  const end = lines.findIndex((l, i) => i > start && /^-{5,}/.test(l) && !l.includes('Scenario Screen'));
  return lines.slice(start, end === -1 ? undefined : end).join('\n').trimEnd();
}

async function readOutcome(dir: string, exitCode: number | null, stderr: string): Promise<SippOutcome> {
  const files = await readdir(dir);
  const read = async (suffix: string) => {
    const file = files.find((f) => f.endsWith(suffix));
    return file ? readFile(path.join(dir, file), 'utf8') : '';
  };
  const statsRow = lastCsvRow(await read('stats.csv'));
  const stats: Record<string, string> = {};
  for (const [name, value] of Object.entries(statsRow)) {
    const m = /^(.*)\(C\)$/.exec(name);
    if (m) stats[m[1]!] = value;
  }
  const countsRow = lastCsvRow(await read('_counts.csv'));
  return {
    exitCode,
    stats,
    messages: parseCounts(countsRow),
    elapsedSeconds: parseSippDuration(countsRow.ElapsedTime),
    rtts: parseRtts(await read('_rtt.csv')),
    screen: scenarioScreen(await read('_screen.log')),
    stderr,
    dir,
  };
}

interface Launched {
  child: ChildProcess;
  port: number;
  done: Promise<SippOutcome>;
}

async function launch(
  dir: string,
  args: (port: number, controlPort: number) => string[],
  watchdogMs: number,
  fixedPort?: number,
): Promise<Launched> {
  await mkdir(dir, { recursive: true });
  const port = fixedPort ?? (await freePort());
  const controlPort = await freePort();
  const child = spawnTracked(SIPP, args(port, controlPort), { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8_000);
  });
  // SIPp ends itself at its -timeout; this only guards against it hanging.
  const watchdog = setTimeout(() => void stopChild(child, 1_000), watchdogMs);
  const done = (async () => {
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', () => resolve());
    });
    clearTimeout(watchdog);
    return readOutcome(dir, child.exitCode, stderr);
  })();
  return { child, port, done };
}

const commonArgs = (transport: Transport, port: number, controlPort: number, stat: string) => [
  '-t', sippTransport(transport),
  '-i', LOOPBACK,
  '-bind_local',
  '-p', String(port),
  '-ci', LOOPBACK,
  '-cp', String(controlPort),
  '-nostdin',
  '-buff_size', BUFFER_BYTES,
  '-trace_stat', '-stf', stat,
  '-trace_counts',
  '-trace_screen',
];

function hexPort(port: number): string {
  return port.toString(16).toUpperCase().padStart(4, '0');
}

/** Whether something listens on 127.0.0.1:port per /proc/net (no child needed). */
async function listening(port: number, transport: Transport): Promise<boolean> {
  const table = await readFile(transport === 'udp' ? '/proc/net/udp' : '/proc/net/tcp', 'utf8');
  return table.split('\n').some((line) => {
    const cols = line.trim().split(/\s+/);
    return cols[1] === `0100007F:${hexPort(port)}` && (transport === 'udp' || cols[3] === '0A');
  });
}

export interface Callee {
  pid: number;
  port: number;
  /** A request-URI reaching this callee over its transport. */
  uri: string;
  /** Ends it (SIGUSR1, then SIGTERM, to its PID) and reads its results. */
  stop(): Promise<SippOutcome>;
}

/** The callee SIPp, answering every INVITE; resolves once its socket is bound. */
export async function startCallee(dir: string, transport: Transport, timeoutSeconds: number): Promise<Callee> {
  for (let attempt = 0; ; attempt++) {
    const launched = await launch(
      dir,
      (port, controlPort) => [
        '-sf', path.join(SCENARIOS, 'uas-answer.xml'),
        ...commonArgs(transport, port, controlPort, 'uas-stats.csv'),
        '-timeout', `${timeoutSeconds}s`,
      ],
      (timeoutSeconds + 10) * 1000,
    );
    const { child, port } = launched;
    let gone = false;
    void exited(child).then(() => {
      gone = true;
    });
    const deadline = Date.now() + 10_000;
    while (!gone && !(await listening(port, transport))) {
      if (Date.now() > deadline) {
        await stopChild(child);
        throw new Error(`SIPp callee did not bind 127.0.0.1:${port}\n${(await launched.done).stderr}`);
      }
      await delay(20);
    }
    if (gone) {
      const outcome = await launched.done;
      if (attempt < 3 && /bind/i.test(outcome.stderr)) continue; // lost a port race
      throw new Error(`SIPp callee exited at start (code ${outcome.exitCode})\n${outcome.stderr}`);
    }
    return {
      pid: child.pid!,
      port,
      uri: `sip:service@${LOOPBACK}:${port};transport=${transport}`,
      async stop() {
        // SIGUSR1 is SIPp's soft exit: it finishes open calls and writes every
        // file, the screen included (SIGTERM skips the screen).
        if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGUSR1');
        await Promise.race([exited(child), delay(3_000)]);
        await stopChild(child);
        return launched.done;
      },
    };
  }
}

export interface CallerRun {
  pid: number;
  done: Promise<SippOutcome>;
}

/** The caller SIPp: `calls` short calls at `rate` per second to `remote`. */
export async function startCaller(
  dir: string,
  transport: Transport,
  remote: string,
  rate: number,
  calls: number,
  timeoutSeconds: number,
): Promise<CallerRun> {
  const run = await startScenario(dir, {
    scenario: path.join(SCENARIOS, 'uac-short-call.xml'),
    transport,
    remote,
    rate,
    calls,
    timeoutSeconds,
    stat: 'uac-stats.csv',
    errors: 'uac-errors.log',
    args: ['-s', 'service'],
  });
  return { pid: run.pid, done: run.done };
}

export interface ScenarioOptions {
  /** Path of the scenario file SIPp plays as a client. */
  scenario: string;
  transport: Transport;
  /** host:port SIPp sends to. */
  remote: string;
  /** Calls (scenario runs) started per second. */
  rate: number;
  /** Calls in all; SIPp exits after the last one ended. */
  calls: number;
  timeoutSeconds: number;
  /** SIPp's local port; a free one unless given (a phone that refreshes or removes its binding needs the same contact). */
  port?: number;
  /** Name of the statistics file. Default `stats.csv`. */
  stat?: string;
  /** Name of the file unexpected messages are logged to. Default `errors.log`. */
  errors?: string;
  /** More SIPp arguments, e.g. `-inf users.csv -key expires 3600`. */
  args?: string[];
  /** SIPp's -recv_timeout: how long a call waits at a <recv> before failing. Default 10 s. */
  recvTimeoutMs?: number;
}

/**
 * SIPp as a client playing any scenario at a rate, for a number of calls,
 * with the same statistics files as the benchmark caller: RTD 1 per call
 * (-trace_rtt), counts, screen, errors. Resolves once started.
 */
export async function startScenario(dir: string, opts: ScenarioOptions): Promise<CallerRun & { port: number }> {
  const launched = await launch(
    dir,
    (port, controlPort) => [
      opts.remote,
      '-sf', opts.scenario,
      ...commonArgs(opts.transport, port, controlPort, opts.stat ?? 'stats.csv'),
      ...(opts.args ?? []),
      '-r', String(opts.rate),
      '-rp', '1000ms',
      '-m', String(opts.calls),
      '-recv_timeout', String(opts.recvTimeoutMs ?? 10_000),
      '-timeout', `${opts.timeoutSeconds}s`,
      '-timeout_error',
      '-trace_rtt', '-rtt_freq', '1',
      '-trace_err', '-error_file', opts.errors ?? 'errors.log',
    ],
    (opts.timeoutSeconds + 10) * 1000,
    opts.port,
  );
  return { pid: launched.child.pid!, port: launched.port, done: launched.done };
}

/**
 * A scenario's text with RTD 1 running from its first <send> to its last
 * <recv>: the whole exchange, for scenarios written without RTD marks (SIPp
 * measures nothing per call without them). Throws when it already has marks
 * or has no send/recv to put them on.
 */
export function markWholeExchange(xml: string): string {
  if (/\b(start_)?rtd=/.test(xml)) throw new Error('the scenario already has RTD marks');
  const firstSend = xml.search(/<send\b/);
  const lastRecv = xml.lastIndexOf('<recv');
  if (firstSend === -1 || lastRecv === -1 || lastRecv < firstSend) throw new Error('the scenario needs a <send> followed by a <recv>');
  const marked = `${xml.slice(0, lastRecv)}<recv rtd="1"${xml.slice(lastRecv + '<recv'.length)}`;
  return `${marked.slice(0, firstSend)}<send start_rtd="1"${marked.slice(firstSend + '<send'.length)}`;
}

/**
 * Out-of-dialog OPTIONS answered with 200: the cheapest request a SIP
 * application can answer, as a baseline for heavier ones. RTD 1 measures
 * OPTIONS sent -> 200 received.
 */
export const OPTIONS_SCENARIO = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="uac-options">
  <send retrans="500" start_rtd="1">
    <![CDATA[
      OPTIONS sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      From: <sip:bench@[local_ip]:[local_port]>;tag=[pid]OPT[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 OPTIONS
      Contact: <sip:bench@[local_ip]:[local_port];transport=[transport]>
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>

  <recv response="200" rtd="1" />
</scenario>
`;

export interface LongRun {
  pid: number;
  port: number;
  /** Ends it (SIGTERM to its PID, SIGKILL after a grace) and reads what it wrote. */
  stop(): Promise<SippOutcome>;
}

/**
 * SIPp playing one call that lasts (a phone that registers and stays,
 * answering pings with an -oocsf scenario, say), stopped by its PID.
 */
export async function startLongRun(
  dir: string,
  opts: Pick<ScenarioOptions, 'scenario' | 'transport' | 'remote' | 'port' | 'args'> & { maxSeconds: number },
): Promise<LongRun> {
  const launched = await launch(
    dir,
    (port, controlPort) => [
      opts.remote,
      '-sf', opts.scenario,
      ...commonArgs(opts.transport, port, controlPort, 'stats.csv'),
      ...(opts.args ?? []),
      '-m', '1',
      '-timeout', `${opts.maxSeconds}s`,
    ],
    (opts.maxSeconds + 10) * 1000,
    opts.port,
  );
  const { child } = launched;
  return {
    pid: child.pid!,
    port: launched.port,
    async stop() {
      await stopChild(child);
      return launched.done;
    },
  };
}

export interface ServerRun {
  pid: number;
  port: number;
  /** Ends it (SIGUSR1, SIPp's soft exit that writes every file, then SIGTERM) and reads what it wrote. */
  stop(): Promise<SippOutcome>;
}

/**
 * SIPp as a server (UAS) playing any scenario on a given port (phones whose
 * contact is registered there), until stopped; resolves once its socket is bound.
 */
export async function startServer(
  dir: string,
  opts: { scenario: string; port: number; args?: string[]; maxSeconds: number },
): Promise<ServerRun> {
  const launched = await launch(
    dir,
    (port, controlPort) => [
      '-sf', opts.scenario,
      ...commonArgs('udp', port, controlPort, 'stats.csv'),
      ...(opts.args ?? []),
      '-timeout', `${opts.maxSeconds}s`,
    ],
    (opts.maxSeconds + 10) * 1000,
    opts.port,
  );
  const { child } = launched;
  let gone = false;
  void exited(child).then(() => (gone = true));
  const deadline = Date.now() + 10_000;
  while (!gone && !(await listening(opts.port, 'udp'))) {
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new Error(`SIPp server did not bind 127.0.0.1:${opts.port}\n${(await launched.done).stderr}`);
    }
    await delay(20);
  }
  if (gone) throw new Error(`SIPp server exited at start (code ${child.exitCode})\n${(await launched.done).stderr}`);
  return {
    pid: child.pid!,
    port: opts.port,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGUSR1');
      await Promise.race([exited(child), delay(3_000)]);
      await stopChild(child);
      return launched.done;
    },
  };
}
