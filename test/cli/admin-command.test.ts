// `dispatcher admin` doing its work: in-process through runAdmin for the
// output, and as a real process for the exit codes and stderr the operator
// sees. Each test gets its own temporary --data directory.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { fileURLToPath } from 'node:url';
import { runAdmin } from '../../source/commands/admin.js';
import type { AdminAction } from '../../source/commands/admin-config.js';
import { openStore } from '../../source/store/database.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dispatcher-admin-'));
  made.push(dir);
  return dir;
}

function run(action: AdminAction) {
  let stdout = '';
  let stderr = '';
  const code = runAdmin(action, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

describe('runAdmin', () => {
  test('adds, lists and removes users, one short line each', () => {
    const dataDir = tempDir();
    assert.deepEqual(run({ command: 'user list', dataDir }), { code: 0, stdout: 'no users\n', stderr: '' });
    assert.deepEqual(
      run({ command: 'user add', dataDir, login: 'anna', password: 'password1', displayName: 'Anna Nowak', roles: ['dispatcher'] }),
      { code: 0, stdout: 'added user anna (dispatcher)\n', stderr: '' },
    );
    run({ command: 'user add', dataDir, login: 'boss', password: 'password1', roles: ['dispatcher', 'configure'] });
    const list = run({ command: 'user list', dataDir }).stdout.split('\n');
    assert.match(list[0]!, /^LOGIN +NAME +ROLES +CREATED$/);
    assert.match(list[1]!, /^anna +Anna Nowak +dispatcher +\d{4}-\d\d-\d\d$/);
    assert.match(list[2]!, /^boss +boss +dispatcher,configure +\d{4}-\d\d-\d\d$/);
    assert.deepEqual(run({ command: 'user passwd', dataDir, login: 'anna', password: 'password2' }), {
      code: 0,
      stdout: 'changed the password of anna\n',
      stderr: '',
    });
    assert.deepEqual(run({ command: 'user remove', dataDir, login: 'anna' }), {
      code: 0,
      stdout: 'removed user anna\n',
      stderr: '',
    });
  });

  test('lists phones with their SIP passwords, for the operator to configure them', () => {
    const dataDir = tempDir();
    assert.equal(run({ command: 'phone list', dataDir }).stdout, 'no phones\n');
    assert.equal(
      run({ command: 'phone add', dataDir, extension: '201', password: 'sip-secret', kind: 'headset' }).stdout,
      'added phone 201 (headset)\n',
    );
    run({ command: 'phone add', dataDir, extension: '1000', password: 'other-secret', displayName: 'Android Kasi', kind: 'android' });
    assert.equal(
      run({ command: 'phone list', dataDir }).stdout,
      [
        'EXTENSION  NAME           KIND     PASSWORD',
        '201        Extension 201  headset  sip-secret',
        '1000       Android Kasi   android  other-secret',
        '',
      ].join('\n'),
    );
    assert.equal(run({ command: 'phone remove', dataDir, extension: '201' }).stdout, 'removed phone 201\n');
  });

  test('a duplicate or a missing user or phone fails with exit code 1 and one line on stderr', () => {
    const dataDir = tempDir();
    run({ command: 'phone add', dataDir, extension: '201', password: 'sip-secret', kind: 'desk' });
    assert.deepEqual(run({ command: 'phone add', dataDir, extension: '201', password: 'sip-secret', kind: 'desk' }), {
      code: 1,
      stdout: '',
      stderr: 'dispatcher: extension 201 already exists\n',
    });
    assert.deepEqual(run({ command: 'phone remove', dataDir, extension: '202' }), {
      code: 1,
      stdout: '',
      stderr: 'dispatcher: no phone with extension 202\n',
    });
    assert.equal(run({ command: 'user passwd', dataDir, login: 'ghost', password: 'password1' }).stderr, 'dispatcher: no user ghost\n');
  });

  test('a data directory that cannot be used fails with exit code 1 and says which', () => {
    const file = path.join(tempDir(), 'not-a-directory');
    writeFileSync(file, 'x');
    const result = run({ command: 'user list', dataDir: file });
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`^dispatcher: could not use the data directory ${file}: .+\\n$`));
  });

  test('a database from a newer version is refused with exit code 1', () => {
    const dataDir = tempDir();
    const store = openStore(dataDir);
    store.close();
    const db = new Database(store.file);
    db.pragma('user_version = 999');
    db.close();
    const result = run({ command: 'user list', dataDir });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^dispatcher: the database .* has schema version 999, newer than this program knows/);
  });
});

describe('dispatcher admin as a process', () => {
  function cli(args: string[], env: Record<string, string> = {}) {
    const { DISPATCHER_PASSWORD: _p, DISPATCHER_DATA: _d, ...inherited } = process.env;
    return spawnSync(process.execPath, ['--import', 'tsx', 'cli.tsx', 'admin', ...args], {
      cwd: root,
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...inherited, ...env },
    });
  }

  test('adds a user and a phone, lists them, exits 0', () => {
    const data = tempDir();
    const added = cli(['user', 'add', 'anna', '--data', data, '--configure'], { DISPATCHER_PASSWORD: 'password1' });
    assert.equal(added.status, 0, added.stderr);
    assert.equal(added.stdout, 'added user anna (dispatcher, configure)\n');
    assert.equal(cli(['phone', 'add', '201', '--password', 'sip-secret', '--data', data]).status, 0);

    const phones = cli(['phone', 'list'], { DISPATCHER_DATA: data });
    assert.equal(phones.status, 0, phones.stderr);
    assert.match(phones.stdout, /^201 +Extension 201 +desk +sip-secret$/m);
    assert.equal(phones.stderr, '');

    const store = openStore(data);
    try {
      assert.equal(store.users.verifySync('anna', 'password1')?.login, 'anna');
    } finally {
      store.close();
    }
  });

  test('a duplicate exits 1 with one line on stderr and no stack trace', () => {
    const data = tempDir();
    assert.equal(cli(['phone', 'add', '201', '--password', 'sip-secret', '--data', data]).status, 0);
    const again = cli(['phone', 'add', '201', '--password', 'sip-secret', '--data', data]);
    assert.equal(again.status, 1);
    assert.equal(again.stderr, 'dispatcher: extension 201 already exists\n');
    assert.equal(again.stdout, '');
  });

  test('a usage error exits 2 before touching the data directory', () => {
    const data = path.join(tempDir(), 'never-created');
    const run = cli(['user', 'add', 'anna', '--data', data]);
    assert.equal(run.status, 2);
    assert.equal(
      run.stderr,
      'dispatcher: --password: required (or set $DISPATCHER_PASSWORD)\nSee: dispatcher admin user add --help\n',
    );
    assert.equal(cli(['phone', 'add', '2x', '--password', 'sip-secret', '--data', data]).status, 2);
    assert.equal(existsSync(data), false);
  });
});
