// What a good server address and extension look like: shared by the settings
// file, the configuration screen and the command line (which must not load
// conf just to check an option).
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Phones have extensions of 2 to 6 digits (see `dispatcher admin phone add`). */
export const extensionPattern = '^[0-9]{2,6}$';
export const serverPattern = '^https?://[^\\s/?#]+/?$';

export type SettingsProblem = 'badServer' | 'badExtension' | 'badLanguage' | 'badToken' | 'badLogin';

/** English for places without a catalogue (the command line, headless logs). */
export const settingsProblemText: Record<SettingsProblem, string> = {
  badServer: 'the server address is http:// or https:// with a host and optional port, e.g. http://192.168.1.10:8080',
  badExtension: 'the extension is 2 to 6 digits',
  badLanguage: 'the language is pl or en',
  badToken: 'the token is not usable',
  badLogin: 'the login is not usable',
};

export function serverProblem(value: string): SettingsProblem | undefined {
  if (!new RegExp(serverPattern).test(value)) return 'badServer';
  try {
    new URL(value);
    return undefined;
  } catch {
    return 'badServer';
  }
}

export function extensionProblem(value: string): SettingsProblem | undefined {
  return new RegExp(extensionPattern).test(value) ? undefined : 'badExtension';
}

/** The server address as stored and used: no trailing slash. */
export function normalizeServer(value: string): string {
  return value.trim().replace(/\/+$/, '');
}

/** Where the settings live instead of the user's config folder (tests, several stations on one machine). */
export const settingsDirEnv = 'DISPATCHER_CONSOLE_DIR';

/**
 * The settings file as conf places it: `$DISPATCHER_CONSOLE_DIR/console.json`,
 * else `$XDG_CONFIG_HOME/dispatcher-console/console.json`, else under ~/.config.
 */
export function settingsFilePath(env: Readonly<Record<string, string | undefined>>, homedir: string): string {
  const dir = env[settingsDirEnv] || path.join(env.XDG_CONFIG_HOME || path.join(homedir, '.config'), 'dispatcher-console');
  return path.join(dir, 'console.json');
}

/**
 * This machine's station as its console last stored it (the switchboard's API
 * address and the extension), read without conf for commands that only need
 * a default from it. Missing, unreadable or odd values count as not stored.
 */
export function storedStation(env: Readonly<Record<string, string | undefined>>, homedir: string): { server?: string; extension?: string } {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(settingsFilePath(env, homedir), 'utf8'));
  } catch {
    return {};
  }
  if (typeof data !== 'object' || data === null) return {};
  const { server, extension } = data as Record<string, unknown>;
  return {
    ...(typeof server === 'string' && !serverProblem(server) && { server }),
    ...(typeof extension === 'string' && !extensionProblem(extension) && { extension }),
  };
}
