// `npm run bench:queue`: the call distribution under load, against real
// `dispatcher pbx` processes on 127.0.0.1 (issue #4 part 6):
//   - SIPp passengers call the queue number `100` through the trunk at stepped
//     rates; a pool of phones (one SIPp answering for every extension, all
//     registered with digest to its contact) talk a short while and hang up;
//     every station is held ready by a console WebSocket. The highest rate
//     with zero failed calls through the whole flow;
//   - distribution latency: passenger INVITE sent -> INVITE taken in by a phone;
//   - hand-off latency: a phone's BYE sent -> the next INVITE that phone takes
//     in, while passengers wait (fewer stations ready than passengers come);
//   - CPU of the pbx per bridged call with RTP both ways (SIPp rtp_stream,
//     PCMU 50 packets/s each way), recording on, and with --no-record.
// Timestamps come from the wire ends: SIPp's <log> actions with [timestamp]
// (gettimeofday, microseconds) in the passengers and the phones, both on this
// machine's clock. With DRACHTIO_URL the same parts run against that real
// drachtio-server in the same invocation and embedded/real ratios are printed.
// Every child (pbx, SIPp) is tracked by its PID and stopped by it. See bench/README.md.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { mulawFromLinear } from '../source/media/g711.js';
import { openStore } from '../source/store/index.js';
import { registerPhone } from '../test/e2e/support/pbx.js';
import { openConsole, type ConsoleSocket } from './lib/console-client.js';
import { login, metrics, startPbxChild, type PbxChild } from './lib/pbx.js';
import { cpuSeconds, freePort, LOOPBACK, machineBusySeconds, stopAll, udpDrops } from './lib/processes.js';
import { parseQueueOptions, type QueueBenchOptions } from './lib/queue-options.js';
import { arrivals, distribution, handOffs, parseTrace, type TraceLine } from './lib/queue-trace.js';
import { formatTable, percentile, ratio, retransDetail } from './lib/report.js';
import { SCENARIOS, startScenario, startServer, type ServerRun, type SippOutcome } from './lib/sipp.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const out = (line = '') => process.stdout.write(`${line}\n`);

const FIRST_EXTENSION = 1000;
const BENCH_LOGIN = 'bench';
const QUEUE_NUMBER = '100';
/**
 * Realm "bench", no lockout, warnings only; passengers come from 127.0.0.1
 * (the trunk); no OPTIONS pings to the phones (SIPp answers none); a ring
 * timeout short enough that a lost INVITE shows within a step; no wrap-up,
 * so a station is free again the moment its call ends.
 */
const PBX_ARGS = ['--domain', 'bench', '--auth-fail-limit', '1000', '--loglevel', 'warn', '--trunk', LOOPBACK, '--options-ping', '3600', '--ring-timeout', '5', '--wrap-up', '0'];
/** Message types the benchmark's consoles do not parse: every console gets every `stations` list and `queue`. */
const UNREAD = ['stations', 'queue'];

interface Target {
  name: 'embedded' | 'real';
  label: string;
  drachtio?: { url: string; sip: string };
  /** The real drachtio-server's PID (DRACHTIO_PID), for its CPU. */
  serverPid?: number;
}

interface Setup {
  opts: QueueBenchOptions;
  runDir: string;
  dataDir: string;
  phones: Array<{ extension: string; password: string }>;
  benchPassword: string;
  scenarios: { passenger: string; passengerRtp: string; station: string; stationRtp: string };
}

// ---------------------------------------------------------------- setup

async function prepare(opts: QueueBenchOptions, runDir: string): Promise<Setup> {
  const dataDir = path.join(runDir, 'data');
  const phones = Array.from({ length: opts.stations }, (_, i) => ({ extension: String(FIRST_EXTENSION + i), password: `bench-${FIRST_EXTENSION + i}-pw` }));
  const benchPassword = randomBytes(12).toString('base64url');
  const store = openStore(dataDir);
  try {
    for (const phone of phones) store.phones.add(phone);
    store.users.add({ login: BENCH_LOGIN, password: benchPassword, displayName: 'Bench console', roles: ['dispatcher'] });
  } finally {
    store.close();
  }
  // 2 s of a 440 Hz tone in PCMU, looped by SIPp's rtp_stream (raw payload bytes, 160 per 20 ms packet).
  const tone = path.join(runDir, 'tone.pcmu');
  const bytes = new Uint8Array(16_000);
  for (let i = 0; i < bytes.length; i++) bytes[i] = mulawFromLinear(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)));
  await writeFile(tone, bytes);
  const stream = `<exec rtp_stream="${tone},-1,0" />`;
  const passenger = await readFile(path.join(SCENARIOS, 'queue-passenger.xml'), 'utf8');
  const station = await readFile(path.join(SCENARIOS, 'queue-station.xml'), 'utf8');
  if (!passenger.includes('<!-- RTP -->') || !station.includes('<recv request="ACK" />')) throw new Error('the queue scenarios lack their RTP insertion points');
  const scenarios = {
    passenger: path.join(SCENARIOS, 'queue-passenger.xml'),
    passengerRtp: path.join(runDir, 'queue-passenger-rtp.xml'),
    station: path.join(SCENARIOS, 'queue-station.xml'),
    stationRtp: path.join(runDir, 'queue-station-rtp.xml'),
  };
  await writeFile(scenarios.passengerRtp, passenger.replace('<!-- RTP -->', `<nop><action>${stream}</action></nop>`));
  await writeFile(scenarios.stationRtp, station.replace('<recv request="ACK" />', `<recv request="ACK"><action>${stream}</action></recv>`));
  return { opts, runDir, dataDir, phones, benchPassword, scenarios };
}

// ---------------------------------------------------------------- the rig

/** A pbx with its phones registered, a SIPp answering for them, and a console per station. */
interface Rig {
  setup: Setup;
  target: Target;
  record: boolean;
  pbx: PbxChild;
  phonesPort: number;
  phones?: ServerRun;
  phonesLog?: string;
  consoles: ConsoleSocket[];
  dir: string;
  step: number;
  runs: number;
}

async function bringUp(setup: Setup, target: Target, record: boolean, ready: number, part: string): Promise<Rig> {
  const dir = path.join(setup.runDir, `${target.name}-${part}-${record ? 'record' : 'no-record'}`);
  await mkdir(dir, { recursive: true });
  // A block of 8000 RTP ports (4000 legs: a passenger waiting holds one, a bridged call two) somewhere in
  // 10000-31999, below the kernel's ephemeral ports; ports another process holds are skipped by the pbx.
  const rtpBase = 10_000 + 2_000 * Math.floor(Math.random() * 8);
  const pbx = await startPbxChild({
    repo: REPO,
    dataDir: setup.dataDir,
    args: [...PBX_ARGS, '--rtp-ports', `${rtpBase}-${rtpBase + 7_999}`, ...(record ? [] : ['--no-record'])],
    ...(target.drachtio ? { drachtio: target.drachtio } : {}),
    // BENCH_PBX_PROFILE=<dir>: each pbx writes a V8 CPU profile there when it stops (for finding where its time goes).
    ...(process.env.BENCH_PBX_PROFILE ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PBX_PROFILE}`] } : {}),
  });
  const phonesPort = await freePort();
  const started = performance.now();
  for (const phone of setup.phones) await registerPhone(pbx.sipPort, phonesPort, phone.extension, phone.password, 3600);
  const registered = performance.now();
  const token = await login(pbx.apiUrl, BENCH_LOGIN, setup.benchPassword);
  const consoles: ConsoleSocket[] = [];
  for (const phone of setup.phones) {
    const c = await openConsole(pbx.apiUrl, token, 10_000, UNREAD);
    c.startHeartbeats();
    const bound = c.next((m) => m.type === 'bound', 10_000, `station ${phone.extension} to be bound`);
    c.send({ type: 'bind', extension: phone.extension });
    await bound;
    consoles.push(c);
  }
  const rig: Rig = { setup, target, record, pbx, phonesPort, consoles, dir, step: 0, runs: 0 };
  await setReady(rig, 0, ready);
  out(
    `  ${target.label}, recording ${record ? 'on' : 'off'}: pbx pid ${pbx.pid}; ${setup.phones.length} phones registered in ` +
      `${((registered - started) / 1000).toFixed(1)} s (contact 127.0.0.1:${phonesPort}), consoles bound in ${((performance.now() - registered) / 1000).toFixed(1)} s, ${ready} ready`,
  );
  return rig;
}

/** Consoles from..to-1 send `ready` (in order: the first is the longest idle) and their stations become eligible. */
async function setReady(rig: Rig, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) {
    const c = rig.consoles[i]!;
    const eligible = c.next(
      (m) => m.type === 'station' && (m.station as { eligible?: boolean } | undefined)?.eligible === true,
      10_000,
      `station ${rig.setup.phones[i]!.extension} to become eligible`,
    );
    c.send({ type: 'ready' });
    await eligible;
  }
}

async function tearDown(rig: Rig): Promise<void> {
  await rig.phones?.stop();
  rig.phones = undefined;
  for (const c of rig.consoles) c.terminate();
  const code = await rig.pbx.stop();
  if (code !== 0) out(`  (the pbx exited with code ${code})\n${rig.pbx.stderrTail().trim().split('\n').slice(-5).join('\n')}`);
}

/** A fresh phones SIPp (its own log) for the next run; the previous one is stopped first. */
async function startPhones(rig: Rig, rtp: boolean, talkMs: number): Promise<void> {
  await rig.phones?.stop();
  rig.runs++;
  const dir = path.join(rig.dir, `phones-${rig.runs}`);
  rig.phonesLog = path.join(dir, 'phones.log');
  rig.phones = await startServer(dir, {
    scenario: rtp ? rig.setup.scenarios.stationRtp : rig.setup.scenarios.station,
    port: rig.phonesPort,
    maxSeconds: 3600,
    args: ['-mi', LOOPBACK, '-mp', String(await freePort()), '-d', String(talkMs), '-trace_logs', '-log_file', rig.phonesLog, '-trace_err', '-error_file', path.join(dir, 'errors.log')],
  });
}

/** Stops the phones SIPp (which writes its log out) and reads its trace lines. */
async function phonesTrace(rig: Rig): Promise<{ lines: TraceLine[]; outcome: SippOutcome }> {
  const outcome = await rig.phones!.stop();
  rig.phones = undefined;
  const text = await readFile(rig.phonesLog!, 'utf8').catch(() => '');
  return { lines: parseTrace(text), outcome };
}

// ---------------------------------------------------------------- a run of passengers

interface Cpu {
  pbx?: number;
  server?: number;
  /** Children reaped meanwhile: the SIPp passengers and phones. */
  sipp?: number;
  /** This script: the consoles. */
  bench?: number;
  machine?: number;
}

function readCpu(target: Target, pbx: PbxChild): Cpu {
  return {
    pbx: cpuSeconds(pbx.pid),
    server: target.serverPid ? cpuSeconds(target.serverPid) : undefined,
    sipp: cpuSeconds('self', true),
    bench: cpuSeconds('self'),
    machine: machineBusySeconds(),
  };
}

const sub = (a?: number, b?: number) => (a === undefined || b === undefined ? undefined : b - a);
function cpuDelta(a: Cpu, b: Cpu, wall: number) {
  const pct = (x?: number) => (x === undefined || wall <= 0 ? undefined : (x / wall) * 100);
  const d = { pbx: sub(a.pbx, b.pbx), server: sub(a.server, b.server), sipp: sub(a.sipp, b.sipp), bench: sub(a.bench, b.bench), machine: sub(a.machine, b.machine) };
  const other = d.machine === undefined ? undefined : Math.max(0, d.machine - (d.pbx ?? 0) - (d.server ?? 0) - (d.sipp ?? 0) - (d.bench ?? 0));
  return { seconds: d, pct: { pbx: pct(d.pbx), server: pct(d.server), sipp: pct(d.sipp), bench: pct(d.bench), other: pct(other) } };
}

interface RunResult {
  rate: number;
  calls: number;
  successful: number;
  failed: number;
  retrans: number;
  achieved: number;
  dist: number[];
  handoff: number[];
  neverOffered: number;
  completed: number;
  reOffers: number;
  pbxMsPerCall?: number;
  cpu: ReturnType<typeof cpuDelta>['pct'];
  /** The pbx's own event-loop delay and GC pauses over the step (its /metrics before and after). */
  loop: RuntimeDelta;
  notes: string[];
}

interface RuntimeDelta {
  /** Event-loop delay p99 in ms: the upper bound of the bucket it falls in. */
  p99?: number;
  /** The largest event-loop delay in ms. */
  max?: number;
  /** Delays over 10 ms. */
  over10?: number;
  gcMinor: number;
  gcMajor: number;
  /** All GC pause time, ms. */
  gcMs: number;
  /** The longest GC pause, ms: the upper bound of the highest bucket that counted one. */
  gcMax?: number;
}

/** Event-loop delay and GC figures between two /metrics reads (histogram buckets are counters: subtract). */
function runtimeDelta(a: Map<string, number>, b: Map<string, number>): RuntimeDelta {
  const bucket = /^dispatcher_event_loop_delay_seconds_bucket\{le="([^"]+)"\}$/;
  const buckets: Array<{ le: number; count: number }> = [];
  for (const [key, value] of b) {
    const m = bucket.exec(key);
    if (m) buckets.push({ le: m[1] === '+Inf' ? Infinity : Number(m[1]), count: value - (a.get(key) ?? 0) });
  }
  buckets.sort((x, y) => x.le - y.le);
  const total = buckets.at(-1)?.count ?? 0;
  const at = (le: number) => buckets.find((x) => x.le === le)?.count ?? 0;
  const p99 = total > 0 ? buckets.find((x) => x.count >= total * 0.99)?.le : undefined;
  const gc = (kind: string, what: 'count' | 'sum') => {
    const key = `dispatcher_gc_pause_seconds_${what}{kind="${kind}"}`;
    return (b.get(key) ?? 0) - (a.get(key) ?? 0);
  };
  const max = b.get('dispatcher_event_loop_delay_max_seconds');
  const gcBucket = /^dispatcher_gc_pause_seconds_bucket\{kind="[^"]+",le="([^"]+)"\}$/;
  let gcMax: number | undefined;
  const gcCounts = new Map<string, number>();
  for (const [key, value] of b) if (gcBucket.test(key)) gcCounts.set(key, value - (a.get(key) ?? 0));
  for (const [key, count] of gcCounts) {
    const le = gcBucket.exec(key)![1]!;
    if (le === '+Inf') continue;
    // Cumulative buckets: the pause count up to this bound differs from the bucket below it.
    const below = [...gcCounts].filter(([k]) => k.startsWith(key.slice(0, key.indexOf(',le='))) && Number(gcBucket.exec(k)![1]) < Number(le)).reduce((m, [, c]) => Math.max(m, c), 0);
    if (count > below) gcMax = Math.max(gcMax ?? 0, Number(le) * 1000);
  }
  return {
    p99: p99 === undefined ? undefined : p99 * 1000,
    max: max === undefined ? undefined : max * 1000,
    over10: total > 0 ? total - at(0.01) : undefined,
    gcMinor: gc('minor', 'count'),
    gcMajor: gc('major', 'count') + gc('incremental', 'count'),
    gcMs: ['minor', 'major', 'incremental', 'weakcb'].reduce((sum, k) => sum + gc(k, 'sum'), 0) * 1000,
    gcMax,
  };
}

const counter = (o: SippOutcome, name: string) => Number(o.stats[name]) || 0;

/** Passengers at `rate` for `seconds` against the rig's phones (already started), then the trace read from both ends. */
async function passengers(rig: Rig, rate: number, seconds: number, talkMs: number): Promise<RunResult> {
  rig.step++;
  const calls = Math.max(1, Math.round(rate * seconds));
  const dir = path.join(rig.dir, `step-${rig.step}-${rate}`);
  const log = path.join(dir, 'passengers.log');
  const timeoutSeconds = Math.ceil(calls / rate + talkMs / 1000) + 40;
  const drops0 = rig.target.drachtio ? undefined : udpDrops(rig.pbx.sipPort);
  const runtime0 = await metrics(rig.pbx.apiUrl, { reset: true });
  const cpu0 = readCpu(rig.target, rig.pbx);
  const t0 = performance.now();
  const run = await startScenario(dir, {
    scenario: rig.setup.scenarios.passenger,
    transport: 'udp',
    remote: rig.pbx.sip,
    rate,
    calls,
    timeoutSeconds,
    recvTimeoutMs: 30_000,
    // -l: SIPp's own cap on open calls is 3 x rate unless set, less than a queue holds.
    args: ['-s', QUEUE_NUMBER, '-l', String(calls), '-key', 'step', String(rig.step), '-mi', LOOPBACK, '-mp', String(await freePort()), '-trace_logs', '-log_file', log],
  });
  const outcome = await run.done;
  const phones = await phonesTrace(rig);
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuDelta(cpu0, readCpu(rig.target, rig.pbx), wall);
  const loop = runtimeDelta(runtime0, await metrics(rig.pbx.apiUrl, { reset: true }));
  const drops1 = rig.target.drachtio ? undefined : udpDrops(rig.pbx.sipPort);
  await startPhones(rig, false, talkMs);

  const pax = arrivals(parseTrace(await readFile(log, 'utf8').catch(() => '')));
  const d = distribution(pax, phones.lines);
  const successful = counter(outcome, 'SuccessfulCall');
  const failed = Math.max(counter(outcome, 'FailedCall'), calls - successful);
  const retrans = outcome.messages.reduce((sum, m) => sum + m.retrans, 0) + phones.outcome.messages.reduce((sum, m) => sum + m.retrans, 0);
  const result: RunResult = {
    rate,
    calls,
    successful,
    failed,
    retrans,
    // Passengers answered per second of SIPp's sending: calls / (the time the last one was sent).
    achieved: successful / Math.max(seconds, (Math.max(...pax.values()) - Math.min(...pax.values())) / 1000 + 1 / rate),
    dist: d.latencies,
    handoff: handOffs(pax, phones.lines),
    neverOffered: d.neverOffered,
    completed: d.completed,
    reOffers: d.reOffers,
    pbxMsPerCall: cpu.seconds.pbx === undefined || successful === 0 ? undefined : ((cpu.seconds.pbx + (cpu.seconds.server ?? 0)) * 1000) / successful,
    cpu: cpu.pct,
    loop,
    notes: [],
  };
  if (pax.size !== calls) result.notes.push(`passengers logged ${pax.size} INVITEs of ${calls}`);
  if (d.neverOffered > 0) result.notes.push(`${d.neverOffered} passengers never reached a phone`);
  if (d.completed !== successful) result.notes.push(`${d.completed} station calls ended with 200 to the BYE, ${successful} passengers succeeded`);
  if (d.reOffers > 0) result.notes.push(`${d.reOffers} passengers were offered again after a failed offer`);
  const detail = retransDetail([...outcome.messages, ...phones.outcome.messages]);
  if (detail) result.notes.push(`retransmissions (> sent again, < received again): ${detail}`);
  const reasons = Object.entries(outcome.stats).filter(([k, v]) => k.startsWith('Failed') && k !== 'FailedCall' && Number(v) > 0).map(([k, v]) => `${k} ${v}`);
  if (reasons.length > 0) result.notes.push(`passenger failures: ${reasons.join(', ')}`);
  const refusals = await unexpectedStatuses(path.join(dir, 'errors.log'));
  if (refusals) result.notes.push(`unexpected responses to passengers: ${refusals} (488: the pbx had no RTP port or media for the call)`);
  const phoneFailed = counter(phones.outcome, 'FailedCall');
  if (phoneFailed > 0) result.notes.push(`phone calls failed: ${phoneFailed}`);
  const dropped = sub(drops0, drops1);
  if (dropped) result.notes.push(`kernel UDP drops on the pbx's SIP socket: ${dropped}`);
  if (outcome.exitCode !== 0 && outcome.exitCode !== null) result.notes.push(`passenger SIPp exit code ${outcome.exitCode} (files in ${dir})`);
  return result;
}

/** "488 x47, 503 x2": the status lines SIPp aborted calls on, from its error log. */
async function unexpectedStatuses(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const counts = new Map<string, number>();
  for (const m of text.matchAll(/unexpected message [^\n]*received 'SIP\/2\.0 (\d{3})/g)) counts.set(m[1]!, (counts.get(m[1]!) ?? 0) + 1);
  return [...counts].map(([status, n]) => `${status} x${n}`).join(', ');
}

const clean = (r: RunResult) => r.failed === 0 && r.retrans === 0 && r.neverOffered === 0 && r.completed === r.calls && r.achieved >= 0.95 * r.rate;

// ---------------------------------------------------------------- CPU per bridged call

interface CpuResult {
  record: boolean;
  calls: number;
  windowSeconds: number;
  bridged: number;
  pct: ReturnType<typeof cpuDelta>['pct'];
  /** Mean size of the recordings made in this run, KB per second of call, when recording. */
  recordingKbPerSecond?: number;
  notes: string[];
}

async function cpuPerCall(rig: Rig): Promise<CpuResult> {
  const { cpuCalls, cpuSeconds: windowSeconds } = rig.setup.opts;
  const rate = Math.min(50, Math.max(5, Math.ceil(cpuCalls / 5)));
  const ramp = cpuCalls / rate;
  const talkMs = Math.ceil((ramp + 4 + windowSeconds + 2) * 1000);
  await startPhones(rig, true, talkMs);
  rig.step++;
  const dir = path.join(rig.dir, `cpu-${rig.step}`);
  const recordingsBefore = await recordings(rig.setup.dataDir);
  const run = await startScenario(dir, {
    scenario: rig.setup.scenarios.passengerRtp,
    transport: 'udp',
    remote: rig.pbx.sip,
    rate,
    calls: cpuCalls,
    timeoutSeconds: Math.ceil(ramp + talkMs / 1000) + 40,
    recvTimeoutMs: talkMs + 20_000,
    args: ['-s', QUEUE_NUMBER, '-l', String(cpuCalls), '-key', 'step', String(rig.step), '-mi', LOOPBACK, '-mp', String(await freePort()), '-trace_logs', '-log_file', path.join(dir, 'passengers.log')],
  });
  const notes: string[] = [];
  // All calls bridged: that many stations in a call.
  let bridged = 0;
  const deadline = performance.now() + (ramp + 4) * 1000;
  while (performance.now() < deadline) {
    bridged = inCall(await metrics(rig.pbx.apiUrl));
    if (bridged >= cpuCalls) break;
    await delay(200);
  }
  if (bridged < cpuCalls) notes.push(`only ${bridged} of ${cpuCalls} stations were in a call when the window began`);
  await delay(1000); // the last call's first packets, the recorders' files opened
  // The SIPps are still running (not reaped): their CPU by PID.
  const sippNow = () => (cpuSeconds(run.pid) ?? 0) + (cpuSeconds(rig.phones!.pid) ?? 0);
  const cpu0 = { ...readCpu(rig.target, rig.pbx), sipp: sippNow() };
  const t0 = performance.now();
  await delay(windowSeconds * 1000);
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuDelta(cpu0, { ...readCpu(rig.target, rig.pbx), sipp: sippNow() }, wall);
  const stillBridged = inCall(await metrics(rig.pbx.apiUrl));
  if (stillBridged < bridged) notes.push(`calls ended inside the window: ${bridged} bridged at its start, ${stillBridged} at its end`);
  const outcome = await run.done;
  const phones = await phonesTrace(rig);
  await startPhones(rig, false, rig.setup.opts.talkMs);
  const failed = Math.max(counter(outcome, 'FailedCall'), cpuCalls - counter(outcome, 'SuccessfulCall'));
  if (failed > 0) notes.push(`${failed} passenger calls failed (files in ${dir})`);
  if (counter(phones.outcome, 'FailedCall') > 0) notes.push(`${counter(phones.outcome, 'FailedCall')} phone calls failed`);
  let recordingKbPerSecond: number | undefined;
  if (rig.record) {
    const made = [...(await recordings(rig.setup.dataDir))].filter(([file]) => !recordingsBefore.has(file));
    if (made.length > 0) recordingKbPerSecond = made.reduce((sum, [, size]) => sum + size, 0) / 1024 / made.length / (talkMs / 1000);
    if (made.length !== cpuCalls) notes.push(`${made.length} recordings for ${cpuCalls} calls`);
  }
  return { record: rig.record, calls: cpuCalls, windowSeconds: wall, bridged: Math.min(bridged, stillBridged), pct: cpu.pct, recordingKbPerSecond, notes };
}

const inCall = (m: Map<string, number>) => m.get('dispatcher_stations_ineligible{reason="in-call"}') ?? 0;

/** Every recording file under the data directory with its size. */
async function recordings(dataDir: string): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  const root = path.join(dataDir, 'recordings');
  for (const day of await readdir(root).catch(() => [] as string[])) {
    for (const file of await readdir(path.join(root, day)).catch(() => [] as string[])) {
      const full = path.join(root, day, file);
      found.set(full, (await stat(full).catch(() => ({ size: 0 }))).size);
    }
  }
  return found;
}

// ---------------------------------------------------------------- one server

interface TargetResult {
  target: Target;
  handoff?: RunResult;
  steps: RunResult[];
  highestClean?: number;
  cpu: CpuResult[];
}

async function runTarget(setup: Setup, target: Target): Promise<TargetResult> {
  const { opts } = setup;
  const result: TargetResult = { target, steps: [], cpu: [] };
  out(`\n${target.label}`);
  if (opts.parts.includes('handoff') || opts.parts.includes('rates')) {
    const firstReady = opts.parts.includes('handoff') ? opts.handoffStations : setup.phones.length;
    const rig = await bringUp(setup, target, true, firstReady, 'steps');
    try {
      await startPhones(rig, false, opts.talkMs);
      if (opts.parts.includes('handoff')) {
        out(`  hand-off: ${opts.handoffStations} stations ready, passengers at ${opts.handoffRate}/s for ${opts.handoffSeconds} s, talk ${opts.talkMs} ms ...`);
        result.handoff = await passengers(rig, opts.handoffRate, opts.handoffSeconds, opts.talkMs);
        await setReady(rig, opts.handoffStations, setup.phones.length);
      }
      if (opts.parts.includes('rates')) {
        for (const rate of opts.rates) {
          out(`  ${rate} passengers/s for ${opts.seconds} s ...`);
          const step = await passengers(rig, rate, opts.seconds, opts.talkMs);
          result.steps.push(step);
          if (!clean(step)) break;
          result.highestClean = rate;
          await delay(1000);
        }
      }
    } finally {
      await tearDown(rig);
    }
  }
  if (opts.parts.includes('cpu')) {
    // Each on a fresh pbx (and, for a real server, after the same idle start): neither inherits what the steps left behind.
    for (const record of [true, false]) {
      const rig = await bringUp(setup, target, record, setup.phones.length, 'cpu');
      try {
        out(`  CPU: ${opts.cpuCalls} bridged calls with RTP both ways, ${record ? 'recording on' : '--no-record'}, ${opts.cpuSeconds} s window ...`);
        await startPhones(rig, false, opts.talkMs);
        result.cpu.push(await cpuPerCall(rig));
      } finally {
        await tearDown(rig);
      }
    }
  }
  return result;
}

// ---------------------------------------------------------------- printing

const ms = (n: number | undefined) => (n === undefined ? '-' : n < 10 ? n.toFixed(2) : n.toFixed(1));
const pc = (n: number | undefined) => (n === undefined ? '-' : n.toFixed(0));
const p = (values: number[], q: number) => percentile(values, q);

function printTarget(r: TargetResult, opts: QueueBenchOptions): void {
  const real = r.target.name === 'real';
  out(`\n${r.target.label}`);
  const header = ['rate/s', 'achieved', 'ok', 'failed', 'retrans', 'dist p50', 'p99', 'max', 'hand-offs', 'p50', 'p99', 'max', 'pbx ms/call', 'loop p99', 'max', '>10ms', 'gc min/maj', 'gc ms', 'gc max', 'cpu% pbx', ...(real ? ['server'] : []), 'sipp', 'bench', 'other'];
  const row = (s: RunResult, label: string) => [
    label,
    s.achieved.toFixed(1),
    String(s.successful),
    String(s.failed),
    String(s.retrans),
    ms(p(s.dist, 50)),
    ms(p(s.dist, 99)),
    ms(s.dist.length ? Math.max(...s.dist) : undefined),
    String(s.handoff.length),
    ms(p(s.handoff, 50)),
    ms(p(s.handoff, 99)),
    ms(s.handoff.length ? Math.max(...s.handoff) : undefined),
    s.pbxMsPerCall === undefined ? '-' : s.pbxMsPerCall.toFixed(2),
    s.loop.p99 === Infinity ? '>1000' : ms(s.loop.p99),
    ms(s.loop.max),
    s.loop.over10 === undefined ? '-' : String(s.loop.over10),
    `${s.loop.gcMinor}/${s.loop.gcMajor}`,
    ms(s.loop.gcMs),
    s.loop.gcMax === undefined ? '-' : `<=${ms(s.loop.gcMax)}`,
    pc(s.cpu.pbx),
    ...(real ? [pc(s.cpu.server)] : []),
    pc(s.cpu.sipp),
    pc(s.cpu.bench),
    pc(s.cpu.other),
  ];
  const rows: string[][] = [];
  if (r.handoff) rows.push(row(r.handoff, `${r.handoff.rate} (hand-off, ${opts.handoffStations} st.)`));
  for (const s of r.steps) rows.push(row(s, `${s.rate}${clean(s) ? '' : ' (not clean)'}`));
  if (rows.length > 0) {
    for (const line of formatTable(header, rows)) out(`  ${line}`);
    out('  latencies in ms from the wire (SIPp [timestamp] at both ends); dist = passenger INVITE sent -> INVITE at the phone;');
    out('  hand-off = phone BYE sent -> next INVITE at that phone while a passenger waited; ms/call = CPU of pbx (+ server) per call');
    out('  loop p99/max/>10ms = the pbx\'s event-loop delay over the step (its /metrics: p99 as a bucket bound, samples over 10 ms); gc = pauses (minor/major count, total ms, longest as a bucket bound)');
    for (const s of [...(r.handoff ? [r.handoff] : []), ...r.steps]) for (const note of s.notes) out(`  ${s.rate}/s: ${note}`);
    if (r.steps.length > 0) {
      out(`  highest rate with zero failed calls: ${r.highestClean === undefined ? 'none' : `${r.highestClean} passengers/s`}${r.steps.every(clean) ? ' (every step was clean: the limit is higher, add --rates)' : ''}`);
    }
  }
  if (r.cpu.length > 0) {
    const cpuHeader = ['recording', 'bridged', 'window s', 'cpu% pbx', ...(real ? ['server', 'pbx+server'] : []), '% per call', 'per 100 calls', 'sipp', 'bench', 'other', 'rec KB/s/call'];
    const cpuRows = r.cpu.map((c) => {
      const total = (c.pct.pbx ?? 0) + (real ? (c.pct.server ?? 0) : 0);
      return [
        c.record ? 'on' : 'off',
        String(c.bridged),
        c.windowSeconds.toFixed(1),
        pc(c.pct.pbx),
        ...(real ? [pc(c.pct.server), pc(total)] : []),
        (total / c.calls).toFixed(3),
        ((total / c.calls) * 100).toFixed(1),
        pc(c.pct.sipp),
        pc(c.pct.bench),
        pc(c.pct.other),
        c.recordingKbPerSecond === undefined ? '-' : c.recordingKbPerSecond.toFixed(1),
      ];
    });
    for (const line of formatTable(cpuHeader, cpuRows)) out(`  ${line}`);
    out('  CPU % of one core over the window, RTP PCMU 50 packets/s each way per call (SIPp rtp_stream); target: 100 calls recorded < 30 %');
    for (const c of r.cpu) for (const note of c.notes) out(`  recording ${c.record ? 'on' : 'off'}: ${note}`);
  }
}

function atRate(r: TargetResult, rate: number) {
  return r.steps.find((s) => s.rate === rate);
}

function printSummary(results: TargetResult[], opts: QueueBenchOptions): void {
  out('\nagainst the targets');
  for (const r of results) {
    const h = r.handoff ? p(r.handoff.handoff, 99) : undefined;
    const at100 = atRate(r, 100);
    const d100 = at100 ? p(at100.dist, 99) : undefined;
    const rec = r.cpu.find((c) => c.record);
    const recTotal = rec ? (((rec.pct.pbx ?? 0) + (r.target.name === 'real' ? (rec.pct.server ?? 0) : 0)) / rec.calls) * 100 : undefined;
    out(
      `  ${r.target.name}: hand-off p99 ${ms(h)} ms (target < 5); distribution p99 at 100/s ${ms(d100)} ms${at100 && !clean(at100) ? ' (step not clean)' : ''} (target < 10); ` +
        `CPU for 100 recorded calls ${recTotal === undefined ? '-' : recTotal.toFixed(1)} % of a core (target < 30)`,
    );
  }
  const embedded = results.find((r) => r.target.name === 'embedded');
  const real = results.find((r) => r.target.name === 'real');
  if (embedded && real) {
    const common = embedded.steps.filter((s) => clean(s) && real.steps.some((t) => t.rate === s.rate && clean(t))).map((s) => s.rate);
    const top = common.length ? Math.max(...common) : undefined;
    const cpuOf = (r: TargetResult, record: boolean) => {
      const c = r.cpu.find((x) => x.record === record);
      return c ? ((c.pct.pbx ?? 0) + (r.target.name === 'real' ? (c.pct.server ?? 0) : 0)) / c.calls : undefined;
    };
    out('embedded/real (same invocation):');
    out(`  highest clean rate ${embedded.highestClean ?? '-'}/${real.highestClean ?? '-'} = ${ratio(embedded.highestClean, real.highestClean)}`);
    if (top !== undefined) {
      const e = atRate(embedded, top)!;
      const t = atRate(real, top)!;
      out(`  distribution p99 at ${top}/s (highest rate clean on both) ${ms(p(e.dist, 99))}/${ms(p(t.dist, 99))} ms = ${ratio(p(e.dist, 99), p(t.dist, 99))}`);
      out(`  CPU per call at ${top}/s (pbx + server) ${e.pbxMsPerCall?.toFixed(2) ?? '-'}/${t.pbxMsPerCall?.toFixed(2) ?? '-'} ms = ${ratio(e.pbxMsPerCall, t.pbxMsPerCall)}`);
    }
    if (embedded.handoff && real.handoff) out(`  hand-off p99 ${ms(p(embedded.handoff.handoff, 99))}/${ms(p(real.handoff.handoff, 99))} ms = ${ratio(p(embedded.handoff.handoff, 99), p(real.handoff.handoff, 99))}`);
    out(`  CPU per bridged call recorded (pbx + server) ${cpuOf(embedded, true)?.toFixed(3) ?? '-'}/${cpuOf(real, true)?.toFixed(3) ?? '-'} % = ${ratio(cpuOf(embedded, true), cpuOf(real, true))}`);
  } else if (embedded) {
    // No real server: ratios to baselines measured in this same invocation.
    out('baselines in this invocation (no DRACHTIO_URL):');
    const low = embedded.steps[0];
    const top = embedded.highestClean !== undefined ? atRate(embedded, embedded.highestClean) : undefined;
    if (low && top && low !== top) {
      out(`  distribution p99 at ${top.rate}/s vs ${low.rate}/s: ${ms(p(top.dist, 99))}/${ms(p(low.dist, 99))} ms = ${ratio(p(top.dist, 99), p(low.dist, 99))}`);
      out(`  pbx CPU per call at ${top.rate}/s vs ${low.rate}/s: ${top.pbxMsPerCall?.toFixed(2) ?? '-'}/${low.pbxMsPerCall?.toFixed(2) ?? '-'} ms = ${ratio(top.pbxMsPerCall, low.pbxMsPerCall)}`);
    }
    if (embedded.handoff && low) out(`  hand-off p99 vs distribution p99 at ${low.rate}/s: ${ms(p(embedded.handoff.handoff, 99))}/${ms(p(low.dist, 99))} ms = ${ratio(p(embedded.handoff.handoff, 99), p(low.dist, 99))}`);
    const on = embedded.cpu.find((c) => c.record);
    const off = embedded.cpu.find((c) => !c.record);
    if (on && off) out(`  CPU per bridged call, recording on/off: ${((on.pct.pbx ?? 0) / on.calls).toFixed(3)}/${((off.pct.pbx ?? 0) / off.calls).toFixed(3)} % = ${ratio(on.pct.pbx, off.pct.pbx)}`);
  }
  void opts;
}

// ---------------------------------------------------------------- main

async function main(): Promise<number> {
  let opts: QueueBenchOptions;
  try {
    opts = parseQueueOptions(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`bench:queue: ${(err as Error).message}\n`);
    return 2;
  }
  const runDir = path.join(os.tmpdir(), `bench-queue-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  await mkdir(runDir, { recursive: true });
  out('bench:queue - dispatcher pbx call distribution: passengers (SIPp) -> queue 100 -> stations (SIPp phones, console WebSockets); all on 127.0.0.1');
  out(
    `${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), node ${process.version}; ${opts.stations} stations, talk ${opts.talkMs} ms; ` +
      `rates ${opts.rates.join(', ')}/s, ${opts.seconds} s each; hand-off ${opts.handoffStations} stations at ${opts.handoffRate}/s; CPU ${opts.cpuCalls} calls over ${opts.cpuSeconds} s`,
  );
  out(`A step is clean with no failed call (passenger or phone), no retransmission, every passenger offered and >= 95% of the rate. Files: ${runDir}`);
  const setup = await prepare(opts, runDir);
  const targets: Target[] = [{ name: 'embedded', label: 'embedded SIP server (dispatcher pbx)' }];
  if (opts.real) {
    const { host, port, secret } = opts.real.control;
    const [sipHost] = opts.real.sip.split(':');
    if (sipHost !== LOOPBACK) throw new Error(`DRACHTIO_SIP must be on ${LOOPBACK}: the phones register from there`);
    targets.push({
      name: 'real',
      label: `real drachtio-server (${opts.real.sip}${opts.real.pid ? `, pid ${opts.real.pid}` : ', no DRACHTIO_PID: its CPU is in "other"'})`,
      drachtio: { url: `${host}:${port}:${secret}`, sip: opts.real.sip },
      serverPid: opts.real.pid,
    });
  }
  const results: TargetResult[] = [];
  try {
    for (const target of targets) results.push(await runTarget(setup, target));
    out('\n================ results');
    for (const r of results) printTarget(r, opts);
    printSummary(results, opts);
  } finally {
    await rm(setup.dataDir, { recursive: true, force: true });
  }
  return results.every((r) => r.steps.length === 0 || r.highestClean !== undefined) ? 0 : 1;
}

let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`\nbench:queue: ${sig}, stopping every child\n`);
    void stopAll().finally(() => process.exit(130));
  });
}

try {
  process.exitCode = await main();
} catch (err) {
  process.stderr.write(`bench:queue failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
} finally {
  await stopAll();
}
