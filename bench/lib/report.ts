// What a benchmark step measured, and how it is printed: one table per
// transport and server, a summary line, and the embedded/real comparison.
import type { MessageCount } from './sipp.js';

export interface StepResult {
  /** Target calls per second. */
  rate: number;
  /** The extra step at half the highest clean rate. */
  half: boolean;
  calls: number;
  /** Successful calls per second over SIPp's run. */
  achieved: number;
  successful: number;
  failed: number;
  retrans: number;
  p50?: number;
  p99?: number;
  /** Greatest common divisor of the non-zero setup times: SIPp's effective clock step. */
  rttStep?: number;
  /** % of one core over the caller's run; undefined when not measurable. */
  cpu: { server?: number; app?: number; uac?: number; uas?: number; other?: number };
  /** Anything worth a look: which messages were retransmitted, app errors, screens. */
  notes: string[];
}

export const isClean = (r: StepResult) => r.failed === 0 && r.retrans === 0 && r.achieved >= 0.95 * r.rate;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** The step in which setup times come (0 when all of them are 0). */
export function granularity(values: number[]): number | undefined {
  const nonZero = values.filter((v) => v > 0 && Number.isInteger(v));
  return nonZero.length === 0 ? undefined : nonZero.reduce(gcd);
}

/** Nearest-rank percentile of a list of numbers. */
export function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** "INVITE>3 200<2": messages SIPp retransmitted (>) or received again (<). */
export function retransDetail(messages: MessageCount[]): string {
  return messages
    .filter((m) => m.retrans > 0)
    .map((m) => `${m.label}${m.direction === 'sent' ? '>' : '<'}${m.retrans}`)
    .join(' ');
}

const COLUMNS = [
  ['rate', 6],
  ['achieved', 9],
  ['ok', 7],
  ['failed', 7],
  ['retrans', 8],
  ['p50 ms', 7],
  ['p99 ms', 7],
  ['cpu% server', 12],
  ['app', 5],
  ['uac', 5],
  ['uas', 5],
  ['other', 6],
] as const;

const num = (n: number | undefined, digits = 0) => (n === undefined ? '-' : n.toFixed(digits));

export function tableHeader(): string {
  return COLUMNS.map(([name, width]) => name.padStart(width)).join(' ');
}

export function tableRow(r: StepResult): string {
  const cells = [
    `${r.half ? '*' : ''}${r.rate}`,
    num(r.achieved, 1),
    String(r.successful),
    String(r.failed),
    String(r.retrans),
    num(r.p50),
    num(r.p99),
    num(r.cpu.server),
    num(r.cpu.app),
    num(r.cpu.uac),
    num(r.cpu.uas),
    num(r.cpu.other),
  ];
  return cells.map((cell, i) => cell.padStart(COLUMNS[i]![1])).join(' ');
}

export interface Summary {
  /** Highest target rate of a clean step reached before the first unclean one. */
  highestClean?: number;
  /** All stepped rates were clean: the limit lies above the last one. */
  allClean: boolean;
  halfStep?: StepResult;
}

export function summarize(steps: StepResult[]): Omit<Summary, 'halfStep'> {
  let highestClean: number | undefined;
  for (const step of steps) {
    if (step.half) continue;
    if (!isClean(step)) return { highestClean, allClean: false };
    highestClean = step.rate;
  }
  return { highestClean, allClean: steps.length > 0 };
}

export function summaryLine(s: Summary): string {
  if (s.highestClean === undefined) return 'highest clean rate: none (the first step already failed or retransmitted)';
  const half = s.halfStep;
  return (
    `highest clean rate: ${s.highestClean} cps${s.allClean ? ' (every step was clean: the limit is higher, add --rates)' : ''}; ` +
    (half
      ? `setup at ${half.rate} cps: p50 ${num(half.p50)} ms, p99 ${num(half.p99)} ms` +
        `${isClean(half) ? '' : ` (that step was not clean: ${half.failed} failed, ${half.retrans} retrans)`}`
      : 'no half-rate step')
  );
}

export function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined) return 'n/a';
  if (b === 0) return a === 0 ? '1.00 (both 0)' : 'n/a (real is 0)';
  return (a / b).toFixed(2);
}

/**
 * Any table as lines: each column as wide as its widest cell, numbers and
 * words alike right-aligned except the first column, which is left-aligned.
 */
export function formatTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    widths
      .map((w, i) => (i === 0 ? (cells[i] ?? '').padEnd(w) : (cells[i] ?? '').padStart(w)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}
