// Options of `npm run bench:register`, from argv and the environment; a pure
// function so it can be checked without running anything.
//
//   --rates 100,200,...          BENCH_RATES          REGISTER (digest) exchanges per second, stepped in order
//   --options-rates 500,1000,... BENCH_OPTIONS_RATES  the OPTIONS baseline's requests per second
//   --seconds 5                  BENCH_SECONDS        length of each step
//   --phones 2000                BENCH_PHONES         extensions in the store; memory is read after half and all of them
//   --runs 10                    BENCH_RUNS           console losses timed per lease and way of losing
//   --leases 3000,1000           BENCH_LEASES         the pbx's --lease values the console losses are timed with
//   --parts 1,2,3                BENCH_PARTS          which figures: 1 rate, 2 memory, 3 console loss
//   --quick                      BENCH_QUICK=1        smoke run: small steps, few phones, few runs
import { parseArgs } from 'node:util';

export interface RegisterBenchOptions {
  rates: number[];
  optionsRates: number[];
  seconds: number;
  phones: number;
  runs: number;
  leases: number[];
  /** Which figures to measure: 1 REGISTER rate, 2 memory, 3 console loss. */
  parts: Array<1 | 2 | 3>;
  quick: boolean;
}

export const DEFAULT_REGISTER_RATES = [100, 200, 400, 600, 800, 1000, 1200, 1600, 2000, 2400, 2800, 3200, 3600, 4000];
export const DEFAULT_OPTIONS_RATES = [500, 1000, 2000, 3000, 4000, 5000, 6000, 8000, 10000, 12000, 14000, 16000];
export const QUICK = { rates: [50, 100], optionsRates: [100, 200], seconds: 2, phones: 400, runs: 3 } as const;

function list(value: string, what: string): number[] {
  const items = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new Error(`${what}: empty list`);
  return items.map((item) => positiveInteger(item, what));
}

function positiveInteger(value: string, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${what}: expected a positive whole number, got "${value}"`);
  return n;
}

function partList(value: string): Array<1 | 2 | 3> {
  const parts = list(value, '--parts');
  for (const p of parts) if (p !== 1 && p !== 2 && p !== 3) throw new Error(`--parts: ${p} is none of 1, 2, 3`);
  return [...new Set(parts as Array<1 | 2 | 3>)].sort();
}

export function parseRegisterOptions(argv: string[], env: Record<string, string | undefined>): RegisterBenchOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      rates: { type: 'string' },
      'options-rates': { type: 'string' },
      seconds: { type: 'string' },
      phones: { type: 'string' },
      runs: { type: 'string' },
      leases: { type: 'string' },
      parts: { type: 'string' },
      quick: { type: 'boolean' },
    },
  });
  const quick = values.quick ?? ['1', 'true', 'yes'].includes(env.BENCH_QUICK ?? '');
  const text = (name: keyof typeof values, envName: string) => {
    const value = values[name] ?? env[envName];
    return typeof value === 'string' ? value : undefined;
  };
  const rates = text('rates', 'BENCH_RATES');
  const optionsRates = text('options-rates', 'BENCH_OPTIONS_RATES');
  const seconds = text('seconds', 'BENCH_SECONDS');
  const phones = text('phones', 'BENCH_PHONES');
  const runs = text('runs', 'BENCH_RUNS');
  const leases = text('leases', 'BENCH_LEASES');
  const parts = text('parts', 'BENCH_PARTS');
  const opts: RegisterBenchOptions = {
    rates: rates ? list(rates, '--rates') : quick ? [...QUICK.rates] : DEFAULT_REGISTER_RATES,
    optionsRates: optionsRates ? list(optionsRates, '--options-rates') : quick ? [...QUICK.optionsRates] : DEFAULT_OPTIONS_RATES,
    seconds: seconds ? positiveInteger(seconds, '--seconds') : quick ? QUICK.seconds : 5,
    phones: phones ? positiveInteger(phones, '--phones') : quick ? QUICK.phones : 2000,
    runs: runs ? positiveInteger(runs, '--runs') : quick ? QUICK.runs : 10,
    leases: leases ? list(leases, '--leases') : [3000, 1000],
    parts: parts ? partList(parts) : [1, 2, 3],
    quick,
  };
  // Extensions 1000.. must stay within the store's 2 to 6 digits.
  if (opts.phones < 2 || opts.phones > 98_000) throw new Error(`--phones: expected 2 to 98000, got ${opts.phones}`);
  for (const lease of opts.leases) {
    if (lease < 100 || lease > 600_000) throw new Error(`--leases: the pbx takes 100 to 600000 ms, got ${lease}`);
  }
  return opts;
}
