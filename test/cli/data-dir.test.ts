// Where the data directory is: --data, else $DISPATCHER_DATA, else the XDG
// per-user data folder.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resolveDataDir } from '../../source/commands/data-dir.js';

const home = '/home/anna';
const cwd = '/srv/taxi';

describe('the data directory', () => {
  test('is --data when given, relative to the working directory', () => {
    const env = { DISPATCHER_DATA: '/var/lib/other', XDG_DATA_HOME: '/xdg' };
    assert.equal(resolveDataDir('/var/lib/dispatcher', { env, homedir: home, cwd }), '/var/lib/dispatcher');
    assert.equal(resolveDataDir('data', { env, homedir: home, cwd }), '/srv/taxi/data');
  });

  test('else $DISPATCHER_DATA', () => {
    const env = { DISPATCHER_DATA: '/var/lib/dispatcher', XDG_DATA_HOME: '/xdg' };
    assert.equal(resolveDataDir(undefined, { env, homedir: home, cwd }), '/var/lib/dispatcher');
    assert.equal(resolveDataDir(undefined, { env: { DISPATCHER_DATA: 'd' }, homedir: home, cwd }), '/srv/taxi/d');
  });

  test('else dispatcher-console under $XDG_DATA_HOME', () => {
    const env = { DISPATCHER_DATA: '', XDG_DATA_HOME: '/xdg' };
    assert.equal(resolveDataDir(undefined, { env, homedir: home, cwd }), '/xdg/dispatcher-console');
  });

  test('else ~/.local/share/dispatcher-console, also when $XDG_DATA_HOME is relative (the spec says to ignore it)', () => {
    assert.equal(resolveDataDir(undefined, { env: {}, homedir: home, cwd }), '/home/anna/.local/share/dispatcher-console');
    assert.equal(
      resolveDataDir(undefined, { env: { XDG_DATA_HOME: 'xdg' }, homedir: home, cwd }),
      '/home/anna/.local/share/dispatcher-console',
    );
  });
});
