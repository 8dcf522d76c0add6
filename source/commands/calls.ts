// `dispatcher calls`: the call log, newest first, as a table for a person or
// CSV for a spreadsheet. Reads the same database a running pbx writes.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { databaseFileName, openStore, type CallRecord } from '../store/index.js';
import type { CallsOptions } from './calls-config.js';

const columns = ['arrived', 'caller', 'outcome', 'wait_s', 'talk_s', 'answered_by', 'offers', 'recording'] as const;

function row(c: CallRecord): string[] {
  const by = c.answeredBy.extension ? `${c.answeredBy.extension}${c.answeredBy.login ? ` (${c.answeredBy.login})` : ''}` : '';
  const seconds = (ms: number | null) => (ms === null ? '' : (ms / 1000).toFixed(1));
  return [
    c.arrivedAt,
    c.callerNumber ?? '',
    c.outcome,
    seconds(c.waitMs),
    seconds(c.talkMs),
    by,
    c.offers.map((o) => `${o.extension}:${o.result ?? 'ringing'}`).join(' '),
    c.recordingFile ?? '',
  ];
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function formatCalls(calls: CallRecord[], csv: boolean): string {
  const rows = calls.map(row);
  if (csv) return [columns.join(','), ...rows.map((r) => r.map(csvField).join(','))].join('\n') + '\n';
  if (rows.length === 0) return 'No calls yet.\n';
  const table = [[...columns], ...rows];
  const widths = columns.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  return table.map((r) => r.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

export function runCalls(options: CallsOptions): number {
  if (!existsSync(path.join(options.dataDir, databaseFileName))) {
    process.stderr.write(`dispatcher: no switchboard data in ${options.dataDir} (start \`dispatcher pbx\` or pass --data)\n`);
    return 1;
  }
  const store = openStore(options.dataDir);
  try {
    process.stdout.write(formatCalls(store.calls.recent(options.limit), options.csv));
    return 0;
  } finally {
    store.close();
  }
}
