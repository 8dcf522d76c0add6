// Runs baresip (Debian package `baresip`) as a real softphone for a test:
// one account, registering with the switchboard, from a temporary config
// directory (-f) that holds only `config` and `accounts`.
//
// It only ever talks to 127.0.0.1: SIP listens on a free loopback port
// (sip_listen, net_interface), any DNS query would go to 127.0.0.1:53, and no
// STUN/TURN/ICE, audio, video or UI module is loaded (module_tmp account.so
// is the only one: it reads `accounts`). It runs in the foreground of its own
// child process with stdin closed and a -t deadline so it ends on its own;
// we only ever signal the PID we spawned.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, LOOPBACK } from './ports.js';

export const BARESIP_MODULES = '/usr/lib/baresip/modules';

export interface BaresipOptions {
  extension: string;
  password: string;
  /** The switchboard's SIP address. */
  registrar: { host: string; port: number };
  transport?: 'udp' | 'tcp';
  /** Registration interval (the Expires baresip asks for), seconds. Default 60. */
  regint?: number;
  /** baresip quits by itself after this many seconds (-t). Default 60. */
  lifetimeSec?: number;
}

export interface BaresipExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Baresip {
  pid: number;
  /** Where baresip listens for SIP (UDP and TCP) on 127.0.0.1. */
  port: number;
  /** The account line written to `accounts` (without the password, for messages). */
  aor: string;
  /** Its stdout and stderr so far, SIP trace included (-s), for failure reports. */
  output(): string;
  /** Resolves when baresip has exited, however that came about. */
  exited: Promise<BaresipExit>;
  /** SIGTERM to its PID (it unregisters on the way out), SIGKILL after graceMs; awaits the exit. */
  stop(graceMs?: number): Promise<BaresipExit>;
  /** SIGKILL to its PID: the phone vanishes without unregistering. */
  kill(): Promise<BaresipExit>;
}

const OUTPUT_LIMIT = 64 * 1024;
const live = new Set<ChildProcess>();

// A test that throws must not leave softphones behind: kill our own children.
process.once('exit', () => {
  for (const child of live) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
});

/** The `config` file: SIP on loopback only, no media or UI modules. */
export function baresipConfig(port: number): string {
  return [
    'poll_method\t\tepoll',
    `sip_listen\t\t${LOOPBACK}:${port}`,
    `net_interface\t\t${LOOPBACK}`,
    // Every address here is an IP literal; should anything still ask DNS, it asks loopback.
    `dns_server\t\t${LOOPBACK}:53`,
    'call_max_calls\t\t1',
    `module_path\t\t${BARESIP_MODULES}`,
    'module_tmp\t\taccount.so',
    '',
  ].join('\n');
}

/** The `accounts` line for one extension. */
export function baresipAccount(opts: BaresipOptions): string {
  const transport = opts.transport === 'tcp' ? ';transport=tcp' : '';
  return (
    `<sip:${opts.extension}@${opts.registrar.host}:${opts.registrar.port}${transport}>` +
    `;auth_pass=${opts.password};regint=${opts.regint ?? 60};answermode=manual;mwi=no;pubint=0`
  );
}

function tail(text: string, max: number): string {
  return text.length > max ? `...${text.slice(-max)}` : text;
}

/** Starts baresip and resolves once it is running (it registers right away). */
export async function startBaresip(opts: BaresipOptions): Promise<Baresip> {
  if (opts.registrar.host !== LOOPBACK) throw new Error(`baresip may only talk to ${LOOPBACK}, not ${opts.registrar.host}`);
  if (/[;<>\s]/.test(opts.password)) throw new Error('the password must not contain ";", "<", ">" or blanks for a baresip accounts line');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'e2e-baresip-'));
  const port = await freePort();
  const account = baresipAccount(opts);
  await writeFile(path.join(dir, 'config'), baresipConfig(port));
  await writeFile(path.join(dir, 'accounts'), `${account}\n`);

  // -s: SIP trace on stdout, for failure reports. No -d: a daemon would fork
  // away from the PID we hold.
  const child = spawn('baresip', ['-f', dir, '-s', '-t', String(opts.lifetimeSec ?? 60)], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let output = '';
  const collect = (chunk: string) => {
    // Drop the terminal colour codes baresip writes even to a pipe.
    output = tail(output + chunk.replace(/\x1b\[[0-9;]*m/g, ''), OUTPUT_LIMIT);
  };
  child.stdout!.setEncoding('utf8').on('data', collect);
  child.stderr!.setEncoding('utf8').on('data', collect);

  const exited = new Promise<BaresipExit>((resolve, reject) => {
    child.once('error', (err) => {
      live.delete(child);
      reject(new Error(`baresip could not start: ${err.message} (is the Debian package baresip installed?)`));
    });
    child.once('close', (code, signal) => {
      live.delete(child);
      void rm(dir, { recursive: true, force: true }).finally(() => resolve({ code, signal }));
    });
  });
  exited.catch(() => {});

  await new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', reject);
  });
  const pid = child.pid!;
  const running = () => child.exitCode === null && child.signalCode === null;

  const signal = async (sig: NodeJS.Signals, graceMs: number): Promise<BaresipExit> => {
    if (running()) {
      process.kill(pid, sig);
      const escalate = setTimeout(() => {
        if (running()) process.kill(pid, 'SIGKILL');
      }, graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(escalate);
      }
    }
    return exited;
  };

  return {
    pid,
    port,
    aor: account.replace(/;auth_pass=[^;]*/, ';auth_pass=***'),
    output: () => output,
    exited,
    stop: (graceMs = 5_000) => signal('SIGTERM', graceMs),
    kill: () => signal('SIGKILL', 0),
  };
}
