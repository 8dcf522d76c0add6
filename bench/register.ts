// `npm run bench:register`: the three figures of the registrar/readiness
// issue, against real `dispatcher pbx` processes on 127.0.0.1:
//   1. REGISTER with digest sustained per second with zero failures (SIPp
//      test/e2e/scenarios/registrar-load.xml over UDP at stepped rates), as a
//      ratio to a baseline measured the same way in the same invocation: plain
//      OPTIONS answered by the same pbx;
//   2. the pbx's memory (VmRSS) per 1000 registered extensions;
//   3. the time from a console's loss to its station shown not eligible on
//      another console, per lease.
// Every child (pbx, SIPp) is tracked by its PID and stopped by it. See bench/README.md.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { openStore } from '../source/store/index.js';
import { registerLoadUsers } from '../test/e2e/support/registrar.js';
import { openConsole, stationIn, type ConsoleSocket } from './lib/console-client.js';
import { connectInspector, type Inspector } from './lib/inspector.js';
import { login, metrics, startPbxChild, type PbxChild } from './lib/pbx.js';
import { busyPercent, cpuSeconds, freePort, machineBusySeconds, rssKb, stopAll, udpDrops } from './lib/processes.js';
import { parseRegisterOptions, type RegisterBenchOptions } from './lib/register-options.js';
import { formatTable, granularity, isClean, percentile, retransDetail, summarize, type StepResult } from './lib/report.js';
import { markWholeExchange, OPTIONS_SCENARIO, startLongRun, startScenario, type SippOutcome } from './lib/sipp.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const E2E_SCENARIOS = path.join(REPO, 'test', 'e2e', 'scenarios');
const out = (line = '') => process.stdout.write(`${line}\n`);

/** The first measured extension; the phones are FIRST_EXTENSION.. in order. */
const FIRST_EXTENSION = 1000;
const BENCH_LOGIN = 'bench';
/** Keeps the registrar from pinging the thousands of SIPp contacts that are gone once a step ends (figures 1 and 2). */
const NO_PINGS = ['--options-ping', '3600'];
/** What every pbx here runs with: realm "bench", no lockout of the one source address, warnings only. */
const PBX_ARGS = ['--domain', 'bench', '--auth-fail-limit', '1000', '--loglevel', 'warn'];

interface Phone {
  extension: string;
  password: string;
}

/** Everything the three parts share: where files go, the phones and the scenarios. */
interface Setup {
  opts: RegisterBenchOptions;
  runDir: string;
  dataDir: string;
  phones: Phone[];
  /** Extensions registered and removed again to warm a fresh pbx up before its memory is read. */
  warmPhones: Phone[];
  benchPassword: string;
  files: { registerScenario: string; optionsScenario: string; users: string; firstHalf: string; secondHalf: string; warmUsers: string };
}

// ---------------------------------------------------------------- setup

const phoneOf = (n: number): Phone => ({ extension: String(n), password: `bench-${n}-pw` });

async function prepare(opts: RegisterBenchOptions, runDir: string): Promise<Setup> {
  const dataDir = path.join(runDir, 'data');
  const phones = Array.from({ length: opts.phones }, (_, i) => phoneOf(FIRST_EXTENSION + i));
  const warmCount = opts.quick ? 100 : 500;
  const warmPhones = Array.from({ length: warmCount }, (_, i) => phoneOf(FIRST_EXTENSION + opts.phones + i));
  const benchPassword = randomBytes(12).toString('base64url');

  // Straight into the store: thousands of `dispatcher admin phone add` runs would take minutes.
  const started = performance.now();
  const store = openStore(dataDir);
  try {
    for (const phone of [...phones, ...warmPhones]) store.phones.add(phone);
    // With a user in the store the pbx creates no admin of its own.
    store.users.add({ login: BENCH_LOGIN, password: benchPassword, displayName: 'Bench console', roles: ['dispatcher'] });
  } finally {
    store.close();
  }
  out(`store: ${phones.length} + ${warmPhones.length} phones and user "${BENCH_LOGIN}" in ${((performance.now() - started) / 1000).toFixed(1)} s (${dataDir})`);

  const half = Math.floor(phones.length / 2);
  const files = {
    registerScenario: path.join(runDir, 'registrar-load-rtd.xml'),
    optionsScenario: path.join(runDir, 'uac-options.xml'),
    users: path.join(runDir, 'users.csv'),
    firstHalf: path.join(runDir, 'users-first-half.csv'),
    secondHalf: path.join(runDir, 'users-second-half.csv'),
    warmUsers: path.join(runDir, 'users-warm.csv'),
  };
  // The load scenario as the e2e tests have it, with RTD 1 around the whole exchange (REGISTER ... 200).
  const loadXml = await readFile(path.join(E2E_SCENARIOS, 'registrar-load.xml'), 'utf8');
  await writeFile(files.registerScenario, markWholeExchange(loadXml));
  await writeFile(files.optionsScenario, OPTIONS_SCENARIO);
  await writeFile(files.users, registerLoadUsers(phones));
  await writeFile(files.firstHalf, registerLoadUsers(phones.slice(0, half)));
  await writeFile(files.secondHalf, registerLoadUsers(phones.slice(half)));
  await writeFile(files.warmUsers, registerLoadUsers(warmPhones));
  return { opts, runDir, dataDir, phones, warmPhones, benchPassword, files };
}

async function startPbx(setup: Setup, args: string[]): Promise<PbxChild> {
  return startPbxChild({ repo: REPO, dataDir: setup.dataDir, args: [...PBX_ARGS, ...args] });
}

// ---------------------------------------------------------------- SIPp steps

type Kind = 'OPTIONS' | 'REGISTER';

interface Load {
  kind: Kind;
  /** How the table names it: OPTIONS, REGISTER (refreshes from the same contacts), REGISTER 1st. */
  label: string;
  scenario: string;
  args: string[];
  port?: number;
}

const optionsLoad = (setup: Setup): Load => ({ kind: 'OPTIONS', label: 'OPTIONS', scenario: setup.files.optionsScenario, args: ['-s', 'bench'] });
const registerLoad = (setup: Setup, users: string, expires = 3600, port?: number, label = 'REGISTER'): Load => ({
  kind: 'REGISTER',
  label,
  scenario: setup.files.registerScenario,
  args: ['-inf', users, '-key', 'expires', String(expires)],
  port,
});

interface Step extends StepResult {
  kind: Kind;
  label: string;
  /** CPU time of the pbx per successful call (one OPTIONS, or one whole REGISTER exchange), ms. */
  pbxMsPerCall?: number;
  outcome: SippOutcome;
}

const counter = (outcome: SippOutcome, name: string) => Number(outcome.stats[name]) || 0;
const percent = (seconds: number | undefined, wall: number) => (seconds === undefined || wall <= 0 ? undefined : (seconds / wall) * 100);
const delta = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : b - a);

/** One SIPp run of `calls` at `rate` against the pbx, with the pbx's and SIPp's CPU over it. */
async function runLoad(pbx: PbxChild, load: Load, rate: number, calls: number, dir: string): Promise<Step> {
  const timeoutSeconds = Math.ceil(calls / rate) + 25;
  const cpu0 = { pbx: cpuSeconds(pbx.pid), children: cpuSeconds('self', true), machine: machineBusySeconds() };
  const drops0 = udpDrops(pbx.sipPort);
  const t0 = performance.now();
  const start = (attempt: string) =>
    startScenario(path.join(dir, attempt), {
      scenario: load.scenario,
      transport: 'udp',
      remote: pbx.sip,
      rate,
      calls,
      timeoutSeconds,
      port: load.port,
      args: load.args,
    });
  let outcome = await (await start('sipp')).done;
  if ((outcome.exitCode === 254 || outcome.exitCode === 255) && /bind/i.test(outcome.stderr) && !outcome.stats.OutgoingCall) {
    outcome = await (await start('sipp-retry')).done; // lost a port race
  }
  const wall = (performance.now() - t0) / 1000;
  // SIPp has been reaped: its CPU time is in our cutime/cstime now.
  const cpu1 = { pbx: cpuSeconds(pbx.pid), children: cpuSeconds('self', true), machine: machineBusySeconds() };
  const drops1 = udpDrops(pbx.sipPort);

  const successful = counter(outcome, 'SuccessfulCall');
  const failed = Math.max(counter(outcome, 'FailedCall'), calls - successful);
  const retrans = outcome.messages.reduce((sum, m) => sum + m.retrans, 0);
  const pbxCpu = delta(cpu0.pbx, cpu1.pbx);
  const sippCpu = delta(cpu0.children, cpu1.children);
  const machine = delta(cpu0.machine, cpu1.machine);
  const other = machine === undefined ? undefined : Math.max(0, machine - (pbxCpu ?? 0) - (sippCpu ?? 0));
  const step: Step = {
    kind: load.kind,
    label: load.label,
    pbxMsPerCall: pbxCpu === undefined || successful === 0 ? undefined : (pbxCpu * 1000) / successful,
    outcome,
    rate,
    half: false,
    calls,
    achieved: successful / (outcome.elapsedSeconds || wall),
    successful,
    failed,
    retrans,
    p50: percentile(outcome.rtts, 50),
    p99: percentile(outcome.rtts, 99),
    rttStep: granularity(outcome.rtts),
    cpu: { server: percent(pbxCpu, wall), uac: percent(sippCpu, wall), other: percent(other, wall) },
    notes: [],
  };
  if (!isClean(step)) {
    const detail = retransDetail(outcome.messages);
    if (detail) step.notes.push(`retransmissions (> sent again by SIPp, < received again from the pbx): ${detail}`);
    const reasons = Object.entries(outcome.stats)
      .filter(([k, v]) => k.startsWith('Failed') && k !== 'FailedCall' && Number(v) > 0)
      .map(([k, v]) => `${k} ${v}`);
    if (reasons.length > 0) step.notes.push(`failures: ${reasons.join(', ')}`);
    const unexpected = outcome.messages.filter((m) => m.unexpected > 0).map((m) => `${m.label} ${m.unexpected}`);
    if (unexpected.length > 0) step.notes.push(`unexpected messages at: ${unexpected.join(', ')}`);
    if (outcome.exitCode !== 0) {
      step.notes.push(`SIPp exit code ${outcome.exitCode}${outcome.stderr.trim() ? `: ${outcome.stderr.trim().split('\n').slice(-3).join(' / ')}` : ''}`);
    }
    if (step.achieved < 0.95 * rate) step.notes.push(`achieved ${step.achieved.toFixed(1)}/s < 95% of ${rate}`);
    step.notes.push(`SIPp screen:\n${indent(outcome.screen)}`);
  }
  const dropped = drops0 === undefined || drops1 === undefined ? 0 : drops1 - drops0;
  if (dropped > 0) step.notes.push(`kernel UDP drops on the pbx's socket (receive buffer full): ${dropped}`);
  for (const name of ['DeadCallMsgs', 'OutOfCallMsgs']) {
    const n = counter(outcome, name);
    if (n > 0) step.notes.push(`${name}: ${n}`);
  }
  return step;
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((l) => `      ${l}`)
    .join('\n');

/** Below this (% of one core) the pbx counts as idle. */
const IDLE_PERCENT = 10;
/** Other programs using more than this (% of one core) disturb a step. */
const DISTURBED_PERCENT = 25;

/**
 * Waits until the pbx is idle (a backlog of one step must not leak into the
 * next) and nothing else keeps the cores busy (the machine is shared). Gives
 * up after 30 s for the pbx and 90 s for other programs; returns the other
 * programs' busy % at the end.
 */
async function settle(pbx: PbxChild): Promise<number> {
  const start = Date.now();
  await delay(500);
  for (;;) {
    const machine0 = machineBusySeconds();
    const busy = await busyPercent(pbx.pid, 1_000);
    const machine1 = machineBusySeconds();
    const others = machine0 === undefined || machine1 === undefined ? 0 : Math.max(0, (machine1 - machine0) * 100 - busy);
    const elapsed = Date.now() - start;
    if ((busy < IDLE_PERCENT || elapsed > 30_000) && (others < DISTURBED_PERCENT || elapsed > 90_000)) return others;
  }
}

const num = (n: number | undefined, digits = 0) => (n === undefined ? '-' : n.toFixed(digits));

const STEP_HEADER = ['request', 'rate/s', 'achieved', 'ok', 'failed', 'retrans', 'p50 ms', 'p99 ms', 'cpu% pbx', 'sipp', 'other', 'pbx ms/call'];
const stepCells = (s: Step) => [
  s.label,
  String(s.rate),
  num(s.achieved, 1),
  String(s.successful),
  String(s.failed),
  String(s.retrans),
  num(s.p50),
  num(s.p99),
  num(s.cpu.server),
  num(s.cpu.uac),
  num(s.cpu.other),
  num(s.pbxMsPerCall, 3),
];

// ---------------------------------------------------------------- 1. throughput

interface Throughput {
  pbxPid: number;
  /** All phones registering for the first time, from one SIPp (a switchboard restart). */
  first: Step;
  options: Step[];
  /** The same phones refreshing, from the same contacts (the steady state). */
  register: Step[];
}

async function stepThrough(pbx: PbxChild, load: Load, rates: number[], seconds: number, dir: string): Promise<Step[]> {
  const steps: Step[] = [];
  for (const rate of rates) {
    const step = await runLoad(pbx, load, rate, rate * seconds, path.join(dir, `${load.label.toLowerCase().replace(/\W+/g, '-')}-${rate}`));
    steps.push(step);
    printStep(step);
    const others = await settle(pbx);
    if (others >= DISTURBED_PERCENT) out(`    other programs keep ${others.toFixed(0)}% of a core busy: the next step is disturbed`);
    if (!isClean(step)) break;
  }
  return steps;
}

function printStep(step: Step): void {
  out(`${formatTable(STEP_HEADER, [stepCells(step)])[1]}${isClean(step) ? '' : '   <- not clean'}`);
  for (const note of step.notes) out(`    ${note}`);
}

async function throughput(setup: Setup): Promise<Throughput> {
  const { opts, runDir, phones } = setup;
  const dir = path.join(runDir, '1-throughput');
  const pbx = await startPbx(setup, NO_PINGS);
  try {
    out();
    out(`1. REGISTER with digest vs OPTIONS, UDP, steps of ${opts.seconds} s - pbx pid ${pbx.pid}, SIP ${pbx.sip}`);
    // Unreported warm-up: a fresh node process is slow for its first seconds
    // (JIT). The warm-up phones register from a contact of their own and stay.
    const warmSeconds = opts.quick ? 1 : 3;
    const warmRegister = registerLoad(setup, setup.files.warmUsers);
    for (const [load, rate, calls] of [
      [optionsLoad(setup), opts.optionsRates[0]!, opts.optionsRates[0]! * warmSeconds],
      [warmRegister, opts.rates[0]!, Math.min(setup.warmPhones.length, opts.rates[0]! * warmSeconds)],
    ] as const) {
      const warm = await runLoad(pbx, load, rate, calls, path.join(dir, `warm-up-${load.kind.toLowerCase()}`));
      out(`warm-up: ${warm.successful} of ${warm.calls} ${load.kind} at ${rate}/s, p99 ${num(warm.p99)} ms${isClean(warm) ? '' : ` - not clean: ${warm.failed} failed, ${warm.retrans} retrans`}`);
    }
    let others = await settle(pbx);
    if (others >= DISTURBED_PERCENT) out(`other programs keep ${others.toFixed(0)}% of a core busy: the steps are disturbed`);
    out(formatTable(STEP_HEADER, [])[0]!);

    // Every phone once, for the first time, from one contact each; the
    // REGISTER steps then refresh these very bindings.
    const contactPort = await freePort();
    const firstRate = opts.quick ? opts.rates[0]! : 400;
    const first = await runLoad(pbx, registerLoad(setup, setup.files.users, 3600, contactPort, 'REGISTER 1st'), firstRate, phones.length, path.join(dir, 'register-first'));
    printStep(first);
    const registered = (await metrics(pbx.apiUrl)).get('dispatcher_phone_registrations{state="registered"}');
    const expected = phones.length + Math.min(setup.warmPhones.length, opts.rates[0]! * warmSeconds);
    if (registered !== expected) out(`    registered extensions: ${registered ?? '?'}, expected ${expected}`);
    others = await settle(pbx);
    if (others >= DISTURBED_PERCENT) out(`    other programs keep ${others.toFixed(0)}% of a core busy: the next step is disturbed`);

    // The baseline, then the refreshes.
    const options = await stepThrough(pbx, optionsLoad(setup), opts.optionsRates, opts.seconds, dir);
    const register = await stepThrough(pbx, registerLoad(setup, setup.files.users, 3600, contactPort), opts.rates, opts.seconds, dir);
    return { pbxPid: pbx.pid, first, options, register };
  } finally {
    await stopPbx(pbx);
  }
}

async function stopPbx(pbx: PbxChild): Promise<void> {
  const code = await pbx.stop();
  if (code !== 0) {
    out(`pbx pid ${pbx.pid} exited with ${code ?? pbx.child.signalCode} on SIGTERM; its last words:`);
    out(indent(pbx.stderrTail().trim().split('\n').slice(-10).join('\n')));
  }
}

// ---------------------------------------------------------------- 2. memory

interface MemoryStage {
  label: string;
  registered: number | undefined;
  /** Smallest VmRSS of a few readings, the process left alone. */
  rssKb: number;
  /** VmRSS right after a full GC forced through the inspector. */
  gcRssKb: number;
  /** Live JS heap after that GC. */
  heapKb: number;
  /** Live JS heap (after a GC) right after the stage's REGISTERs, their transactions still held. */
  heapAtOnceKb: number;
  idleCpu: number;
  note?: string;
}

interface Memory {
  pbxPid: number;
  stages: MemoryStage[];
  /** Extensions registered per stage after the first. */
  perStage: number[];
}

/** The smallest of `count` VmRSS readings 500 ms apart: the process's own GC comes and goes, its minimum is steadier. */
async function minRss(pid: number, count: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    if (i > 0) await delay(500);
    const kb = rssKb(pid);
    if (kb !== undefined) samples.push(kb);
  }
  if (samples.length === 0) throw new Error(`cannot read /proc/${pid}/status`);
  return Math.min(...samples);
}

async function memory(setup: Setup): Promise<Memory> {
  const { opts, runDir, phones } = setup;
  const dir = path.join(runDir, '2-memory');
  const rate = opts.quick ? 100 : 200;
  const pbx = await startPbxChild({ repo: REPO, dataDir: setup.dataDir, args: [...PBX_ARGS, ...NO_PINGS], inspect: true });
  let inspector: Inspector | undefined;
  try {
    out();
    out(`2. memory - pbx pid ${pbx.pid}: VmRSS before and after registering ${phones.length} extensions in two halves at ${rate}/s (expires 3600)`);
    inspector = await connectInspector(pbx.inspectorPort!);
    // What the SIP server keeps of a finished UDP transaction goes after 64*T1 (T1 500 ms); a smoke run does not wait.
    const lingerMs = opts.quick ? 0 : 64 * 500 + 3_000;
    out(
      lingerMs > 0
        ? `each reading ${lingerMs / 1000} s after the last REGISTER, once the SIP server dropped its transactions (timer J, 64*T1)`
        : 'quick: readings at once, with the SIP server still holding the transactions (timer J, 64*T1 = 32 s)',
    );
    const registered = async () => (await metrics(pbx.apiUrl)).get('dispatcher_phone_registrations{state="registered"}');
    const register = async (users: string, count: number, label: string, expires = 3600, port?: number) => {
      const step = await runLoad(pbx, registerLoad(setup, users, expires, port), rate, count, path.join(dir, label));
      if (step.failed > 0) throw new Error(`${label}: ${step.failed} of ${count} registrations failed\n${step.notes.join('\n')}`);
      return step;
    };
    // Warm-up: the whole REGISTER path once over (JIT, SQLite cache, the
    // board's first stations), bindings removed again from the same contact.
    const warmPort = await freePort();
    await register(setup.files.warmUsers, setup.warmPhones.length, 'warm-up-register', 3600, warmPort);
    await register(setup.files.warmUsers, setup.warmPhones.length, 'warm-up-unregister', 0, warmPort);
    const stages: MemoryStage[] = [];
    const measure = async (label: string, note?: string) => {
      await settle(pbx);
      // Right after the REGISTERs the SIP server still holds their
      // transactions (timer J, 64*T1 = 32 s over UDP): heap read at once, then
      // again once they are gone, which is what stays per registration.
      await inspector!.collectGarbage();
      const atOnce = await inspector!.heapUsage();
      if (lingerMs > 0) await delay(lingerMs);
      const idleCpu = await busyPercent(pbx.pid, 3_000);
      const rss = await minRss(pbx.pid, 6);
      // Twice: the first full GC may leave finalised objects for the second.
      await inspector!.collectGarbage();
      await inspector!.collectGarbage();
      const heap = await inspector!.heapUsage();
      const gcRss = await minRss(pbx.pid, 3);
      const stage: MemoryStage = {
        label,
        registered: await registered(),
        rssKb: rss,
        gcRssKb: gcRss,
        heapKb: heap.usedBytes / 1024,
        heapAtOnceKb: atOnce.usedBytes / 1024,
        idleCpu,
        ...(note ? { note } : {}),
      };
      stages.push(stage);
      out(
        `${label}: ${stage.registered ?? '?'} registered, VmRSS ${mb(stage.rssKb)} MB, after GC ${mb(stage.gcRssKb)} MB, ` +
          `JS heap ${mb(stage.heapKb)} MB, idle CPU ${stage.idleCpu.toFixed(1)}%`,
      );
    };
    await measure('before', `after warm-up: ${setup.warmPhones.length} registered and removed`);
    const half = Math.floor(phones.length / 2);
    await register(setup.files.firstHalf, half, 'first-half');
    await measure(`+${half}`);
    await register(setup.files.secondHalf, phones.length - half, 'second-half');
    await measure(`+${phones.length}`);
    return { pbxPid: pbx.pid, stages, perStage: [half, phones.length - half] };
  } finally {
    inspector?.close();
    await stopPbx(pbx);
  }
}

const mb = (kb: number) => (kb / 1024).toFixed(1);

// ---------------------------------------------------------------- 3. console loss

type Loss = 'terminate' | 'silent';

interface LossRow {
  leaseMs: number;
  loss: Loss;
  times: number[];
  reasons: Map<string, number>;
  notes: string[];
}

/**
 * One console bound to the phone's extension, ready and heartbeating, until
 * the watcher sees the station eligible. Then it is lost and the time until
 * the watcher's `stations` shows it not eligible is taken:
 * - terminate: socket.terminate(), the TCP connection closed with no
 *   WebSocket close (a crashed console; the switchboard sees the close);
 * - silent: one last heartbeat, then nothing while the connection stays open
 *   (a frozen console or a cut cable: only the lease can tell). Timed from
 *   that last heartbeat, so this is the worst case the lease allows.
 */
async function loseOnce(apiUrl: string, token: string, watcher: ConsoleSocket, extension: string, loss: Loss, leaseMs: number) {
  const station = await openConsole(apiUrl, token);
  try {
    const bound = station.next((m) => m.type === 'bound' || m.type === 'refused', 5_000, `bind ${extension}`);
    station.send({ type: 'bind', extension });
    const answer = (await bound).message;
    if (answer.type !== 'bound') throw new Error(`bind ${extension} refused: ${JSON.stringify(answer)}`);
    station.send({ type: 'ready' });
    station.startHeartbeats();
    await watcher.next((m) => stationIn(m, extension)?.eligible === true, 5_000, `station ${extension} eligible`, true);
    // A random point in the heartbeat cycle, as a real loss would be.
    await delay(200 + Math.random() * station.heartbeatMs);
    const lost = watcher.next((m) => stationIn(m, extension)?.eligible === false, leaseMs + 10_000, `station ${extension} not eligible`);
    let t0: number;
    if (loss === 'terminate') {
      t0 = performance.now();
      station.terminate();
    } else {
      t0 = station.lastHeartbeat();
    }
    const { message, at } = await lost;
    return { ms: at - t0, reason: stationIn(message, extension)?.reason ?? '?' };
  } finally {
    station.terminate();
    // The terminated console's close reaches the board; let it land before the next bind.
    await delay(100);
  }
}

async function consoleLoss(setup: Setup, leaseMs: number): Promise<LossRow[]> {
  const { opts, runDir } = setup;
  const dir = path.join(runDir, `3-console-loss-${leaseMs}`);
  // Pings as configured by default (30 s): the phone below answers them.
  const pbx = await startPbx(setup, ['--lease', String(leaseMs)]);
  const rows: LossRow[] = [];
  let phone: Awaited<ReturnType<typeof startLongRun>> | undefined;
  let watcher: ConsoleSocket | undefined;
  try {
    out();
    out(`3. console loss, lease ${leaseMs} ms - pbx pid ${pbx.pid}`);
    const token = await login(pbx.apiUrl, BENCH_LOGIN, setup.benchPassword);
    watcher = await openConsole(pbx.apiUrl, token);
    if (watcher.leaseMs !== leaseMs) throw new Error(`the pbx says lease ${watcher.leaseMs} ms, not ${leaseMs}`);
    // A registered phone that stays and answers the registrar's OPTIONS pings.
    const { extension, password } = setup.phones[0]!;
    const maxSeconds = 900;
    phone = await startLongRun(path.join(dir, 'phone'), {
      scenario: path.join(E2E_SCENARIOS, 'registrar-phone.xml'),
      transport: 'udp',
      remote: pbx.sip,
      maxSeconds,
      args: [
        '-s', extension, '-au', extension, '-ap', password,
        '-key', 'expires', '3600',
        '-d', String(maxSeconds * 1000),
        '-oocsf', path.join(E2E_SCENARIOS, 'registrar-phone-options.xml'),
      ],
    });
    await watcher.next((m) => stationIn(m, extension)?.registration === 'registered', 10_000, `extension ${extension} registered`, true);
    out(`phone ${extension} registered (SIPp pid ${phone.pid}, answering OPTIONS); console heartbeat every ${watcher.heartbeatMs} ms`);

    for (const loss of ['terminate', 'silent'] as const) {
      const row: LossRow = { leaseMs, loss, times: [], reasons: new Map(), notes: [] };
      rows.push(row);
      for (let i = 0; i < opts.runs; i++) {
        const { ms, reason } = await loseOnce(pbx.apiUrl, token, watcher, extension, loss, leaseMs);
        row.times.push(ms);
        row.reasons.set(reason, (row.reasons.get(reason) ?? 0) + 1);
      }
      out(`${loss}: ${row.times.map((t) => t.toFixed(0)).join(', ')} ms (${[...row.reasons].map(([r, n]) => `${n}x ${r}`).join(', ')})`);
    }
    const registration = (await metrics(pbx.apiUrl)).get('dispatcher_phone_registrations{state="registered"}');
    if (registration !== 1) rows.at(-1)!.notes.push(`registered phones at the end: ${registration ?? '?'} (expected 1)`);
    return rows;
  } finally {
    watcher?.terminate();
    await phone?.stop();
    await stopPbx(pbx);
  }
}

// ---------------------------------------------------------------- report

function printResults(setup: Setup, t: Throughput | undefined, m: Memory | undefined, loss: LossRow[]): void {
  out();
  out('=== results ===');
  if (t) printThroughput(setup, t);
  if (m) printMemory(m);
  if (loss.length > 0) printLoss(setup, loss);
}

function printThroughput(setup: Setup, t: Throughput): void {
  const { opts } = setup;
  out();
  out(`1. REGISTER with digest (401 -> 200, one SIPp call each) sustained with zero failures; UDP, ${opts.seconds} s steps, pbx pid ${t.pbxPid}, ${setup.phones.length} phones`);
  const steps = [t.first, ...t.options, ...t.register];
  for (const line of formatTable(STEP_HEADER, steps.map(stepCells))) out(`  ${line}`);
  const o = summarize(t.options);
  const r = summarize(t.register);
  const highest = (s: ReturnType<typeof summarize>, what: string) =>
    s.highestClean === undefined ? `${what}: no clean step` : `${what} ${s.highestClean}/s${s.allClean ? ' (every step clean: the limit is higher)' : ''}`;
  out(`  highest clean rate: ${highest(r, 'REGISTER')}; ${highest(o, 'OPTIONS')}`);
  const ratio = r.highestClean !== undefined && o.highestClean ? (r.highestClean / o.highestClean).toFixed(2) : 'n/a';
  out(
    `  ratio REGISTER-digest / OPTIONS = ${ratio}` +
      `${r.allClean || o.allClean ? ' (a bound, not a ratio: a series never failed)' : ''}` +
      ' (a REGISTER exchange is two requests, 401 and 200, against one for OPTIONS)',
  );
  const clean = t.register.filter(isClean).at(-1);
  if (clean) out(`  at ${clean.rate}/s: exchange p50 ${num(clean.p50)} ms, p99 ${num(clean.p99)} ms; pbx ${num(clean.cpu.server)}% of a core`);
  const lastClean = (list: Step[]) => list.filter(isClean).at(-1);
  const msAt = (step: Step | undefined) => (step ? `${num(step.pbxMsPerCall, 3)} ms (at ${step.rate}/s)` : '-');
  out(
    `  pbx CPU per call at the highest clean step: OPTIONS ${msAt(lastClean(t.options))}, REGISTER refresh ${msAt(lastClean(t.register))}; ` +
      `first REGISTER ${msAt(t.first)} ("REGISTER 1st": all ${setup.phones.length} phones for the first time, as after a restart)`,
  );
  const rttStep = granularity(steps.map((s) => s.rttStep).filter((s): s is number => s !== undefined));
  if (rttStep !== undefined && rttStep > 1) out(`  SIPp's response times came in steps of ${rttStep} ms here: p50/p99 are that coarse.`);
}

function printMemory(m: Memory): void {
  out();
  out(`2. memory of the pbx per registered extension (pid ${m.pbxPid}; distinct contacts, expires 3600)`);
  const perThousand = (i: number, pick: (s: MemoryStage) => number) =>
    i === 0 ? '-' : ((pick(m.stages[i]!) - pick(m.stages[i - 1]!)) / m.perStage[i - 1]!) * 1000;
  const cell = (v: number | string) => (typeof v === 'string' ? v : v.toFixed(0));
  const rows = m.stages.map((s, i) => [
    s.label,
    String(s.registered ?? '?'),
    mb(s.rssKb),
    cell(perThousand(i, (x) => x.rssKb)),
    mb(s.gcRssKb),
    cell(perThousand(i, (x) => x.gcRssKb)),
    mb(s.heapKb),
    cell(perThousand(i, (x) => x.heapKb)),
    cell(perThousand(i, (x) => x.heapAtOnceKb)),
    s.idleCpu.toFixed(1),
    s.note ?? '',
  ]);
  const header = ['stage', 'registered', 'RSS MB', 'KB/1000', 'RSS after GC', 'KB/1000', 'JS heap MB', 'KB/1000', 'at once', 'idle cpu%', ''];
  for (const line of formatTable(header, rows)) out(`  ${line}`);
  const base = m.stages[0]!;
  const last = m.stages.at(-1)!;
  const total = m.perStage.reduce((a, b) => a + b, 0);
  const per = (pick: (s: MemoryStage) => number) => (((pick(last) - pick(base)) / total) * 1000).toFixed(0);
  out(
    `  => per 1000 registered extensions (${base.label} -> ${last.label}): RSS ${per((s) => s.rssKb)} KB (min of 6 readings, no GC), ` +
      `${per((s) => s.gcRssKb)} KB after a forced GC; live JS heap ${per((s) => s.heapKb)} KB`,
  );
  out('  RSS = VmRSS of /proc/<pid>/status; GC forced through the inspector (HeapProfiler.collectGarbage, twice).');
  out('  "at once": JS heap KB/1000 read right after the REGISTERs, with their SIP transactions still held (64*T1).');
}

function printLoss(setup: Setup, loss: LossRow[]): void {
  out();
  out(`3. console loss -> station not eligible on another console (${setup.opts.runs} runs each, time to the watcher's "stations" message)`);
  const lossRows = loss.map((row) => {
    const spec = row.leaseMs + 1000;
    const within = row.times.filter((t) => t <= spec).length;
    return [
      String(row.leaseMs),
      row.loss === 'terminate' ? 'socket.terminate()' : 'silent (no heartbeat)',
      String(row.times.length),
      num(Math.min(...row.times)),
      num(percentile(row.times, 50)),
      num(Math.max(...row.times)),
      String(spec),
      `${within}/${row.times.length}`,
      [...row.reasons].map(([reason, n]) => `${reason}${row.reasons.size > 1 ? ` x${n}` : ''}`).join(', '),
    ];
  });
  for (const line of formatTable(['lease ms', 'console lost by', 'runs', 'min ms', 'median', 'max', 'spec ms', 'within', 'reason'], lossRows)) out(`  ${line}`);
  for (const row of loss) for (const note of row.notes) out(`  lease ${row.leaseMs}: ${note}`);
  out('  spec: not eligible within lease + 1 s. "silent" is timed from the last heartbeat, the worst case for the lease.');
}

// ---------------------------------------------------------------- main

async function main(): Promise<number> {
  let opts: RegisterBenchOptions;
  try {
    opts = parseRegisterOptions(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`bench:register: ${(err as Error).message}\n`);
    return 2;
  }
  const runDir = path.join(os.tmpdir(), `bench-register-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  await mkdir(runDir, { recursive: true });
  out('bench:register - dispatcher pbx: REGISTER digest rate vs OPTIONS, memory per registration, console loss; all on 127.0.0.1');
  out(
    `${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), node ${process.version}; REGISTER steps ${opts.rates.join(', ')}/s, ` +
      `OPTIONS steps ${opts.optionsRates.join(', ')}/s, ${opts.seconds} s each; ${opts.phones} phones; leases ${opts.leases.join(', ')} ms, ${opts.runs} runs`,
  );
  out(`CPU is % of one core over SIPp's run; "other" is the rest of the machine's busy time. A step is clean with no failed`);
  out(`call, no retransmission and >= 95% of the target rate. Files: ${runDir}`);
  const setup = await prepare(opts, runDir);
  try {
    const t = opts.parts.includes(1) ? await throughput(setup) : undefined;
    const m = opts.parts.includes(2) ? await memory(setup) : undefined;
    const loss: LossRow[] = [];
    if (opts.parts.includes(3)) for (const lease of opts.leases) loss.push(...(await consoleLoss(setup, lease)));
    printResults(setup, t, m, loss);
  } finally {
    // The database holds nothing worth keeping; SIPp's files stay.
    await rm(setup.dataDir, { recursive: true, force: true });
  }
  return 0;
}

let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`\nbench:register: ${sig}, stopping every child\n`);
    void stopAll().finally(() => process.exit(130));
  });
}

try {
  process.exitCode = await main();
} catch (err) {
  process.stderr.write(`bench:register failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
} finally {
  await stopAll();
}
