// Console users: adding, verifying passwords, changing them, removing, and
// the rules a login and password must follow.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { openStore, type Store } from '../../source/store/database.js';
import { StoreError, type StoreErrorCode } from '../../source/store/errors.js';
import { temporaryDirectories } from './temp-dir.js';

const tempDir = temporaryDirectories();

function withStore(run: (store: Store) => void | Promise<void>) {
  return async () => {
    const store = openStore(tempDir());
    try {
      await run(store);
    } finally {
      store.close();
    }
  };
}

function storeError(code: StoreErrorCode, pattern: RegExp) {
  return (error: unknown) => error instanceof StoreError && error.code === code && pattern.test(error.message);
}

describe('console users', () => {
  test(
    'an added user is found by login, with the display name and roles given',
    withStore((store) => {
      const added = store.users.add({
        login: 'anna.nowak',
        password: 'correct horse',
        displayName: 'Anna Nowak',
        roles: ['configure', 'dispatcher'],
      });
      // Roles come back in a fixed order, whatever order they were given in.
      assert.deepEqual(added.roles, ['dispatcher', 'configure']);
      assert.match(added.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.deepEqual(store.users.getUser('anna.nowak'), added);
      assert.equal(store.users.getUser('nobody'), undefined);
    }),
  );

  test(
    'the display name defaults to the login',
    withStore((store) => {
      assert.equal(store.users.add({ login: 'piotr', password: 'password1', roles: ['dispatcher'] }).displayName, 'piotr');
    }),
  );

  test(
    'verify returns the user for the right password and nothing for a wrong one or an unknown login',
    withStore(async (store) => {
      store.users.add({ login: 'anna', password: 'zażółć gęślą', roles: ['dispatcher'] });
      assert.equal(store.users.verifySync('anna', 'zażółć gęślą')?.login, 'anna');
      assert.equal(store.users.verifySync('anna', 'zażółć gęśla'), undefined);
      assert.equal(store.users.verifySync('anna', ''), undefined);
      assert.equal(store.users.verifySync('ghost', 'zażółć gęślą'), undefined);
      assert.equal(store.users.verifySync('Not A Login!', 'x'), undefined);

      assert.equal((await store.users.verify('anna', 'zażółć gęślą'))?.login, 'anna');
      assert.equal(await store.users.verify('anna', 'wrong password'), undefined);
      assert.equal(await store.users.verify('ghost', 'zażółć gęślą'), undefined);
    }),
  );

  test(
    'a password typed with decomposed accents matches the composed one',
    withStore((store) => {
      store.users.add({ login: 'ela', password: 'gęś-gęś-gęś', roles: ['dispatcher'] });
      assert.equal(store.users.verifySync('ela', 'gęś-gęś-gęś'.normalize('NFD'))?.login, 'ela');
    }),
  );

  test(
    'the password is stored as a salted scrypt hash, never in clear',
    withStore((store) => {
      store.users.add({ login: 'a', password: 'same password', roles: ['dispatcher'] });
      store.users.add({ login: 'b', password: 'same password', roles: ['dispatcher'] });
      // Read the rows directly through a second connection.
      const hashes = rawHashes(store.file);
      assert.equal(hashes.length, 2);
      for (const hash of hashes) {
        assert.match(hash, /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
        assert.ok(!hash.includes('same password'));
      }
      assert.notEqual(hashes[0], hashes[1], 'each password has its own salt');
    }),
  );

  test(
    'verifying an unknown login takes about as long as verifying a known one',
    withStore((store) => {
      store.users.add({ login: 'anna', password: 'password1', roles: ['dispatcher'] });
      const median = (run: () => void) => {
        const times = [0, 1, 2, 3, 4].map(() => {
          const started = process.hrtime.bigint();
          run();
          return Number(process.hrtime.bigint() - started) / 1e6;
        });
        return times.sort((a, b) => a - b)[2]!;
      };
      const known = median(() => store.users.verifySync('anna', 'wrong password'));
      const unknown = median(() => store.users.verifySync('ghost', 'wrong password'));
      assert.ok(unknown > known * 0.5, `unknown login took ${unknown} ms, known ${known} ms`);
    }),
  );

  test(
    'a login that is taken is refused as a duplicate',
    withStore((store) => {
      store.users.add({ login: 'anna', password: 'password1', roles: ['dispatcher'] });
      assert.throws(
        () => store.users.add({ login: 'anna', password: 'password2', roles: ['configure'] }),
        storeError('duplicate', /anna already exists/),
      );
      assert.equal(store.users.count(), 1);
      assert.equal(store.users.verifySync('anna', 'password1')?.login, 'anna');
    }),
  );

  test(
    'logins, passwords, names and roles that break the rules are refused as invalid',
    withStore((store) => {
      const add = (fields: Partial<Parameters<Store['users']['add']>[0]>) => () =>
        store.users.add({ login: 'anna', password: 'password1', roles: ['dispatcher'], ...fields });
      for (const login of ['', 'Anna', 'anna nowak', 'a'.repeat(33), 'ann@', 'zoś']) {
        assert.throws(add({ login }), storeError('invalid', /login/), login);
      }
      assert.throws(add({ password: 'seven77' }), storeError('invalid', /password: at least 8/));
      assert.throws(add({ password: 'x'.repeat(1025) }), storeError('invalid', /password: at most/));
      assert.throws(add({ displayName: '  ' }), storeError('invalid', /name/));
      assert.throws(add({ displayName: 'Anna\nNowak' }), storeError('invalid', /name/));
      assert.throws(add({ roles: [] }), storeError('invalid', /roles/));
      assert.throws(add({ roles: ['root' as never] }), storeError('invalid', /roles: unknown root/));
      // Every problem at once.
      assert.throws(add({ login: 'A', password: 'short' }), storeError('invalid', /login.*; password/));
      assert.equal(store.users.count(), 0);
      for (const login of ['a', 'anna.nowak', 'dispatcher_2', 'x-1', 'a'.repeat(32)]) {
        assert.doesNotThrow(add({ login }), login);
      }
    }),
  );

  test(
    'list returns every user in login order',
    withStore((store) => {
      assert.deepEqual(store.users.list(), []);
      for (const login of ['zofia', 'anna', 'marek']) store.users.add({ login, password: 'password1', roles: ['dispatcher'] });
      assert.deepEqual(
        store.users.list().map((user) => user.login),
        ['anna', 'marek', 'zofia'],
      );
      assert.equal(store.users.count(), 3);
    }),
  );

  test(
    'setPassword replaces the password: the old one stops working, the new one works',
    withStore((store) => {
      store.users.add({ login: 'anna', password: 'old password', roles: ['dispatcher'] });
      store.users.setPassword('anna', 'new password');
      assert.equal(store.users.verifySync('anna', 'old password'), undefined);
      assert.equal(store.users.verifySync('anna', 'new password')?.login, 'anna');
      assert.throws(() => store.users.setPassword('anna', 'short'), storeError('invalid', /password/));
      assert.throws(() => store.users.setPassword('ghost', 'long enough'), storeError('not-found', /no user ghost/));
    }),
  );

  test(
    'a removed user can no longer log in, and removing an unknown user is an error',
    withStore((store) => {
      store.users.add({ login: 'anna', password: 'password1', roles: ['dispatcher', 'configure'] });
      store.users.remove('anna');
      assert.equal(store.users.getUser('anna'), undefined);
      assert.equal(store.users.verifySync('anna', 'password1'), undefined);
      assert.equal(store.users.count(), 0);
      assert.throws(() => store.users.remove('anna'), storeError('not-found', /no user anna/));
      // The login is free again.
      assert.deepEqual(store.users.add({ login: 'anna', password: 'password2', roles: ['dispatcher'] }).roles, ['dispatcher']);
    }),
  );
});

function rawHashes(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare<[], { password_hash: string }>('SELECT password_hash FROM users ORDER BY login')
      .all()
      .map((row) => row.password_hash);
  } finally {
    db.close();
  }
}
