// `dispatcher demo` options: how many stations, how many callers a minute,
// where the data goes (a temporary folder unless --data), how much the
// switchboard logs.
import type { Argv } from 'yargs';
import { isLogLevel, logLevels, type LogLevel } from '../log.js';
import { resolveDataDir, type DataDirContext } from './data-dir.js';
import { parseInteger, single } from './sip-server-config.js';

export const demoDefaults = { stations: 3, rate: 12, loglevel: 'warn' as LogLevel };

export interface DemoConfig {
  stations: number;
  /** Passenger calls a minute. */
  rate: number;
  /** Undefined: a temporary folder, removed when the demo stops. */
  dataDir: string | undefined;
  loglevel: LogLevel;
}

export function declareDemoOptions<T>(yargs: Argv<T>) {
  return yargs
    .option('stations', { type: 'string', requiresArg: true, describe: 'stations with a simulated dispatcher', defaultDescription: String(demoDefaults.stations) })
    .option('rate', { type: 'string', requiresArg: true, describe: 'passenger calls a minute (0: none)', defaultDescription: String(demoDefaults.rate) })
    .option('data', { type: 'string', requiresArg: true, describe: 'data directory to keep', defaultDescription: 'a temporary folder' })
    .option('loglevel', { type: 'string', requiresArg: true, choices: [...logLevels], describe: "the switchboard's log on stderr", defaultDescription: demoDefaults.loglevel });
}

export function resolveDemoConfig(argv: Record<string, unknown>, context: DataDirContext): { ok: true; config: DemoConfig } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  const rawStations = single(argv.stations, 'stations', errors) ?? String(demoDefaults.stations);
  const stations = parseInteger(rawStations);
  if (stations === undefined || stations < 1 || stations > 50) errors.push(`--stations must be a whole number from 1 to 50, got "${rawStations}"`);
  const rawRate = single(argv.rate, 'rate', errors) ?? String(demoDefaults.rate);
  const rate = /^\d+(\.\d+)?$/.test(rawRate) ? Number(rawRate) : NaN;
  if (!(rate >= 0 && rate <= 600)) errors.push(`--rate must be a number of calls a minute from 0 to 600, got "${rawRate}"`);
  const rawData = single(argv.data, 'data', errors);
  const loglevel = single(argv.loglevel, 'loglevel', errors) ?? demoDefaults.loglevel;
  if (!isLogLevel(loglevel)) errors.push(`--loglevel must be one of ${logLevels.join(', ')}`);
  if (errors.length) return { ok: false, errors };
  return { ok: true, config: { stations: stations!, rate, dataDir: rawData === undefined ? undefined : resolveDataDir(rawData, context), loglevel: loglevel as LogLevel } };
}
