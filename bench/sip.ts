// `npm run bench:sip`: call setup throughput of the SIP server with a
// drachtio-srf B2BUA on top. SIPp caller -> SIP server -> bench/b2bua-app.ts
// (createB2BUA) -> SIP server -> SIPp callee, over UDP and TCP, at stepped call
// rates; each of server, app, caller and callee is its own process so that
// its CPU can be read from /proc. See bench/README.md.
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseBenchOptions, type BenchOptions, type Transport } from './lib/options.js';
import { cpuSeconds, machineBusySeconds, startHelper, stopAll, udpDrops, type Helper } from './lib/processes.js';
import {
  granularity,
  isClean,
  percentile,
  ratio,
  retransDetail,
  summarize,
  summaryLine,
  tableHeader,
  tableRow,
  type StepResult,
  type Summary,
} from './lib/report.js';
import { startCallee, startCaller, type SippOutcome } from './lib/sipp.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const out = (line = '') => process.stdout.write(`${line}\n`);

type ServerStats = {
  apps: number;
  dialogs: number;
  serverTransactions: number;
  clientTransactions: number;
  heapUsedMb?: number;
  gc?: { pauses: number; totalMs: number; maxMs: number };
};

interface AppCounts {
  invites: number;
  bridged: number;
  failed: Record<string, number>;
  endedBeforeLinked: number;
  hangups: number;
  hangupErrors: number;
  connects: number;
  errors: string[];
}

/** One server under test with its B2BUA app, for one transport. */
interface Target {
  name: 'embedded' | 'real';
  label: string;
  /** host:port SIPp calls. */
  sip: string;
  sipPort: number;
  /** PID whose CPU is the server's, if known. */
  serverPid?: number;
  server?: Helper;
  app: Helper;
}

async function startTarget(name: Target['name'], transport: Transport, opts: BenchOptions): Promise<Target> {
  let server: Helper | undefined;
  let control: { host: string; port: number; secret: string };
  let sip: string;
  let serverPid: number | undefined;
  if (name === 'embedded') {
    const secret = randomBytes(12).toString('hex');
    server = await startHelper('embedded server', 'bench/embedded-server.ts', { BENCH_SECRET: secret }, REPO);
    const ready = server.ready as { control: { address: string; port: number }; sip: Record<Transport, string> };
    control = { host: ready.control.address, port: ready.control.port, secret };
    sip = ready.sip[transport];
    serverPid = server.pid;
  } else {
    control = opts.real!.control;
    sip = opts.real!.sip;
    serverPid = opts.real!.pid;
  }
  try {
    const app = await startHelper(
      'B2BUA app',
      'bench/b2bua-app.ts',
      { BENCH_CONTROL: `${control.host}:${control.port}`, BENCH_SECRET: control.secret },
      REPO,
    );
    const label = name === 'embedded' ? `embedded server (pid ${serverPid}, ${sip})` : `real drachtio-server (${sip}${serverPid ? `, pid ${serverPid}` : ', no DRACHTIO_PID'})`;
    return { name, label, sip, sipPort: Number(sip.split(':').pop()), serverPid, server, app };
  } catch (err) {
    await server?.stop();
    throw err;
  }
}

async function stopTarget(target: Target): Promise<void> {
  await target.app.stop();
  await target.server?.stop();
}

async function serverStats(target: Target): Promise<ServerStats | undefined> {
  return target.server?.ask<ServerStats>('stats', 'stats');
}

/** CPU % of one core a process used over the next `ms`. */
async function busy(pid: number, ms: number): Promise<number> {
  const before = cpuSeconds(pid);
  await delay(ms);
  const after = cpuSeconds(pid);
  return before === undefined || after === undefined ? 0 : ((after - before) / (ms / 1000)) * 100;
}

/** Below this (% of one core) a process or the rest of the machine counts as idle. */
const IDLE_PERCENT = 10;
/** Other programs using more than this (% of one core) disturb a step. */
const DISTURBED_PERCENT = 25;

interface Settled {
  stats?: ServerStats;
  /** Busy time of the machine outside the server and app, % of one core, at the end. */
  others: number;
}

/**
 * Between steps: waits until the server and the app are idle, so a backlog
 * from one step does not leak into the next, the embedded server holds no
 * dialogs any more, and nothing else keeps the cores busy (the machine is
 * shared). Gives up after 30 s for our processes and 90 s for other programs.
 */
async function settle(target: Target): Promise<Settled> {
  const start = Date.now();
  await delay(500);
  for (;;) {
    const machine0 = machineBusySeconds();
    const [server, app] = await Promise.all([
      target.serverPid ? busy(target.serverPid, 1_000) : Promise.resolve(0),
      busy(target.app.pid, 1_000),
    ]);
    const machine1 = machineBusySeconds();
    const machine = machine0 === undefined || machine1 === undefined ? 0 : (machine1 - machine0) * 100;
    const others = Math.max(0, machine - server - app);
    const stats = await serverStats(target);
    const oursIdle = server < IDLE_PERCENT && app < IDLE_PERCENT && (stats === undefined || stats.dialogs === 0);
    const elapsed = Date.now() - start;
    if ((oursIdle || elapsed > 30_000) && (others < DISTURBED_PERCENT || elapsed > 90_000)) return { stats, others };
  }
}

const percent = (seconds: number | undefined, wall: number) =>
  seconds === undefined || wall <= 0 ? undefined : (seconds / wall) * 100;

function counter(outcome: SippOutcome, name: string): number {
  return Number(outcome.stats[name]) || 0;
}

function diffCounts(before: AppCounts, after: AppCounts): string[] {
  const notes: string[] = [];
  const failed = Object.entries(after.failed)
    .map(([k, v]) => [k, v - (before.failed[k] ?? 0)] as const)
    .filter(([, v]) => v > 0);
  const invites = after.invites - before.invites;
  const bridged = after.bridged - before.bridged;
  if (failed.length > 0) notes.push(`app: createB2BUA failed ${failed.map(([k, v]) => `${v}x ${k}`).join(', ')}`);
  if (after.hangupErrors > before.hangupErrors) notes.push(`app: ${after.hangupErrors - before.hangupErrors} BYEs failed`);
  if (after.connects > before.connects) notes.push(`app: reconnected ${after.connects - before.connects}x to the server`);
  if (after.errors.length > before.errors.length) notes.push(`app errors: ${after.errors.slice(before.errors.length).join(' | ')}`);
  notes.push(`app: ${invites} INVITEs, ${bridged} bridged, ${after.endedBeforeLinked - before.endedBeforeLinked} ended before linked`);
  return notes;
}

async function runStep(
  target: Target,
  transport: Transport,
  rate: number,
  seconds: number,
  dir: string,
  half: boolean,
): Promise<StepResult> {
  const calls = rate * seconds;
  const timeoutSeconds = seconds + 25;
  const callee = await startCallee(path.join(dir, 'uas'), transport, timeoutSeconds + 10);
  try {
    await target.app.ask(`target ${callee.uri}`, 'target');
    const appBefore = await target.app.ask<AppCounts>('stats', 'stats');

    const cpu0 = {
      server: target.serverPid ? cpuSeconds(target.serverPid) : undefined,
      app: cpuSeconds(target.app.pid),
      uas: cpuSeconds(callee.pid),
      children: cpuSeconds('self', true),
      machine: machineBusySeconds(),
    };
    // Kernel drops on the server's and the callee's UDP sockets (the caller's
    // socket is gone before it could be read afterwards).
    const drops0 = transport === 'udp' ? [udpDrops(target.sipPort), udpDrops(callee.port)] : [];
    const t0 = performance.now();
    let caller = await startCaller(path.join(dir, 'uac'), transport, target.sip, rate, calls, timeoutSeconds);
    let uac = await caller.done;
    if ((uac.exitCode === 254 || uac.exitCode === 255) && /bind/i.test(uac.stderr) && !uac.stats.OutgoingCall) {
      caller = await startCaller(path.join(dir, 'uac-retry'), transport, target.sip, rate, calls, timeoutSeconds);
      uac = await caller.done;
    }
    const wall = (performance.now() - t0) / 1000;
    // The caller has been reaped: its whole CPU time is now in our cutime/cstime.
    const cpu1 = {
      server: target.serverPid ? cpuSeconds(target.serverPid) : undefined,
      app: cpuSeconds(target.app.pid),
      uas: cpuSeconds(callee.pid),
      children: cpuSeconds('self', true),
      machine: machineBusySeconds(),
    };
    const drops1 = transport === 'udp' ? [udpDrops(target.sipPort), udpDrops(callee.port)] : [];
    const uas = await callee.stop();
    const appAfter = await target.app.ask<AppCounts>('stats', 'stats');

    const delta = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : b - a);
    const successful = counter(uac, 'SuccessfulCall');
    const failed = Math.max(counter(uac, 'FailedCall'), calls - successful);
    const retrans = [...uac.messages, ...uas.messages].reduce((sum, m) => sum + m.retrans, 0);
    const elapsed = uac.elapsedSeconds || wall;
    const ours = [cpu0.server, cpu0.app, cpu0.uas, cpu0.children].map((before, i) =>
      delta(before, [cpu1.server, cpu1.app, cpu1.uas, cpu1.children][i]),
    );
    const machine = delta(cpu0.machine, cpu1.machine);
    // Everything else that kept the cores busy: kernel network work
    // (softirq), the benchmark itself, other programs on the machine.
    const other = machine === undefined ? undefined : machine - ours.reduce<number>((sum, s) => sum + (s ?? 0), 0);
    const result: StepResult = {
      rate,
      half,
      calls,
      achieved: successful / elapsed,
      successful,
      failed,
      retrans,
      p50: percentile(uac.rtts, 50),
      p99: percentile(uac.rtts, 99),
      rttStep: granularity(uac.rtts),
      cpu: {
        server: percent(delta(cpu0.server, cpu1.server), wall),
        app: percent(delta(cpu0.app, cpu1.app), wall),
        uac: percent(delta(cpu0.children, cpu1.children), wall),
        uas: percent(delta(cpu0.uas, cpu1.uas), wall),
        other: percent(other === undefined ? undefined : Math.max(0, other), wall),
      },
      notes: [],
    };

    const notes = result.notes;
    if (!isClean(result)) {
      const uacRetrans = retransDetail(uac.messages);
      const uasRetrans = retransDetail(uas.messages);
      if (uacRetrans || uasRetrans) {
        notes.push(`retransmissions (> sent again by SIPp, < received again from the server): caller ${uacRetrans || 'none'}; callee ${uasRetrans || 'none'}`);
      }
      const reasons = Object.entries(uac.stats)
        .filter(([k, v]) => k.startsWith('Failed') && k !== 'FailedCall' && Number(v) > 0)
        .map(([k, v]) => `${k} ${v}`);
      if (reasons.length > 0) notes.push(`caller failures: ${reasons.join(', ')}`);
      if (uac.exitCode !== 0) notes.push(`caller SIPp exit code ${uac.exitCode}${uac.stderr.trim() ? `: ${uac.stderr.trim().split('\n').slice(-3).join(' / ')}` : ''}`);
      if (result.achieved < 0.95 * rate) notes.push(`achieved ${result.achieved.toFixed(1)} cps < 95% of ${rate}`);
      notes.push(...diffCounts(appBefore, appAfter));
      notes.push(`caller screen:\n${indent(uac.screen)}`, `callee screen:\n${indent(uas.screen)}`);
    } else if (appAfter.connects > appBefore.connects || appAfter.errors.length > appBefore.errors.length) {
      notes.push(...diffCounts(appBefore, appAfter));
    }
    const dropped = drops1.map((d, i) => (d === undefined || drops0[i] === undefined ? 0 : d - drops0[i]!));
    if (dropped.some((d) => d > 0)) {
      notes.push(`kernel UDP drops (receive buffer full): server socket ${dropped[0]}, callee socket ${dropped[1]}`);
    }
    const invites = appAfter.invites - appBefore.invites;
    if (isClean(result) && invites !== calls) {
      notes.push(`app saw ${invites} INVITEs for ${calls} calls (another app routing INVITEs on the same server?)`);
    }
    for (const name of ['DeadCallMsgs', 'OutOfCallMsgs']) {
      const n = counter(uac, name) + counter(uas, name);
      if (n > 0) notes.push(`${name}: ${n} (caller + callee)`);
    }
    const uasFailed = counter(uas, 'FailedCall');
    if (uasFailed > 0) notes.push(`callee failed calls: ${uasFailed}`);
    return result;
  } catch (err) {
    await callee.stop().catch(() => undefined);
    throw err;
  }
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((l) => `      ${l}`)
    .join('\n');

function printStep(step: StepResult): void {
  out(tableRow(step));
  for (const note of step.notes) out(`    ${note}`);
}

const warmupSeconds = (opts: BenchOptions) => (opts.quick ? 1 : 3);

interface TransportRun {
  target: Target;
  steps: StepResult[];
  summary: Summary;
  /** The embedded server's live counts once everything was over. */
  leftover?: ServerStats;
}

async function benchTransport(transport: Transport, opts: BenchOptions, runDir: string): Promise<TransportRun[]> {
  const names: Target['name'][] = opts.real ? ['embedded', 'real'] : ['embedded'];
  const runs: TransportRun[] = [];
  try {
    for (const name of names) {
      const target = await startTarget(name, transport, opts);
      const run: TransportRun = { target, steps: [], summary: { allClean: false } };
      runs.push(run);
      out();
      out(`${transport.toUpperCase()} - ${target.label}, B2BUA app pid ${target.app.pid}`);
      // Unreported warm-up: the first seconds of a fresh node process are
      // slow (JIT) and would otherwise show up in the first step's p99.
      const warmRate = opts.rates[0]!;
      const warm = await runStep(target, transport, warmRate, warmupSeconds(opts), path.join(runDir, `${transport}-${name}-warmup`), false);
      out(
        `warm-up: ${warm.successful} of ${warm.calls} calls at ${warmRate} cps, p99 ${warm.p99 ?? '-'} ms` +
          `${isClean(warm) ? '' : ` - not clean: ${warm.failed} failed, ${warm.retrans} retrans`}`,
      );
      const { others } = await settle(target);
      if (others >= DISTURBED_PERCENT) out(`other programs keep ${others.toFixed(0)}% of a core busy: the steps are disturbed`);
      out(tableHeader());
      for (const rate of opts.rates) {
        const step = await runStep(target, transport, rate, opts.seconds, path.join(runDir, `${transport}-${name}-${rate}`), false);
        run.steps.push(step);
        printStep(step);
        const { stats: left, others } = await settle(target);
        if (left && left.dialogs > 0) out(`    server still holds ${left.dialogs} dialogs 30 s after the step`);
        if (others >= DISTURBED_PERCENT) out(`    other programs keep ${others.toFixed(0)}% of a core busy: the next step is disturbed`);
        if (!isClean(step)) break;
      }
      run.summary = summarize(run.steps);
    }

    // Half the highest clean rate; with a real server too, half the lower of
    // the two, so both p99 figures are taken at the same rate.
    const cleanRates = runs.map((r) => r.summary.highestClean);
    const common = cleanRates.every((r) => r !== undefined) ? Math.min(...(cleanRates as number[])) : undefined;
    for (const run of runs) {
      const base = runs.length > 1 ? common : run.summary.highestClean;
      if (base === undefined) continue;
      const rate = Math.max(1, Math.floor(base / 2));
      out();
      out(`${transport.toUpperCase()} - ${run.target.name}: half-rate step`);
      const { others } = await settle(run.target);
      if (others >= DISTURBED_PERCENT) out(`other programs keep ${others.toFixed(0)}% of a core busy: the step is disturbed`);
      const step = await runStep(run.target, transport, rate, opts.seconds, path.join(runDir, `${transport}-${run.target.name}-half-${rate}`), true);
      run.steps.push(step);
      run.summary.halfStep = step;
      printStep(step);
      await settle(run.target);
    }
    for (const run of runs) {
      const stats = await serverStats(run.target);
      if (stats) run.leftover = stats;
    }
    return runs;
  } finally {
    for (const run of runs) await stopTarget(run.target);
  }
}

function printTables(transport: Transport, runs: TransportRun[]): void {
  for (const run of runs) {
    out();
    out(`${transport.toUpperCase()} - ${run.target.label}`);
    out(tableHeader());
    for (const step of run.steps) out(tableRow(step));
    out(summaryLine(run.summary));
    if (run.leftover) {
      const l = run.leftover;
      out(`server state at the end: ${l.dialogs} dialogs, ${l.serverTransactions} server / ${l.clientTransactions} client transactions, ${l.apps} apps`);
      if (l.gc) out(`server heap ${l.heapUsedMb} MB; garbage collection over the whole run: ${l.gc.pauses} pauses, ${l.gc.totalMs} ms in all, longest ${l.gc.maxMs} ms`);
    }
  }
  const embedded = runs.find((r) => r.target.name === 'embedded');
  const real = runs.find((r) => r.target.name === 'real');
  if (embedded && real) {
    const half = embedded.summary.halfStep?.rate;
    out(
      `embedded/real (${transport.toUpperCase()}): highest clean rate ` +
        `${embedded.summary.highestClean ?? '-'}/${real.summary.highestClean ?? '-'} = ${ratio(embedded.summary.highestClean, real.summary.highestClean)}; ` +
        `p99 setup at ${half ?? '-'} cps ${embedded.summary.halfStep?.p99 ?? '-'}/${real.summary.halfStep?.p99 ?? '-'} ms = ` +
        `${ratio(embedded.summary.halfStep?.p99, real.summary.halfStep?.p99)}`,
    );
  }
}

async function main(): Promise<number> {
  let opts: BenchOptions;
  try {
    opts = parseBenchOptions(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`bench:sip: ${(err as Error).message}\n`);
    return 2;
  }
  const runDir = path.join(os.tmpdir(), `bench-sip-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  await mkdir(runDir, { recursive: true });
  out(`bench:sip - SIPp caller -> SIP server -> drachtio-srf B2BUA -> SIPp callee, all on 127.0.0.1`);
  out(
    `${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), node ${process.version}; ` +
      `steps of ${opts.seconds} s at ${opts.rates.join(', ')} cps; transports ${opts.transports.join(', ')}` +
      `${opts.real ? `; compared with the real drachtio-server at ${opts.real.sip}` : ''}`,
  );
  out(`CPU is % of one core over the caller's run; "other" is the rest of the machine's busy time (kernel loopback`);
  out(`work, this script, other programs). Setup = INVITE sent -> 200 received, from SIPp's RTD. A step is clean with no`);
  out(`failed call, no retransmission and >= 95% of the target rate (successful calls / SIPp's run time). SIPp files: ${runDir}`);

  const all: Array<[Transport, TransportRun[]]> = [];
  for (const transport of opts.transports) all.push([transport, await benchTransport(transport, opts, runDir)]);

  out();
  out('=== results ===');
  for (const [transport, runs] of all) printTables(transport, runs);
  out();
  out('* = the extra step at half the highest clean rate');
  const steps = all.flatMap(([, runs]) => runs.flatMap((r) => r.steps)).map((s) => s.rttStep);
  const step = granularity(steps.filter((s): s is number => s !== undefined));
  if (step !== undefined && step > 1) {
    out(`SIPp's setup times came in steps of ${step} ms on this machine: p50/p99 are that coarse (0 = within one step).`);
  }
  return 0;
}

let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`\nbench:sip: ${sig}, stopping every child\n`);
    void stopAll().finally(() => process.exit(130));
  });
}

try {
  process.exitCode = await main();
} catch (err) {
  process.stderr.write(`bench:sip failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
} finally {
  await stopAll();
}
