// The scrypt password encoding on its own: format, salts, cost read back from
// the stored hash, and malformed hashes that must simply not match.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hashPassword, unmatchableHash, verifyPassword, verifyPasswordAsync } from '../../source/store/passwords.js';

describe('password hashes', () => {
  test('are encoded as scrypt$N$r$p$salt$hash with the default cost', () => {
    const [scheme, N, r, p, salt, hash] = hashPassword('password1').split('$');
    assert.deepEqual([scheme, N, r, p], ['scrypt', '32768', '8', '1']);
    assert.equal(Buffer.from(salt!, 'base64').length, 16);
    assert.equal(Buffer.from(hash!, 'base64').length, 32);
  });

  test('verify with the cost stored in the hash, so the default can change later', () => {
    const cheap = hashPassword('password1', { N: 1024, r: 8, p: 1 });
    assert.match(cheap, /^scrypt\$1024\$8\$1\$/);
    assert.equal(verifyPassword('password1', cheap), true);
    assert.equal(verifyPassword('password2', cheap), false);
  });

  test('verify off the main thread gives the same answers', async () => {
    const hash = hashPassword('password1', { N: 1024, r: 8, p: 1 });
    assert.equal(await verifyPasswordAsync('password1', hash), true);
    assert.equal(await verifyPasswordAsync('password2', hash), false);
  });

  test('a malformed hash matches no password instead of throwing', () => {
    for (const broken of ['', 'plain', 'bcrypt$1$2$3$4$5', 'scrypt$1000$8$1$c2FsdA==$aGFzaA==', 'scrypt$1024$8$1$$aGFzaA==']) {
      assert.equal(verifyPassword('password1', broken), false, broken);
    }
  });

  test('the hash used for unknown users matches nothing', () => {
    assert.equal(verifyPassword('', unmatchableHash), false);
    assert.equal(verifyPassword('password1', unmatchableHash), false);
  });
});
