// Options of `npm run bench:queue`, from argv and the environment; a pure
// function so it can be checked without running anything.
//
//   --rates 10,25,...        BENCH_RATES           passengers per second, stepped in order
//   --seconds 8              BENCH_SECONDS         passengers arrive for this long at each rate
//   --stations 120           BENCH_STATIONS        phones registered, each held ready by a console
//   --talk-ms 500            BENCH_TALK_MS         how long a phone talks before hanging up (rate steps, hand-off)
//   --handoff-stations 20    BENCH_HANDOFF_STATIONS  stations ready in the hand-off part (the rest paused)
//   --handoff-rate 60        BENCH_HANDOFF_RATE    passengers per second there: more than those stations can take
//   --handoff-seconds 4      BENCH_HANDOFF_SECONDS
//   --cpu-calls 100          BENCH_CPU_CALLS       bridged calls held with RTP both ways for the CPU figure
//   --cpu-seconds 10         BENCH_CPU_SECONDS     the steady window CPU is read over
//   --parts rates,handoff,cpu  BENCH_PARTS
//   --quick                  BENCH_QUICK=1         smoke run
//   DRACHTIO_URL, DRACHTIO_SIP, DRACHTIO_PID: also run against that real drachtio-server.
import { parseArgs } from 'node:util';
import { parseRealServer, type RealServer } from './options.js';

export const queueParts = ['handoff', 'rates', 'cpu'] as const;
export type QueuePart = (typeof queueParts)[number];

export interface QueueBenchOptions {
  rates: number[];
  seconds: number;
  stations: number;
  talkMs: number;
  handoffStations: number;
  handoffRate: number;
  handoffSeconds: number;
  cpuCalls: number;
  cpuSeconds: number;
  parts: QueuePart[];
  quick: boolean;
  real?: RealServer;
}

export const DEFAULT_QUEUE = {
  rates: [10, 25, 50, 100, 150, 200],
  seconds: 8,
  stations: 120,
  talkMs: 500,
  handoffStations: 20,
  handoffRate: 60,
  handoffSeconds: 4,
  cpuCalls: 100,
  cpuSeconds: 10,
} as const;

export const QUICK_QUEUE = {
  rates: [10, 25],
  seconds: 3,
  stations: 30,
  talkMs: 300,
  handoffStations: 5,
  handoffRate: 25,
  handoffSeconds: 2,
  cpuCalls: 20,
  cpuSeconds: 3,
} as const;

function positiveInteger(value: string, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${what}: expected a positive whole number, got "${value}"`);
  return n;
}

function list(value: string, what: string): string[] {
  const items = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new Error(`${what}: empty list`);
  return items;
}

export function parseQueueOptions(argv: string[], env: Record<string, string | undefined>): QueueBenchOptions {
  const numbers = ['seconds', 'stations', 'talk-ms', 'handoff-stations', 'handoff-rate', 'handoff-seconds', 'cpu-calls', 'cpu-seconds'] as const;
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      rates: { type: 'string' },
      parts: { type: 'string' },
      quick: { type: 'boolean' },
      ...Object.fromEntries(numbers.map((n) => [n, { type: 'string' as const }])),
    },
  });
  const v = values as Record<string, string | boolean | undefined>;
  const quick = (v.quick as boolean | undefined) ?? ['1', 'true', 'yes'].includes(env.BENCH_QUICK ?? '');
  const base = quick ? QUICK_QUEUE : DEFAULT_QUEUE;
  const text = (name: string) => {
    const value = v[name] ?? env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`];
    return typeof value === 'string' ? value : undefined;
  };
  const num = (name: (typeof numbers)[number], fallback: number) => {
    const t = text(name);
    return t === undefined ? fallback : positiveInteger(t, `--${name}`);
  };
  const ratesText = text('rates');
  const partsText = text('parts');
  const parts = partsText
    ? list(partsText, '--parts').map((p) => {
        if (!(queueParts as readonly string[]).includes(p)) throw new Error(`--parts: "${p}" is none of ${queueParts.join(', ')}`);
        return p as QueuePart;
      })
    : [...queueParts];
  const opts: QueueBenchOptions = {
    rates: ratesText ? list(ratesText, '--rates').map((r) => positiveInteger(r, '--rates')) : [...base.rates],
    seconds: num('seconds', base.seconds),
    stations: num('stations', base.stations),
    talkMs: num('talk-ms', base.talkMs),
    handoffStations: num('handoff-stations', base.handoffStations),
    handoffRate: num('handoff-rate', base.handoffRate),
    handoffSeconds: num('handoff-seconds', base.handoffSeconds),
    cpuCalls: num('cpu-calls', base.cpuCalls),
    cpuSeconds: num('cpu-seconds', base.cpuSeconds),
    parts: queueParts.filter((p) => parts.includes(p)),
    quick,
    real: parseRealServer(env),
  };
  if (opts.stations > 9000) throw new Error(`--stations: at most 9000, got ${opts.stations}`);
  if (opts.handoffStations > opts.stations) throw new Error(`--handoff-stations (${opts.handoffStations}) exceeds --stations (${opts.stations})`);
  if (opts.cpuCalls > opts.stations) throw new Error(`--cpu-calls (${opts.cpuCalls}) needs as many stations; --stations is ${opts.stations}`);
  return opts;
}
