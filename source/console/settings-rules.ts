// What a good server address and extension look like: shared by the settings
// file, the configuration screen and the command line (which must not load
// conf just to check an option).

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
