// Runs SIPp (Debian `sip-tester`) as a child process and reads back what it
// did: exit code, the cumulative statistics (-trace_stat), the per-message
// counters of the scenario (-trace_counts), unexpected messages (-trace_err)
// and every message sent and received (-trace_msg) for failure reports.
//
// SIPp always runs in the foreground of its own child process with no
// terminal (-nostdin), bound to 127.0.0.1 only (-i, -bind_local, -ci), with a
// global -timeout so it ends on its own; we only ever signal the PID we
// spawned.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort, LOOPBACK } from './ports.js';

export const SCENARIOS_DIR = fileURLToPath(new URL('../scenarios/', import.meta.url));

/** SIPp transport modes used here: one UDP socket, or one TCP connection. */
export type SippTransport = 'u1' | 't1';

export interface SippOptions {
  /** Scenario file name inside test/e2e/scenarios, or an absolute path. */
  scenario: string;
  /** `host:port` to send to (UAC). Omit for a UAS that waits for calls. */
  remote?: string;
  transport?: SippTransport;
  /** Always loopback; here for completeness. */
  localAddress?: string;
  /** Local SIP port; a free one is chosen when omitted. */
  localPort?: number;
  /** -m: SIPp exits after this many calls. Default 1. */
  calls?: number;
  /** -r: new calls per second (per ratePeriodMs). Default 10. */
  rate?: number;
  /** -rp in milliseconds. Default 1000. */
  ratePeriodMs?: number;
  /** -l: maximum simultaneous calls. */
  limit?: number;
  /** -s: user part of the request-URI ([service]). */
  service?: string;
  /** -set name value: scenario global variables (declared in <Global variables=...>). */
  vars?: Record<string, string>;
  /** -key name value: generic [name] keywords. */
  keys?: Record<string, string>;
  /** Global deadline; SIPp fails (-timeout_error) when it is reached. Default 20 s. */
  timeoutMs?: number;
  extraArgs?: string[];
}

export interface SippStats {
  /** False when SIPp died before writing its statistics file. */
  available: boolean;
  incomingCalls: number;
  outgoingCalls: number;
  successfulCalls: number;
  failedCalls: number;
  /** Messages SIPp itself retransmitted (UDP), cumulative. */
  retransmissions: number;
  failedUnexpectedMessage: number;
  failedTimeoutOnRecv: number;
  failedMaxUdpRetrans: number;
  deadCallMsgs: number;
  outOfCallMsgs: number;
  /** Every cumulative column of the statistics file, by name without "(C)". */
  raw: Record<string, string>;
}

/** One line of the scenario as SIPp counted it (the screen's message table). */
export interface SippMessageCount {
  index: number;
  /** Method or status code as SIPp names it, e.g. "INVITE", "200", "Pause". */
  label: string;
  direction: 'sent' | 'recv' | 'other';
  count: number;
  /** Sent: SIPp's own retransmissions. Received: duplicates the peer sent. */
  retrans: number;
  timeouts: number;
  unexpected: number;
}

export interface SippResult {
  scenario: string;
  args: string[];
  pid: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** True when we had to kill SIPp because it outlived its own -timeout. */
  killed: boolean;
  stdout: string;
  stderr: string;
  stats: SippStats;
  messages: SippMessageCount[];
  errorLog: string;
  messageLog: string;
  /** Everything worth printing when an assertion about this run fails. */
  explain(): string;
}

const OUTPUT_LIMIT = 64 * 1024;
const live = new Set<ChildProcess>();

// A test that throws must not leave SIPp peers behind: kill our own children.
process.once('exit', () => {
  for (const child of live) {
    if (child.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
});

function tail(text: string, max: number): string {
  return text.length > max ? `...${text.slice(-max)}` : text;
}

function toNumber(value: string | undefined): number {
  const n = Number(value);
  return Number.isFinite(n) ? n : 0;
}

function lastCsvRow(text: string): { header: string[]; row: string[] } | undefined {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  if (lines.length < 2) return undefined;
  const header = lines[0]!.split(';');
  const row = lines[lines.length - 1]!.split(';');
  return { header, row };
}

export function parseStats(text: string | undefined): SippStats {
  const raw: Record<string, string> = {};
  const parsed = text ? lastCsvRow(text) : undefined;
  if (parsed) {
    parsed.header.forEach((name, i) => {
      const m = /^(.*)\(C\)$/.exec(name);
      if (m) raw[m[1]!] = parsed.row[i] ?? '';
      else if (!/\(P\)$/.test(name) && name) raw[name] = parsed.row[i] ?? '';
    });
  }
  return {
    available: parsed !== undefined,
    incomingCalls: toNumber(raw.IncomingCall),
    outgoingCalls: toNumber(raw.OutgoingCall),
    successfulCalls: toNumber(raw.SuccessfulCall),
    failedCalls: toNumber(raw.FailedCall),
    retransmissions: toNumber(raw.Retransmissions),
    failedUnexpectedMessage: toNumber(raw.FailedUnexpectedMessage),
    failedTimeoutOnRecv: toNumber(raw.FailedTimeoutOnRecv),
    failedMaxUdpRetrans: toNumber(raw.FailedMaxUDPRetrans),
    deadCallMsgs: toNumber(raw.DeadCallMsgs),
    outOfCallMsgs: toNumber(raw.OutOfCallMsgs),
    raw,
  };
}

export function parseCounts(text: string | undefined): SippMessageCount[] {
  const parsed = text ? lastCsvRow(text) : undefined;
  if (!parsed) return [];
  const byIndex = new Map<number, SippMessageCount>();
  parsed.header.forEach((name, i) => {
    const m = /^(\d+)_(.+)_(Sent|Recv|Retrans|Timeout|Unexp|Sessions)$/.exec(name);
    if (!m) return;
    const index = Number(m[1]);
    const value = toNumber(parsed.row[i]);
    let entry = byIndex.get(index);
    if (!entry) {
      entry = { index, label: m[2]!, direction: 'other', count: 0, retrans: 0, timeouts: 0, unexpected: 0 };
      byIndex.set(index, entry);
    }
    switch (m[3]) {
      case 'Sent':
        entry.direction = 'sent';
        entry.count = value;
        break;
      case 'Recv':
        entry.direction = 'recv';
        entry.count = value;
        break;
      case 'Sessions':
        entry.count = value;
        break;
      case 'Retrans':
        entry.retrans = value;
        break;
      case 'Timeout':
        entry.timeouts = value;
        break;
      case 'Unexp':
        entry.unexpected = value;
        break;
    }
  });
  return [...byIndex.values()].sort((a, b) => a.index - b.index);
}

async function readIfExists(file: string): Promise<string> {
  return existsSync(file) ? readFile(file, 'utf8') : '';
}

function scenarioPath(scenario: string): string {
  return path.isAbsolute(scenario) ? scenario : path.join(SCENARIOS_DIR, scenario);
}

interface Launch {
  child: ChildProcess;
  args: string[];
  localPort: number;
  result: Promise<SippResult>;
}

async function launch(opts: SippOptions, localPort: number): Promise<Launch> {
  const scenario = scenarioPath(opts.scenario);
  if (!existsSync(scenario)) throw new Error(`no such SIPp scenario: ${scenario}`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'e2e-sipp-'));
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const controlPort = await freePort();
  const args: string[] = [];
  if (opts.remote) args.push(opts.remote);
  args.push(
    '-sf', scenario,
    '-t', opts.transport ?? 'u1',
    '-i', opts.localAddress ?? LOOPBACK,
    '-bind_local',
    '-p', String(localPort),
    '-ci', LOOPBACK,
    '-cp', String(controlPort),
    '-m', String(opts.calls ?? 1),
    '-r', String(opts.rate ?? 10),
    '-rp', `${opts.ratePeriodMs ?? 1000}ms`,
    '-nostdin',
    '-timeout', `${timeoutMs}ms`,
    '-timeout_error',
    '-trace_stat', '-stf', path.join(dir, 'stats.csv'),
    '-trace_counts',
    '-trace_err', '-error_file', path.join(dir, 'errors.log'),
    '-trace_msg', '-message_file', path.join(dir, 'messages.log'),
  );
  if (opts.limit !== undefined) args.push('-l', String(opts.limit));
  if (opts.service !== undefined) args.push('-s', opts.service);
  for (const [name, value] of Object.entries(opts.vars ?? {})) args.push('-set', name, value);
  for (const [name, value] of Object.entries(opts.keys ?? {})) args.push('-key', name, value);
  args.push(...(opts.extraArgs ?? []));

  // cwd = the temp dir: -trace_counts always writes <scenario>_<pid>_counts.csv there.
  const child = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout = tail(stdout + chunk, OUTPUT_LIMIT);
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = tail(stderr + chunk, OUTPUT_LIMIT);
  });

  let killed = false;
  const result = new Promise<SippResult>((resolve, reject) => {
    // Belt and braces: SIPp ends itself at -timeout; if it does not, kill it.
    const watchdog = setTimeout(() => {
      killed = true;
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }, timeoutMs + 5_000);
    child.once('error', (err) => {
      clearTimeout(watchdog);
      live.delete(child);
      reject(err);
    });
    child.once('close', (exitCode, signal) => {
      clearTimeout(watchdog);
      live.delete(child);
      void (async () => {
        const files = await readdir(dir);
        const counts = files.find((f) => f.endsWith('_counts.csv'));
        const stats = parseStats(await readIfExists(path.join(dir, 'stats.csv')));
        const messages = parseCounts(counts ? await readIfExists(path.join(dir, counts)) : undefined);
        const errorLog = await readIfExists(path.join(dir, 'errors.log'));
        const messageLog = await readIfExists(path.join(dir, 'messages.log'));
        if (!process.env.E2E_KEEP_SIPP_LOGS) await rm(dir, { recursive: true, force: true });
        const name = path.basename(scenario);
        resolve({
          scenario: name,
          args,
          pid: child.pid ?? -1,
          exitCode,
          signal,
          killed,
          stdout,
          stderr,
          stats,
          messages,
          errorLog,
          messageLog,
          explain: () =>
            [
              `SIPp ${name} (pid ${child.pid}) exit code ${exitCode}${signal ? ` signal ${signal}` : ''}` +
                `${killed ? ' (killed after its own timeout)' : ''}`,
              `  sipp ${args.join(' ')}`,
              `  calls: ${stats.successfulCalls} successful, ${stats.failedCalls} failed` +
                ` (unexpected message ${stats.failedUnexpectedMessage}, recv timeout ${stats.failedTimeoutOnRecv},` +
                ` max UDP retrans ${stats.failedMaxUdpRetrans}), SIPp retransmissions ${stats.retransmissions}`,
              `  messages: ${messages
                .map((m) => `#${m.index} ${m.label}${m.direction === 'sent' ? '>' : m.direction === 'recv' ? '<' : ''}` +
                  `${m.count}${m.retrans ? `/rtx${m.retrans}` : ''}${m.timeouts ? `/timeout${m.timeouts}` : ''}` +
                  `${m.unexpected ? `/unexp${m.unexpected}` : ''}`)
                .join(' ')}`,
              stderr.trim() ? `  stderr:\n${tail(stderr.trim(), 3000)}` : '',
              errorLog.trim() ? `  errors log:\n${tail(errorLog.trim(), 4000)}` : '',
              messageLog.trim() ? `  message log (tail):\n${tail(messageLog.trim(), 6000)}` : '',
            ]
              .filter((line) => line !== '')
              .join('\n'),
        });
      })().catch(reject);
    });
  });
  return { child, args, localPort, result };
}

/** SIPp exits with 254/255 when it cannot bind a socket (a port race). */
function lostPortRace(result: SippResult): boolean {
  return (result.exitCode === 254 || result.exitCode === 255) && /bind/i.test(result.stderr + result.stdout);
}

/** Runs a scenario to completion (normally a UAC). */
export async function runSipp(opts: SippOptions): Promise<SippResult> {
  for (let attempt = 0; ; attempt++) {
    const localPort = opts.localPort ?? (await freePort());
    const { result } = await launch(opts, localPort);
    const done = await result;
    if (attempt < 3 && lostPortRace(done)) continue;
    return done;
  }
}

function hexPort(port: number): string {
  return port.toString(16).toUpperCase().padStart(4, '0');
}

/** Whether something listens on 127.0.0.1:port (or any address) per /proc/net. */
async function isListening(port: number, transport: SippTransport): Promise<boolean> {
  const table = await readFile(transport === 'u1' ? '/proc/net/udp' : '/proc/net/tcp', 'utf8');
  const wanted = [`0100007F:${hexPort(port)}`, `00000000:${hexPort(port)}`];
  return table.split('\n').some((line) => {
    const cols = line.trim().split(/\s+/);
    return wanted.includes(cols[1] ?? '') && (transport === 'u1' || cols[3] === '0A');
  });
}

export interface SippUas {
  pid: number;
  address: string;
  port: number;
  transport: SippTransport;
  /** `host:port` of this peer. */
  hostport: string;
  /** A request-URI reaching this peer (no user part for ''), with `;transport=tcp` over TCP. */
  uri(user?: string): string;
  /** Resolves when SIPp exits by itself (its -m calls done, or its -timeout). */
  done: Promise<SippResult>;
  /** Ends this SIPp (SIGTERM, then SIGKILL, to its own PID) and awaits its exit. */
  stop(): Promise<SippResult>;
}

/**
 * Starts a SIPp scenario in the background (normally a UAS) and resolves once
 * its SIP socket is bound, so traffic sent afterwards reaches it.
 */
export async function startSippUas(opts: Omit<SippOptions, 'remote'>): Promise<SippUas> {
  const transport = opts.transport ?? 'u1';
  for (let attempt = 0; ; attempt++) {
    const localPort = opts.localPort ?? (await freePort());
    const { child, result } = await launch({ ...opts, transport }, localPort);
    let exited = false;
    void result.finally(() => {
      exited = true;
    });
    const deadline = Date.now() + 10_000;
    while (!exited && !(await isListening(localPort, transport))) {
      if (Date.now() > deadline) {
        process.kill(child.pid!, 'SIGKILL');
        const failed = await result;
        throw new Error(`SIPp UAS did not start listening on ${localPort}\n${failed.explain()}`);
      }
      await delay(20);
    }
    if (exited) {
      const failed = await result;
      if (attempt < 3 && opts.localPort === undefined && lostPortRace(failed)) continue;
      throw new Error(`SIPp UAS exited at start\n${failed.explain()}`);
    }
    const pid = child.pid!;
    return {
      pid,
      address: LOOPBACK,
      port: localPort,
      transport,
      hostport: `${LOOPBACK}:${localPort}`,
      uri: (user = 'service') =>
        `sip:${user ? `${user}@` : ''}${LOOPBACK}:${localPort}${transport === 't1' ? ';transport=tcp' : ''}`,
      done: result,
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) {
          process.kill(pid, 'SIGTERM');
          const escalate = setTimeout(() => {
            if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGKILL');
          }, 2_000);
          try {
            return await result;
          } finally {
            clearTimeout(escalate);
          }
        }
        return result;
      },
    };
  }
}

/** Asserts a SIPp run ended well: exit code 0 and `calls` successful calls, none failed. */
export function assertSippPassed(result: SippResult, calls = 1): void {
  const ok =
    result.exitCode === 0 &&
    !result.killed &&
    result.stats.successfulCalls === calls &&
    result.stats.failedCalls === 0;
  assert.ok(ok, `expected ${calls} successful call(s)\n${result.explain()}`);
}

/** The counters of the scenario line at `index` (see the screen's message table). */
export function messageAt(result: SippResult, index: number): SippMessageCount {
  const found = result.messages.find((m) => m.index === index);
  assert.ok(found, `scenario ${result.scenario} has no message #${index}\n${result.explain()}`);
  return found;
}

/** The counters of the only scenario line with this label, e.g. "200" or "ACK". */
export function onlyMessage(result: SippResult, label: string): SippMessageCount {
  const found = result.messages.filter((m) => m.label === label);
  assert.equal(found.length, 1, `scenario ${result.scenario} should have exactly one "${label}" line\n${result.explain()}`);
  return found[0]!;
}

/** Transports a test runs over, with names for test titles. */
export const TRANSPORTS: ReadonlyArray<{ name: 'UDP' | 'TCP'; sipp: SippTransport }> = [
  { name: 'UDP', sipp: 'u1' },
  { name: 'TCP', sipp: 't1' },
];
