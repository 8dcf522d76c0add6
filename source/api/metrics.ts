// Prometheus text exposition (format 0.0.4) for the few numbers the API
// exposes. Small enough to write by hand; no registry library needed.
export interface MetricFamily {
  name: string;
  help: string;
  type: 'gauge' | 'counter' | 'histogram';
  /** suffix: `_bucket`, `_sum`, `_count` for a histogram's samples. */
  samples: { suffix?: string; labels?: Record<string, string>; value: number }[];
}

export function renderMetrics(families: MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${family.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) lines.push(`${family.name}${sample.suffix ?? ''}${labels(sample.labels)} ${formatValue(sample.value)}`);
  }
  return `${lines.join('\n')}\n`;
}

function labels(values: Record<string, string> | undefined): string {
  if (!values || Object.keys(values).length === 0) return '';
  const pairs = Object.entries(values).map(
    ([key, value]) => `${key}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`,
  );
  return `{${pairs.join(',')}}`;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

export const metricsContentType = 'text/plain; version=0.0.4; charset=utf-8';
