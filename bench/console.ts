// npm run bench:console — the dispatcher's console measured the way a
// dispatcher meets it, in a pseudo-terminal of 80×24 (util-linux `script`):
//   1. cold start: process spawned -> first frame on the terminal (median of --runs)
//   2. memory: RSS of the console while a fake switchboard keeps 200 callers
//      waiting and pushes a queue update every second (--duration seconds)
//   3. render: queue update sent -> the new first caller on the terminal, with
//      200 callers (median and p99 of --samples updates)
//
//   npm run bench:console -- --runs 10 --duration 600 --callers 200 --samples 200 [--entry dist]
//
// --entry dist runs the compiled dist/cli.js (npm run build) instead of tsx,
// which compiles TypeScript at every start.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startFakeSwitchboard } from './lib/fake-switchboard.js';
import { freePort, rssKb, rssPartsKb, stopChild, track } from './lib/processes.js';
import { percentile } from './lib/report.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    duration: { type: 'string', default: '60' },
    callers: { type: 'string', default: '200' },
    samples: { type: 'string', default: '200' },
    entry: { type: 'string', default: 'tsx' },
  },
});
const runs = positive(values.runs, 'runs');
const durationS = positive(values.duration, 'duration');
const callers = positive(values.callers, 'callers');
const samples = positive(values.samples, 'samples');
if (values.entry !== 'tsx' && values.entry !== 'dist') fail('--entry is tsx or dist');
if (values.entry === 'dist' && !existsSync(path.join(root, 'dist/cli.js'))) fail('dist/cli.js is missing: npm run build first');
const entry = values.entry === 'dist' ? [path.join(root, 'dist/cli.js')] : ['--import', 'tsx', path.join(root, 'cli.tsx')];

function positive(text: string | undefined, name: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) fail(`--${name} must be a whole number above 0`);
  return n;
}
function fail(message: string): never {
  console.error(`bench:console: ${message}`);
  process.exit(2);
}

interface Pty {
  child: ChildProcess;
  startedAt: number;
  /** Terminal output so far, escape codes removed, with the time each chunk came. */
  text(): string;
  waitFor(test: (text: string) => boolean, timeoutMs: number, what: string): Promise<number>;
  /** The console's own PID (the child of `script`). */
  consolePid(): number | undefined;
}

function spawnPty(args: string[]): Pty {
  const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, ...entry, ...args].map(quote).join(' ');
  const startedAt = performance.now();
  const child = track(spawn('script', ['-qfec', `stty rows 24 cols 80; exec ${command}`, '/dev/null'], { cwd: root, env: { ...process.env, TERM: 'xterm-256color' }, stdio: ['pipe', 'pipe', 'pipe'] }));
  let text = '';
  const waiters = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '');
    // Keep memory bounded over long runs: only the recent screenfuls matter.
    if (text.length > 200_000) text = text.slice(-100_000);
    for (const wake of waiters) wake();
  });
  return {
    child,
    startedAt,
    text: () => text,
    waitFor(test, timeoutMs, what) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!test(text)) return;
          cleanup();
          resolve(performance.now());
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`gave up after ${timeoutMs} ms waiting for ${what}; screen: ${text.slice(-400)}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    consolePid() {
      try {
        const children = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
        return children.find((pid) => pid > 0);
      } catch {
        return undefined;
      }
    },
  };
}

async function coldStart(): Promise<number[]> {
  const times: number[] = [];
  const nowhere = `http://127.0.0.1:${await freePort()}`;
  for (let run = 0; run < runs; run++) {
    const dir = mkdtempSync(path.join(tmpdir(), 'bench-console-'));
    const pty = spawnPty(['--settings-dir', dir, '--server', nowhere, '--lang', 'en']);
    const at = await pty.waitFor((t) => t.includes('Tab: next field'), 20_000, 'the login screen');
    times.push(at - pty.startedAt);
    await stopChild(pty.child);
    rmSync(dir, { recursive: true, force: true });
  }
  return times;
}

/** `dispatcher --version` through the same pty: what Node and the entry cost before any console code. */
async function baseline(): Promise<number[]> {
  const times: number[] = [];
  const version = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
  for (let run = 0; run < runs; run++) {
    const pty = spawnPty(['--version']);
    const at = await pty.waitFor((t) => t.includes(version), 20_000, 'the version');
    times.push(at - pty.startedAt);
    await stopChild(pty.child);
  }
  return times;
}

async function underLoad() {
  const office = await startFakeSwitchboard();
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-console-'));
  const { SettingsFile } = await import('../source/console/settings.js');
  new SettingsFile(dir).update({ server: office.url, token: 'bench-token', login: 'bench', extension: '201' });
  const pty = spawnPty(['--settings-dir', dir, '--lang', 'en']);
  try {
    await pty.waitFor((t) => t.includes('Station 201'), 20_000, 'the main screen');
    const pid = pty.consolePid();
    if (!pid) throw new Error('cannot find the console process under script');
    let marker = 0;
    const rss: number[] = [];
    const started = performance.now();
    // Memory: one queue update a second, as a busy switchboard sends.
    while (performance.now() - started < durationS * 1000) {
      office.pushQueue(callers, ++marker);
      await sleep(1000);
      const kb = rssKb(pid);
      if (kb !== undefined) rss.push(kb);
    }
    const parts = rssPartsKb(pid);
    // Render time: updates spaced wider than Ink's 30 fps throttle, each
    // timed from the send to its marker on the terminal.
    const latencies: number[] = [];
    for (let i = 0; i < samples; i++) {
      const id = ++marker;
      const sentAt = office.pushQueue(callers, id);
      const needle = `+48 7${String(id).padStart(8, '0')}`;
      const seenAt = await pty.waitFor((t) => t.includes(needle), 5_000, `queue update ${id}`);
      latencies.push(seenAt - sentAt);
      await sleep(50);
    }
    return { rss, parts, latencies, pid };
  } finally {
    await stopChild(pty.child);
    await office.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An idle `node` doing nothing, measured the same way: what any Node process costs here. */
async function bareNode() {
  const child = track(spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }));
  try {
    await sleep(1500);
    return rssPartsKb(child.pid!);
  } finally {
    await stopChild(child);
  }
}

const fmt = (ms: number | undefined) => (ms === undefined ? '—' : `${ms.toFixed(1)} ms`);
const mb = (kb: number | undefined) => (kb === undefined ? '—' : `${(kb / 1024).toFixed(1)} MB`);

console.log(`console benchmark: entry ${values.entry}, ${runs} cold starts, ${durationS} s with ${callers} callers, ${samples} render samples`);
const versions = await baseline();
const starts = await coldStart();
const load = await underLoad();
const bare = await bareNode();
const split = (p: { rssKb: number; anonKb: number; fileKb: number } | undefined) =>
  p === undefined ? '—' : `${mb(p.rssKb)} = ${mb(p.anonKb)} own + ${mb(p.fileKb)} mapped files (node's code, shared)`;
const rows: Array<[string, string]> = [
  [`cold start to first frame, median of ${starts.length}`, fmt(percentile(starts, 50))],
  ['cold start, fastest / slowest', `${fmt(Math.min(...starts))} / ${fmt(Math.max(...starts))}`],
  [`baseline: dispatcher --version, median of ${versions.length}`, fmt(percentile(versions, 50))],
  [`RSS after the first second (${callers} callers)`, mb(load.rss[0])],
  [`RSS after ${durationS} s`, mb(load.rss.at(-1))],
  [`RSS peak over ${durationS} s`, mb(Math.max(...load.rss))],
  // The garbage collector runs late and in steps: the quarters show whether memory levels off.
  ['RSS at 1/4, 1/2, 3/4 of the run', [0.25, 0.5, 0.75].map((q) => mb(load.rss[Math.floor(q * (load.rss.length - 1))])).join(', ')],
  [`RSS lowest over the last quarter`, mb(Math.min(...load.rss.slice(Math.floor(load.rss.length * 0.75))))],
  [`RSS at the end, split`, split(load.parts)],
  ['baseline: idle `node -e` RSS, split', split(bare)],
  ['console RSS / idle node RSS', load.parts && bare ? (load.parts.rssKb / bare.rssKb).toFixed(2) : '—'],
  [`queue update (${callers} callers) to screen, median`, fmt(percentile(load.latencies, 50))],
  [`queue update to screen, p99 of ${load.latencies.length}`, fmt(percentile(load.latencies, 99))],
];
const width = Math.max(...rows.map(([name]) => name.length));
console.log('');
for (const [name, value] of rows) console.log(`${name.padEnd(width)}  ${value}`);
