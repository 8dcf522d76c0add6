// `dispatcher calls` options: which data dir, how many calls, table or CSV.
import type { Argv } from 'yargs';
import { declareDataDirOption, resolveDataDir, type DataDirContext } from './data-dir.js';

export interface CallsOptions {
  dataDir: string;
  limit: number;
  csv: boolean;
}

export function declareCallsOptions<T>(yargs: Argv<T>) {
  return declareDataDirOption(yargs)
    .option('limit', { type: 'string', requiresArg: true, describe: 'how many of the most recent calls', defaultDescription: '50' })
    .option('csv', { type: 'boolean', describe: 'CSV with a header line, for export' });
}

export function resolveCallsOptions(
  argv: Record<string, unknown>,
  context: DataDirContext,
): { ok: true; options: CallsOptions } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  const rawLimit = argv.limit === undefined ? '50' : String(argv.limit);
  const limit = /^\d+$/.test(rawLimit) ? Number(rawLimit) : NaN;
  if (!(limit >= 1 && limit <= 1_000_000)) errors.push(`--limit must be a whole number from 1 to 1000000, got "${rawLimit}"`);
  if (errors.length) return { ok: false, errors };
  return { ok: true, options: { dataDir: resolveDataDir(argv.data as string | undefined, context), limit, csv: argv.csv === true } };
}
