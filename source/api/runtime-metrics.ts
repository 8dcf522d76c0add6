// How responsive the process is: event-loop delay and garbage-collection
// pauses, as Prometheus families for /metrics. Everything the switchboard does
// (SIP, media, SQLite, console pushes) runs on the one event loop, so a long
// turn delays every call in flight; these say how long and how often.
//
// Event-loop delay: a timer due every `sampleMs` records how late it ran.
// A stall of N ms shows as one sample of about N ms. The samples go into
// fixed buckets (a Prometheus histogram, counters only), so a reader takes two
// scrapes and subtracts to get the delays in between; `max` is the largest
// sample since the last time it was reset (reset=1 on the scrape).
import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import type { MetricFamily } from './metrics.js';

/** Bucket upper bounds in seconds, 1 ms .. 1 s: fine where the targets are (< 5 ms, < 10 ms). */
export const delayBucketsSeconds = [0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1];

/** Cumulative-free bucket counts; rendered cumulative as Prometheus wants. */
class Buckets {
  readonly counts = new Array<number>(delayBucketsSeconds.length + 1).fill(0);
  sum = 0;
  count = 0;
  max = 0;

  record(seconds: number): void {
    let i = 0;
    while (i < delayBucketsSeconds.length && seconds > delayBucketsSeconds[i]!) i++;
    this.counts[i]!++;
    this.sum += seconds;
    this.count++;
    if (seconds > this.max) this.max = seconds;
  }

  samples(labels: Record<string, string> = {}): MetricFamily['samples'] {
    const out: MetricFamily['samples'] = [];
    let cumulative = 0;
    delayBucketsSeconds.forEach((le, i) => {
      cumulative += this.counts[i]!;
      out.push({ suffix: '_bucket', labels: { ...labels, le: String(le) }, value: cumulative });
    });
    cumulative += this.counts[delayBucketsSeconds.length]!;
    out.push({ suffix: '_bucket', labels: { ...labels, le: '+Inf' }, value: cumulative });
    out.push({ suffix: '_sum', labels, value: this.sum });
    out.push({ suffix: '_count', labels, value: this.count });
    return out;
  }
}

export interface RuntimeMetrics {
  families(options?: { resetMax?: boolean }): MetricFamily[];
  stop(): void;
}

/** Starts sampling; stop() ends it. The timer does not keep the process alive. */
export function startRuntimeMetrics(options: { sampleMs?: number } = {}): RuntimeMetrics {
  const sampleMs = options.sampleMs ?? 5;
  const delay = new Buckets();
  let maxSinceReset = 0;
  let due = performance.now() + sampleMs;
  let timer: NodeJS.Timeout;
  const sample = () => {
    const now = performance.now();
    const late = Math.max(0, now - due) / 1000;
    delay.record(late);
    if (late > maxSinceReset) maxSinceReset = late;
    due = now + sampleMs;
    timer = setTimeout(sample, sampleMs);
    timer.unref();
  };
  timer = setTimeout(sample, sampleMs);
  timer.unref();

  const gcKinds = new Map<string, Buckets>();
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = gcKind(entry);
      let buckets = gcKinds.get(kind);
      if (!buckets) gcKinds.set(kind, (buckets = new Buckets()));
      buckets.record(entry.duration / 1000);
    }
  });
  observer.observe({ entryTypes: ['gc'] });

  return {
    families({ resetMax = false } = {}) {
      const max = maxSinceReset;
      if (resetMax) maxSinceReset = 0;
      return [
        {
          name: 'dispatcher_event_loop_delay_seconds',
          help: `How late a timer due every ${sampleMs} ms ran: the event loop was busy that long.`,
          type: 'histogram',
          samples: delay.samples(),
        },
        {
          name: 'dispatcher_event_loop_delay_max_seconds',
          help: 'The largest event-loop delay since the pbx started or since the last /metrics?reset=1.',
          type: 'gauge',
          samples: [{ value: max }],
        },
        {
          name: 'dispatcher_gc_pause_seconds',
          help: 'Garbage-collection pauses by kind (minor, major, incremental, weakcb).',
          type: 'histogram',
          samples: [...gcKinds].flatMap(([kind, buckets]) => buckets.samples({ kind })),
        },
      ];
    },
    stop() {
      clearTimeout(timer);
      observer.disconnect();
    },
  };
}

const gcKindNames: Record<number, string> = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' };

function gcKind(entry: PerformanceEntry): string {
  const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
  return kind === undefined ? 'unknown' : (gcKindNames[kind] ?? String(kind));
}
