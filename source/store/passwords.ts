// Password hashing for console users: scrypt with a random salt, stored as
// `scrypt$N$r$p$salt$hash` (salt and hash base64) so the cost can be raised
// later without invalidating existing hashes. SIP passwords are not hashed
// here: digest authentication needs them in clear (see phones.ts).
import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';

export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

// 32 MiB and about 60-120 ms per hash. Verification is synchronous in the
// UserDirectory interface and so blocks the event loop for that long; higher
// costs would stall the switchboard's SIP handling on every login.
export const defaultCost: ScryptCost = { N: 2 ** 15, r: 8, p: 1 };
const saltBytes = 16;
const hashBytes = 32;
// Enough for N=2^17 stored by a future version: scrypt needs 128*N*r bytes.
const maxmem = 256 * 1024 * 1024;

export function hashPassword(password: string, cost: ScryptCost = defaultCost): string {
  const salt = randomBytes(saltBytes);
  const hash = scryptSync(password.normalize('NFC'), salt, hashBytes, { ...cost, maxmem });
  return encode(cost, salt, hash);
}

/** True when the password matches the encoded hash; false for a wrong password or a malformed hash. */
export function verifyPassword(password: string, encoded: string): boolean {
  const parsed = decode(encoded);
  if (!parsed) return false;
  const actual = scryptSync(password.normalize('NFC'), parsed.salt, parsed.hash.length, { ...parsed.cost, maxmem });
  return timingSafeEqual(actual, parsed.hash);
}

/** verifyPassword off the main thread (libuv pool), for servers that must keep answering meanwhile. */
export async function verifyPasswordAsync(password: string, encoded: string): Promise<boolean> {
  const parsed = decode(encoded);
  if (!parsed) return false;
  const actual = await new Promise<Buffer>((resolve, reject) =>
    scrypt(password.normalize('NFC'), parsed.salt, parsed.hash.length, { ...parsed.cost, maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
  return timingSafeEqual(actual, parsed.hash);
}

/**
 * A hash no password matches, with the default cost: verifying against it takes
 * as long as verifying a real user, so a login attempt for an unknown user
 * cannot be told apart by its response time. Random, not derived: nothing to
 * compute at startup.
 */
export const unmatchableHash = encode(defaultCost, randomBytes(saltBytes), randomBytes(hashBytes));

function encode(cost: ScryptCost, salt: Buffer, hash: Buffer): string {
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

function decode(encoded: string): { cost: ScryptCost; salt: Buffer; hash: Buffer } | undefined {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = parts.slice(1, 4).map((part) => (/^\d{1,10}$/.test(part) ? Number(part) : NaN)) as [
    number,
    number,
    number,
  ];
  const salt = Buffer.from(parts[4]!, 'base64');
  const hash = Buffer.from(parts[5]!, 'base64');
  // N must be a power of two above 1; scrypt itself would throw otherwise.
  if (!(N > 1 && (N & (N - 1)) === 0 && r > 0 && p > 0) || salt.length === 0 || hash.length === 0) return undefined;
  return { cost: { N, r, p }, salt, hash };
}
