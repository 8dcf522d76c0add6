// The station's stored settings (conf in a temporary folder) and the
// catalogues the console speaks.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { catalogues, chooseLanguage, languageFromEnvironment } from '../../source/console/i18n/index.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { SettingsError, SettingsFile, settingsSchema } from '../../source/console/settings.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'console-settings-'));
  dirs.push(dir);
  return dir;
}
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('console settings', () => {
  test('are kept in the folder given, readable by the owner only', () => {
    const dir = tempDir();
    const settings = new SettingsFile(dir);
    assert.deepEqual(settings.update({ server: 'http://192.168.1.10:8080/', extension: '201', token: 't0k3n', language: 'en' }), { ok: true });
    assert.equal(path.dirname(settings.path), dir);
    assert.deepEqual(new SettingsFile(dir).read(), { server: 'http://192.168.1.10:8080', extension: '201', token: 't0k3n', language: 'en' });
    assert.equal(statSync(settings.path).mode & 0o777, 0o600);
  });

  test('bad values are refused with a reason and nothing is written', () => {
    const settings = new SettingsFile(tempDir());
    settings.update({ extension: '201' });
    assert.deepEqual(settings.update({ extension: '20a', server: 'ftp://x' }), { ok: false, problems: { extension: 'badExtension', server: 'badServer' } });
    assert.deepEqual(settings.read(), { extension: '201' });
  });

  test('undefined removes a value (logging out forgets the token)', () => {
    const settings = new SettingsFile(tempDir());
    settings.update({ token: 'abc', login: 'ola' });
    settings.update({ token: undefined });
    assert.deepEqual(settings.read(), { login: 'ola' });
  });

  test('a hand-edited file with a bad value is refused with a clear error', () => {
    const dir = tempDir();
    const settings = new SettingsFile(dir);
    settings.update({ extension: '201' });
    writeFileSync(settings.path, JSON.stringify({ extension: 'two-oh-one' }));
    assert.throws(() => new SettingsFile(dir), (error: unknown) => error instanceof SettingsError && /extension/.test(error.message));
  });

  test('the schema given to conf is valid JSON Schema 2020-12 (conf no longer checks it at every start)', () => {
    // Wrapped as conf wraps it; strict mode also refuses unknown keywords.
    const wrap = (properties: object) => ({ type: 'object', properties });
    const ajv = new Ajv2020({ strict: true });
    assert.equal(ajv.validateSchema(wrap(settingsSchema)), true, ajv.errorsText(ajv.errors));
    assert.doesNotThrow(() => ajv.compile(wrap(settingsSchema)));
    // The check catches a slip such as a misspelt type.
    assert.equal(ajv.validateSchema(wrap({ ...settingsSchema, extension: { type: 'strng' } })), false);
  });

  test('the password is never among the stored keys', () => {
    const settings = new SettingsFile(tempDir());
    settings.update({ server: 'http://127.0.0.1:8080', token: 'abc', login: 'ola', extension: '201' });
    assert.doesNotMatch(readFileSync(settings.path, 'utf8'), /password/i);
  });
});

describe('catalogues', () => {
  const shape = (value: unknown): unknown =>
    typeof value === 'object' && value !== null
      ? Object.fromEntries(Object.entries(value).sort().map(([k, v]) => [k, shape(v)]))
      : typeof value;

  test('Polish and English have the same keys, nested ones included, of the same kinds', () => {
    assert.deepEqual(shape(catalogues.en), shape(catalogues.pl));
  });

  test('no text is empty', () => {
    const texts = (value: unknown): unknown[] => (typeof value === 'object' && value !== null ? Object.values(value).flatMap(texts) : [value]);
    for (const language of ['pl', 'en'] as const) {
      for (const text of texts(catalogues[language])) if (typeof text === 'string') assert.notEqual(text.trim(), '', language);
    }
  });

  test('the language comes from the option, the settings, the locale, else Polish', () => {
    assert.equal(chooseLanguage('en', 'pl', { LANG: 'pl_PL.UTF-8' }), 'en');
    assert.equal(chooseLanguage(undefined, 'en', { LANG: 'pl_PL.UTF-8' }), 'en');
    assert.equal(chooseLanguage(undefined, undefined, { LANG: 'en_GB.UTF-8' }), 'en');
    assert.equal(chooseLanguage(undefined, undefined, { LANG: 'C' }), 'pl');
    assert.equal(chooseLanguage(undefined, undefined, {}), 'pl');
    assert.equal(languageFromEnvironment({ LC_ALL: 'pl_PL.UTF-8', LANG: 'en_US.UTF-8' }), 'pl');
  });
});
