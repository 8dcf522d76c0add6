// Options of the default command, the dispatcher's console: declaration for
// yargs and validation, in one place (the pattern of pbx-config.ts). Pure: the
// terminal check (headless when stdout is not a TTY) happens when it runs.
import type { Argv } from 'yargs';
import { isLanguage, languages, type Language } from '../console/i18n/index.js';
import { extensionProblem, normalizeServer, serverProblem, settingsDirEnv, settingsProblemText } from '../console/settings-rules.js';
import { pbxDefaults } from './pbx-config.js';
import { single } from './sip-server-config.js';

/** Where `--password` may come from instead, so that it stays out of `ps` and shell history. */
export const consolePasswordEnv = 'DISPATCHER_PASSWORD';

/** The switchboard a console talks to unless told: where `dispatcher pbx` serves its API by default. */
export const defaultServer = `http://${pbxDefaults.api.host}:${pbxDefaults.api.port}`;

export interface ConsoleOptions {
  /** --server; undefined: the stored one, else `defaultServer`. */
  server: string | undefined;
  /** --headless / --no-headless; undefined: headless when stdout is not a terminal. */
  headless: boolean | undefined;
  user: string | undefined;
  password: string | undefined;
  extension: string | undefined;
  paused: boolean;
  language: Language | undefined;
  /** Folder of the settings file; undefined: the user's config folder. */
  settingsDir: string | undefined;
}

export type ConsoleOptionsResult = { ok: true; options: ConsoleOptions } | { ok: false; errors: string[] };

export function declareConsoleOptions<T>(yargs: Argv<T>) {
  const text = (describe: string, defaultDescription?: string) =>
    ({ type: 'string', requiresArg: true, describe, defaultDescription }) as const;
  return yargs
    .option('server', text('switchboard API address', `the stored one, else ${defaultServer}`))
    .option('headless', { type: 'boolean', describe: 'kiosk mode: no screen, one JSON line per event on stdout', defaultDescription: 'when stdout is not a terminal' })
    .option('user', text('log in as this user (headless; on the login screen: filled in)'))
    .option('password', text(`password for --user; else $${consolePasswordEnv}`))
    .option('extension', text('the station\'s phone extension (headless; remembered)', 'the stored one'))
    .option('paused', { type: 'boolean', describe: 'headless: bind the station but stay paused' })
    .option('lang', text(`language of the console: ${languages.join(', ')} (remembered)`, 'the stored one, else LC_ALL/LANG, else pl'))
    .option('settings-dir', text(`folder of the console settings; else $${settingsDirEnv}`, 'the user config folder'));
}

export interface RawConsoleArgs {
  server?: unknown;
  headless?: unknown;
  user?: unknown;
  password?: unknown;
  extension?: unknown;
  paused?: unknown;
  lang?: unknown;
  'settings-dir'?: unknown;
}

export function resolveConsoleOptions(raw: RawConsoleArgs, env: Readonly<Record<string, string | undefined>>): ConsoleOptionsResult {
  const errors: string[] = [];
  const serverText = single(raw.server, 'server', errors);
  const server = serverText === undefined ? undefined : normalizeServer(serverText);
  if (server !== undefined && serverProblem(server)) errors.push(`--server ${JSON.stringify(serverText)}: ${settingsProblemText.badServer}`);
  const extension = single(raw.extension, 'extension', errors);
  if (extension !== undefined && extensionProblem(extension)) errors.push(`--extension ${JSON.stringify(extension)}: ${settingsProblemText.badExtension}`);
  const lang = single(raw.lang, 'lang', errors);
  if (lang !== undefined && !isLanguage(lang)) errors.push(`--lang ${JSON.stringify(lang)}: ${settingsProblemText.badLanguage}`);
  const user = single(raw.user, 'user', errors);
  if (user === '') errors.push('--user: must not be empty');
  const password = single(raw.password, 'password', errors) ?? (env[consolePasswordEnv] || undefined);
  const settingsDir = single(raw['settings-dir'], 'settings-dir', errors) ?? (env[settingsDirEnv] || undefined);
  if (settingsDir === '') errors.push('--settings-dir: must not be empty');
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    options: {
      server,
      headless: typeof raw.headless === 'boolean' ? raw.headless : undefined,
      user,
      password,
      extension,
      paused: raw.paused === true,
      language: lang as Language | undefined,
      settingsDir,
    },
  };
}
