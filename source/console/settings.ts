// What a station remembers between runs, in one small JSON file kept by conf:
// the switchboard's address, the login token (never the password), who logged
// in, the station's extension and the language. Values are checked twice: here
// with clear messages before anything is written, and by conf's JSON schema,
// so a hand-edited file with a bad value is refused when it is read.
import Conf from 'conf';
import { isLanguage, type Language } from './i18n/index.js';
import { extensionPattern, extensionProblem, normalizeServer, serverPattern, serverProblem, type SettingsProblem } from './settings-rules.js';

export { extensionProblem, normalizeServer, serverProblem, settingsDirEnv, settingsProblemText, type SettingsProblem } from './settings-rules.js';

export interface ConsoleSettings {
  server?: string;
  token?: string;
  login?: string;
  extension?: string;
  language?: Language;
}


/** conf's JSON schema for the file (test/console/settings.test.ts checks it against JSON Schema 2020-12). */
export const settingsSchema = {
  server: { type: 'string', pattern: serverPattern, maxLength: 200 },
  token: { type: 'string', minLength: 1, maxLength: 200 },
  login: { type: 'string', minLength: 1, maxLength: 128 },
  extension: { type: 'string', pattern: extensionPattern },
  language: { type: 'string', enum: ['pl', 'en'] },
} as const;

export function settingsProblems(values: ConsoleSettings): Partial<Record<keyof ConsoleSettings, SettingsProblem>> {
  const problems: Partial<Record<keyof ConsoleSettings, SettingsProblem>> = {};
  if (values.server !== undefined) {
    const problem = serverProblem(values.server);
    if (problem) problems.server = problem;
  }
  if (values.extension !== undefined) {
    const problem = extensionProblem(values.extension);
    if (problem) problems.extension = problem;
  }
  if (values.language !== undefined && !isLanguage(values.language)) problems.language = 'badLanguage';
  if (values.token !== undefined && (values.token.length === 0 || values.token.length > 200)) problems.token = 'badToken';
  if (values.login !== undefined && (values.login.length === 0 || values.login.length > 128)) problems.login = 'badLogin';
  return problems;
}

export class SettingsError extends Error {}

export class SettingsFile {
  readonly #conf: Conf<ConsoleSettings>;

  /** `dir` replaces the user's config folder; a bad file is reported as a SettingsError. */
  constructor(dir?: string) {
    try {
      this.#conf = new Conf<ConsoleSettings>({
        projectName: 'dispatcher-console',
        projectSuffix: '',
        configName: 'console',
        ...(dir !== undefined && { cwd: dir }),
        schema: settingsSchema,
        // Checking this fixed schema against the JSON Schema meta-schema made
        // ajv compile the whole meta-schema at every start: ~60 ms of a
        // console's cold start. A test checks the schema instead, once.
        ajvOptions: { validateSchema: false, meta: false },
        // The token lets anyone holding it act as the dispatcher.
        configFileMode: 0o600,
        clearInvalidConfig: false,
      });
    } catch (error) {
      throw new SettingsError(`the console settings cannot be used: ${(error as Error).message}; fix or delete the file`);
    }
  }

  get path(): string {
    return this.#conf.path;
  }

  read(): ConsoleSettings {
    return { ...this.#conf.store };
  }

  /** Stores the values given (undefined removes one); refuses all of them if one is bad. */
  update(values: { [K in keyof ConsoleSettings]?: ConsoleSettings[K] | undefined }): { ok: true } | { ok: false; problems: Partial<Record<keyof ConsoleSettings, SettingsProblem>> } {
    const next = { ...this.read() };
    for (const [key, value] of Object.entries(values) as [keyof ConsoleSettings, string | undefined][]) {
      if (value === undefined) delete next[key];
      else (next as Record<string, string>)[key] = key === 'server' ? normalizeServer(value) : value;
    }
    const problems = settingsProblems(next);
    if (Object.keys(problems).length > 0) return { ok: false, problems };
    this.#conf.store = next;
    return { ok: true };
  }
}
