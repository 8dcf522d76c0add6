// `dispatcher demo` options: how many stations, how many callers a minute,
// where the data goes (a temporary folder unless --data), how much the
// switchboard logs.
import type { Argv } from 'yargs';
import { isLanguage, languages, type Language } from '../console/i18n/index.js';
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
  /** Run the interactive console as the demo dispatcher (when stdout is a terminal); --no-console: event lines only. */
  console: boolean;
  /** The console's language; undefined: LC_ALL/LANG, else pl. */
  language: Language | undefined;
}

export function declareDemoOptions<T>(yargs: Argv<T>) {
  return yargs
    .option('stations', { type: 'string', requiresArg: true, describe: 'stations with a simulated dispatcher', defaultDescription: String(demoDefaults.stations) })
    .option('rate', { type: 'string', requiresArg: true, describe: 'passenger calls a minute (0: none)', defaultDescription: String(demoDefaults.rate) })
    .option('data', { type: 'string', requiresArg: true, describe: 'data directory to keep', defaultDescription: 'a temporary folder' })
    .option('loglevel', { type: 'string', requiresArg: true, choices: [...logLevels], describe: "the switchboard's log (on stderr; with the console, demo.log in the data folder)", defaultDescription: demoDefaults.loglevel })
    .option('console', { type: 'boolean', describe: 'on a terminal, run the console as the demo dispatcher; --no-console: print events instead', defaultDescription: 'true' })
    .option('lang', { type: 'string', requiresArg: true, describe: `language of the console: ${languages.join(', ')}`, defaultDescription: 'LC_ALL/LANG, else pl' });
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
  const lang = single(argv.lang, 'lang', errors);
  if (lang !== undefined && !isLanguage(lang)) errors.push(`--lang must be one of ${languages.join(', ')}, got "${lang}"`);
  if (errors.length) return { ok: false, errors };
  return {
    ok: true,
    config: {
      stations: stations!,
      rate,
      dataDir: rawData === undefined ? undefined : resolveDataDir(rawData, context),
      loglevel: loglevel as LogLevel,
      console: argv.console !== false,
      language: lang as Language | undefined,
    },
  };
}
