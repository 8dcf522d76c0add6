// Phones: the extensions allowed to register, with their SIP passwords.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openStore, type Store } from '../../source/store/database.js';
import { StoreError, type StoreErrorCode } from '../../source/store/errors.js';
import { temporaryDirectories } from './temp-dir.js';

const tempDir = temporaryDirectories();

function withStore(run: (store: Store) => void) {
  return () => {
    const store = openStore(tempDir());
    try {
      run(store);
    } finally {
      store.close();
    }
  };
}

function storeError(code: StoreErrorCode, pattern: RegExp) {
  return (error: unknown) => error instanceof StoreError && error.code === code && pattern.test(error.message);
}

describe('phones', () => {
  test(
    'an added phone is found by extension with its SIP password, name and kind',
    withStore((store) => {
      const added = store.phones.add({ extension: '201', password: 'sip-secret', displayName: 'Stanowisko 1', kind: 'android' });
      assert.deepEqual(store.phones.getPhone('201'), added);
      assert.equal(added.password, 'sip-secret');
      assert.equal(added.displayName, 'Stanowisko 1');
      assert.equal(added.kind, 'android');
      assert.equal(store.phones.getPhone('202'), undefined);
    }),
  );

  test(
    'a phone is a desk phone named after its extension unless told otherwise',
    withStore((store) => {
      const added = store.phones.add({ extension: '0201', password: 'sip-secret' });
      assert.equal(added.kind, 'desk');
      assert.equal(added.displayName, 'Extension 0201');
      assert.equal(store.phones.getPhone('201'), undefined, '0201 and 201 are different extensions');
    }),
  );

  test(
    'an extension that is taken is refused as a duplicate',
    withStore((store) => {
      store.phones.add({ extension: '201', password: 'sip-secret' });
      assert.throws(
        () => store.phones.add({ extension: '201', password: 'other-secret', kind: 'headset' }),
        storeError('duplicate', /extension 201 already exists/),
      );
      assert.equal(store.phones.getPhone('201')?.password, 'sip-secret');
    }),
  );

  test(
    'extensions, SIP passwords, names and kinds that break the rules are refused as invalid',
    withStore((store) => {
      const add = (fields: Partial<Parameters<Store['phones']['add']>[0]>) => () =>
        store.phones.add({ extension: '201', password: 'sip-secret', ...fields });
      for (const extension of ['', '1', '1234567', '20a', ' 201', '+48', '２０１']) {
        assert.throws(add({ extension }), storeError('invalid', /extension/), extension);
      }
      assert.throws(add({ password: 'seven77' }), storeError('invalid', /SIP password: at least 8/));
      assert.throws(add({ password: 'with space' }), storeError('invalid', /SIP password: printable ASCII/));
      assert.throws(add({ password: 'hasło-hasło' }), storeError('invalid', /SIP password: printable ASCII/));
      assert.throws(add({ password: 'x'.repeat(65) }), storeError('invalid', /SIP password: at most/));
      assert.throws(add({ kind: 'fax' as never }), storeError('invalid', /kind "fax": expected one of headset, desk, android/));
      assert.throws(add({ displayName: '\u001b[31mred' }), storeError('invalid', /name/));
      assert.deepEqual(store.phones.list(), []);
      for (const extension of ['10', '201', '999999']) assert.doesNotThrow(add({ extension }), extension);
    }),
  );

  test(
    'list returns every phone in numeric extension order',
    withStore((store) => {
      assert.deepEqual(store.phones.list(), []);
      for (const extension of ['1000', '99', '201', '200']) store.phones.add({ extension, password: 'sip-secret' });
      assert.deepEqual(
        store.phones.list().map((phone) => phone.extension),
        ['99', '200', '201', '1000'],
      );
    }),
  );

  test(
    'a removed phone is gone, and removing an unknown extension is an error',
    withStore((store) => {
      store.phones.add({ extension: '201', password: 'sip-secret' });
      store.phones.remove('201');
      assert.equal(store.phones.getPhone('201'), undefined);
      assert.throws(() => store.phones.remove('201'), storeError('not-found', /no phone with extension 201/));
    }),
  );
});
