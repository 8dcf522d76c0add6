// Which catalogue the console speaks: `--lang`, else the stored setting, else
// LC_ALL / LC_MESSAGES / LANG, else Polish (the office's language).
import { en } from './en.js';
import { pl } from './pl.js';

export type Catalogue = typeof pl;
export const languages = ['pl', 'en'] as const;
export type Language = (typeof languages)[number];

export const catalogues: Record<Language, Catalogue> = { pl, en };

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (languages as readonly string[]).includes(value);
}

/** The language from the locale variables, when they name one the console has. */
export function languageFromEnvironment(env: Readonly<Record<string, string | undefined>>): Language | undefined {
  // POSIX order of precedence: the first one set wins, even if it names a language we lack.
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG;
  if (!locale) return undefined;
  const code = locale.slice(0, 2).toLowerCase();
  return isLanguage(code) ? code : undefined;
}

export function chooseLanguage(
  option: Language | undefined,
  stored: Language | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Language {
  return option ?? stored ?? languageFromEnvironment(env) ?? 'pl';
}
