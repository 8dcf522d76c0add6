// Child processes of the benchmark and their CPU time. Every child is spawned
// here, remembered by PID, and stopped by that PID only (SIGTERM, then
// SIGKILL) when the benchmark ends, fails or is interrupted.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';

export const LOOPBACK = '127.0.0.1';

const live = new Set<ChildProcess>();

function signal(child: ChildProcess, sig: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(child.pid, sig);
  } catch {
    /* already gone */
  }
}

export function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

export function spawnTracked(command: string, args: string[], opts: SpawnOptions): ChildProcess {
  return track(spawn(command, args, opts));
}

/** Resolves when the child has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** SIGTERM to the child's own PID, SIGKILL after `graceMs`; resolves once it exited. */
export async function stopChild(child: ChildProcess, graceMs = 3_000): Promise<void> {
  signal(child, 'SIGTERM');
  const gone = exited(child);
  const timer = setTimeout(() => signal(child, 'SIGKILL'), graceMs);
  await gone;
  clearTimeout(timer);
}

export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((child) => stopChild(child)));
}

// Last resort on the way out: whatever is still running gets SIGKILL.
process.once('exit', () => {
  for (const child of live) signal(child, 'SIGKILL');
});

/**
 * A long-lived node helper (embedded server, B2BUA app) speaking JSON lines
 * on stdout and taking command lines on stdin.
 */
export interface Helper {
  child: ChildProcess;
  pid: number;
  /** The first JSON line with `ready: true`. */
  ready: Record<string, unknown>;
  /** Sends a command line and resolves with the next JSON line that has `key`. */
  ask<T>(command: string, key: string, timeoutMs?: number): Promise<T>;
  stderrTail(): string;
  stop(): Promise<void>;
}

export async function startHelper(
  name: string,
  script: string,
  env: Record<string, string>,
  cwd: string,
  timeoutMs = 20_000,
): Promise<Helper> {
  const child = spawnTracked(process.execPath, ['--import', 'tsx', script], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8_000);
  });
  const waiting: Array<{ key: string; resolve: (line: Record<string, unknown>) => void }> = [];
  let onReady: ((line: Record<string, unknown>) => void) | undefined;
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return; // not ours: a library printing something
    }
    if (line.ready === true) onReady?.(line);
    const i = waiting.findIndex((w) => w.key in line);
    if (i !== -1) waiting.splice(i, 1)[0]!.resolve(line);
  });
  const died = exited(child).then(() => {
    throw new Error(`${name} exited (code ${child.exitCode}, signal ${child.signalCode})\n${stderr.trim()}`);
  });
  died.catch(() => {});
  const ready = await Promise.race([
    new Promise<Record<string, unknown>>((resolve) => {
      onReady = resolve;
    }),
    died,
    delay(timeoutMs, undefined, { ref: false }).then(() => {
      throw new Error(`${name} was not ready within ${timeoutMs} ms\n${stderr.trim()}`);
    }),
  ]).catch(async (err: unknown) => {
    await stopChild(child);
    throw err;
  });

  return {
    child,
    pid: child.pid!,
    ready,
    ask<T>(command: string, key: string, askTimeoutMs = 5_000): Promise<T> {
      return Promise.race([
        new Promise<T>((resolve) => {
          waiting.push({ key, resolve: (line) => resolve(line[key] as T) });
          child.stdin!.write(`${command}\n`);
        }),
        died,
        delay(askTimeoutMs, undefined, { ref: false }).then(() => {
          throw new Error(`${name} did not answer "${command}" within ${askTimeoutMs} ms`);
        }),
      ]);
    },
    stderrTail: () => stderr,
    async stop() {
      child.stdin!.end();
      await stopChild(child);
    },
  };
}

/** CPU time (user + system) of a live process in seconds, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number | 'self', children = false): number | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the command name, which may itself hold spaces and ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime=14, stime=15, cutime=16, cstime=17.
  const at = (field: number) => Number(fields[field - 3]);
  const ticks = children ? at(16) + at(17) : at(14) + at(15);
  return ticks / CLOCK_TICKS;
}

/** CPU time the whole machine spent busy (all cores, user + system + irq + softirq + steal), in seconds. */
export function machineBusySeconds(): number | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/stat', 'utf8');
  } catch {
    return undefined;
  }
  const [user, nice, system, , , irq, softirq, steal] = text.split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / CLOCK_TICKS;
}

/** USER_HZ (`getconf CLK_TCK`): 100 on Linux, the unit of the /proc times. */
const CLOCK_TICKS = 100;

/**
 * Datagrams the kernel dropped for the UDP socket bound to 127.0.0.1:port
 * (the `drops` column of /proc/net/udp: a full receive buffer, mostly).
 */
export function udpDrops(port: number): number | undefined {
  let table: string;
  try {
    table = readFileSync('/proc/net/udp', 'utf8');
  } catch {
    return undefined;
  }
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of table.split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols[1] === local) return Number(cols[cols.length - 1]);
  }
  return undefined;
}

function bindTcp(port: number): Promise<net.Server | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(undefined));
    server.listen({ host: LOOPBACK, port, exclusive: true }, () => resolve(server));
  });
}

function bindUdp(port: number): Promise<dgram.Socket | undefined> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: false });
    socket.once('error', () => {
      socket.close();
      resolve(undefined);
    });
    socket.bind({ address: LOOPBACK, port, exclusive: true }, () => resolve(socket));
  });
}

const handedOut = new Set<number>();

/** A port free on 127.0.0.1 for both UDP and TCP (SIPp uses one number for either), never handed out twice. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const tcp = await bindTcp(0);
    if (!tcp) continue;
    const port = (tcp.address() as net.AddressInfo).port;
    const udp = await bindUdp(port);
    await new Promise<void>((resolve) => tcp.close(() => resolve()));
    if (!udp) continue;
    await new Promise<void>((resolve) => udp.close(() => resolve()));
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error('could not find a port free for both UDP and TCP on 127.0.0.1');
}

/** Resident set size of a live process in KB (VmRSS of /proc/<pid>/status). */
export function rssKb(pid: number): number | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

/**
 * Resident memory split as the kernel counts it: `anonKb` is the process's own
 * (JS heap, WebAssembly memory, compiled code), `fileKb` pages of files it maps,
 * mostly the node binary's code, clean and shared with every other node process.
 */
export function rssPartsKb(pid: number): { rssKb: number; anonKb: number; fileKb: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, 'm').exec(text)?.[1] ?? NaN);
  const parts = { rssKb: field('VmRSS'), anonKb: field('RssAnon'), fileKb: field('RssFile') };
  return Object.values(parts).every(Number.isFinite) ? parts : undefined;
}

/** CPU % of one core the process used over the next `ms` (0 when it cannot be read). */
export async function busyPercent(pid: number, ms: number): Promise<number> {
  const before = cpuSeconds(pid);
  await delay(ms);
  const after = cpuSeconds(pid);
  return before === undefined || after === undefined ? 0 : ((after - before) / (ms / 1000)) * 100;
}
