// Opening the database: file and modes, migrations, refusing a newer schema,
// and two processes' connections working on the same file at once.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { databaseFileName, openStore } from '../../source/store/database.js';
import { StoreError } from '../../source/store/errors.js';
import { migrate, migrations, type Migration } from '../../source/store/migrations.js';
import { temporaryDirectories } from './temp-dir.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tempDir = temporaryDirectories();

function rawConnection(dataDir: string) {
  return new Database(path.join(dataDir, databaseFileName));
}

describe('opening the store', () => {
  test('creates the data directory and the database in it, readable by the owner only', () => {
    const dataDir = path.join(tempDir(), 'nested', 'data');
    const store = openStore(dataDir);
    store.close();
    assert.equal(store.file, path.join(dataDir, 'dispatcher.db'));
    assert.equal(statSync(dataDir).mode & 0o777, 0o700);
    assert.equal(statSync(store.file).mode & 0o777, 0o600);
  });

  test('migrates an empty database to the latest schema version', () => {
    const dataDir = tempDir();
    const store = openStore(dataDir);
    assert.equal(store.schemaVersion, migrations.length);
    store.close();

    const db = rawConnection(dataDir);
    const tables = db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
      .all()
      .map((row) => row.name);
    assert.deepEqual(tables, ['call_offers', 'calls', 'phones', 'user_roles', 'users']);
    assert.equal(db.pragma('user_version', { simple: true }), migrations.length);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    db.close();
  });

  test('reopening a migrated database changes nothing and keeps the data', () => {
    const dataDir = tempDir();
    const first = openStore(dataDir);
    first.phones.add({ extension: '201', password: 'sip-secret' });
    first.close();

    const second = openStore(dataDir);
    assert.equal(second.schemaVersion, migrations.length);
    assert.equal(second.phones.getPhone('201')?.password, 'sip-secret');
    second.close();
  });

  test('refuses a database written by a newer version, saying so', () => {
    const dataDir = tempDir();
    openStore(dataDir).close();
    const db = rawConnection(dataDir);
    db.pragma(`user_version = ${migrations.length + 1}`);
    db.close();

    assert.throws(
      () => openStore(dataDir),
      (error: unknown) =>
        error instanceof StoreError &&
        error.code === 'incompatible' &&
        error.message.includes(`schema version ${migrations.length + 1}`) &&
        /upgrade/.test(error.message),
    );
  });

  test('turns foreign keys on, so removing a user removes their roles', () => {
    const dataDir = tempDir();
    const store = openStore(dataDir);
    store.users.add({ login: 'anna', password: 'password1', roles: ['dispatcher', 'configure'] });
    store.users.remove('anna');
    store.close();
    const db = rawConnection(dataDir);
    assert.deepEqual(db.prepare('SELECT count(*) AS n FROM user_roles').get(), { n: 0 });
    db.close();
  });
});

describe('migrations', () => {
  const createA: Migration = { description: 'a', up: (db) => db.exec('CREATE TABLE a (x INTEGER)') };
  const createB: Migration = { description: 'b', up: (db) => db.exec('CREATE TABLE b (x INTEGER)') };
  const failing: Migration = {
    description: 'fails halfway',
    up(db) {
      db.exec('CREATE TABLE c (x INTEGER)');
      throw new Error('broken migration');
    },
  };

  test('run in order, and only the ones not applied yet', () => {
    const db = new Database(':memory:');
    assert.equal(migrate(db, [createA]), 1);
    assert.equal(migrate(db, [createA, createB]), 2);
    assert.equal(migrate(db, [createA, createB]), 2);
    db.close();
  });

  test('a failing migration is rolled back with its version, earlier ones stay', () => {
    const db = new Database(':memory:');
    assert.throws(() => migrate(db, [createA, failing]), /broken migration/);
    assert.equal(db.pragma('user_version', { simple: true }), 1);
    const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table'").all();
    assert.deepEqual(
      tables.map((t) => t.name),
      ['a'],
    );
    db.close();
  });
});

describe('the call log schema', () => {
  test('accepts a call with its offers and rejects unknown outcomes and results', () => {
    const dataDir = tempDir();
    openStore(dataDir).close();
    const db = rawConnection(dataDir);
    db.pragma('foreign_keys = ON');
    const call = db
      .prepare(
        `INSERT INTO calls (call_id, caller_number, arrived_at, answered_at, ended_at, outcome,
           answered_by_station, answered_by_extension, answered_by_login, wait_ms, talk_ms, recording_file)
         VALUES ('abc@host', '+48600100200', '2026-01-01T10:00:00.000Z', '2026-01-01T10:00:05.000Z',
           '2026-01-01T10:01:05.000Z', 'answered', 'station-1', '201', 'anna', 5000, 60000, 'calls/abc.wav')`,
      )
      .run().lastInsertRowid;
    db.prepare(
      `INSERT INTO call_offers (call_id, station, extension, offered_at, result, ended_at)
       VALUES (?, 'station-1', '201', '2026-01-01T10:00:00.500Z', 'answered', '2026-01-01T10:00:05.000Z')`,
    ).run(call);

    assert.throws(
      () => db.prepare("INSERT INTO calls (call_id, arrived_at, outcome) VALUES ('x', 'now', 'lost')").run(),
      /CHECK constraint/,
    );
    assert.throws(
      () =>
        db
          .prepare("INSERT INTO call_offers (call_id, extension, offered_at, result) VALUES (?, '201', 'now', 'maybe')")
          .run(call),
      /CHECK constraint/,
    );
    assert.throws(
      () => db.prepare("INSERT INTO call_offers (call_id, extension, offered_at) VALUES (999, '201', 'now')").run(),
      /FOREIGN KEY/,
    );
    const inProgress = db.prepare("INSERT INTO calls (call_id, arrived_at) VALUES ('y', 'now')").run().lastInsertRowid;
    assert.deepEqual(db.prepare('SELECT outcome FROM calls WHERE id = ?').get(inProgress), { outcome: 'in-progress' });
    db.close();
  });
});

describe('two connections on one data directory (admin and a running pbx)', () => {
  test("each sees the other's writes at once", () => {
    const dataDir = tempDir();
    const admin = openStore(dataDir);
    const pbx = openStore(dataDir);
    try {
      // Read before the write too: a connection must not keep a stale snapshot.
      assert.equal(pbx.phones.getPhone('201'), undefined);
      admin.phones.add({ extension: '201', password: 'sip-secret', kind: 'headset' });
      assert.equal(pbx.phones.getPhone('201')?.kind, 'headset');

      pbx.users.add({ login: 'anna', password: 'password1', roles: ['dispatcher'] });
      assert.equal(admin.users.getUser('anna')?.login, 'anna');

      admin.phones.remove('201');
      assert.equal(pbx.phones.getPhone('201'), undefined);
      assert.equal(pbx.users.count(), 1);
    } finally {
      admin.close();
      pbx.close();
    }
  });

  test("a write waits for another process's write transaction instead of failing", async () => {
    const dataDir = tempDir();
    const store = openStore(dataDir);
    const holdMs = 400;
    // Another process takes the write lock, holds it, then commits.
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const db = new (require('better-sqlite3'))(process.argv[1]);
         db.exec('BEGIN IMMEDIATE');
         process.stdout.write('locked\\n');
         Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${holdMs});
         db.exec('COMMIT');
         db.close();`,
        store.file,
      ],
      // From the project root, where require finds better-sqlite3.
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise<number | null>((resolve) => holder.on('exit', resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.setEncoding('utf8').on('data', (chunk: string) => chunk.includes('locked') && resolve());
        holder.on('exit', () => reject(new Error('lock holder exited before locking')));
      });
      const started = Date.now();
      store.phones.add({ extension: '202', password: 'sip-secret' });
      assert.ok(Date.now() - started >= holdMs / 4, 'the write waited for the lock');
      assert.equal(store.phones.getPhone('202')?.extension, '202');
      assert.equal(await exited, 0);
    } finally {
      holder.kill();
      store.close();
    }
  });
});
