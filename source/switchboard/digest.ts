// HTTP Digest authentication for SIP registrations (RFC 2617 and RFC 7616,
// qop=auth, MD5 and SHA-256) as pure functions: challenges, reading the
// Authorization header, computing the expected response, and stateless nonces.
//
// A nonce carries the time it was issued and an HMAC over that time with a
// per-process secret, so the registrar keeps no table of issued nonces: it can
// tell its own fresh nonces from stale ones and from made-up ones by looking
// at the nonce alone. A restart changes the secret; phones holding an old
// nonce are simply challenged again.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type DigestAlgorithm = 'MD5' | 'SHA-256';
export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = ['MD5', 'SHA-256'];

const HASH_NAME: Record<DigestAlgorithm, string> = { MD5: 'md5', 'SHA-256': 'sha256' };

export function hashHex(algorithm: DigestAlgorithm, text: string): string {
  return createHash(HASH_NAME[algorithm]).update(text, 'utf8').digest('hex');
}

/** The algorithm a credential names; absent means MD5 (RFC 7616 3.3). Undefined when unsupported. */
export function algorithmOf(param: string | undefined): DigestAlgorithm | undefined {
  if (param === undefined || param === '') return 'MD5';
  const upper = param.toUpperCase();
  return DIGEST_ALGORITHMS.find((a) => a === upper);
}

export interface DigestInput {
  algorithm: DigestAlgorithm;
  username: string;
  realm: string;
  password: string;
  method: string;
  uri: string;
  nonce: string;
  /** With qop=auth: nonce count (8 hex digits) and client nonce. Without qop: RFC 2069 form. */
  qop?: 'auth';
  nc?: string;
  cnonce?: string;
}

/** The `response` a client with the right password sends (RFC 7616 3.4.1). */
export function digestResponse(input: DigestInput): string {
  const h = (text: string) => hashHex(input.algorithm, text);
  const ha1 = h(`${input.username}:${input.realm}:${input.password}`);
  const ha2 = h(`${input.method}:${input.uri}`);
  if (input.qop === 'auth') return h(`${ha1}:${input.nonce}:${input.nc ?? ''}:${input.cnonce ?? ''}:auth:${ha2}`);
  return h(`${ha1}:${input.nonce}:${ha2}`);
}

/** Compares two hex digests without leaking where they differ. */
export function sameDigest(expected: string, received: string): boolean {
  const a = Buffer.from(expected.toLowerCase(), 'utf8');
  const b = Buffer.from(received.toLowerCase(), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** One `WWW-Authenticate` value. */
export function formatChallenge(c: { realm: string; nonce: string; algorithm: DigestAlgorithm; stale?: boolean }): string {
  return (
    `Digest realm="${quote(c.realm)}", nonce="${c.nonce}", algorithm=${c.algorithm}, qop="auth"` +
    (c.stale ? ', stale=true' : '')
  );
}

function quote(text: string): string {
  return text.replace(/(["\\])/g, '\\$1');
}

export interface AuthCredentials {
  /** The scheme as sent, e.g. "Digest". */
  scheme: string;
  /** Parameter names in lower case, values unquoted. */
  params: Record<string, string>;
}

const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

/**
 * Reads an Authorization header value. Several credentials may come joined
 * by commas (drachtio-srf joins repeated headers that way), so each scheme
 * token that is not followed by `=` starts a new credential. Never throws:
 * what cannot be read is left out.
 */
export function parseAuthorization(value: string): AuthCredentials[] {
  const out: AuthCredentials[] = [];
  let i = 0;
  const n = value.length;
  const skipSpace = () => {
    while (i < n && /\s/.test(value[i]!)) i++;
  };
  const token = () => {
    const start = i;
    while (i < n && TOKEN.test(value[i]!)) i++;
    return value.slice(start, i);
  };
  let current: AuthCredentials | undefined;
  while (i < n) {
    skipSpace();
    if (value[i] === ',') {
      i++;
      continue;
    }
    const name = token();
    if (!name) {
      i++; // a stray character: skip it
      continue;
    }
    skipSpace();
    if (value[i] !== '=') {
      current = { scheme: name, params: {} };
      out.push(current);
      continue;
    }
    i++;
    skipSpace();
    let v = '';
    if (value[i] === '"') {
      i++;
      while (i < n && value[i] !== '"') {
        if (value[i] === '\\' && i + 1 < n) i++;
        v += value[i];
        i++;
      }
      i++; // closing quote
    } else {
      const start = i;
      while (i < n && value[i] !== ',' && !/\s/.test(value[i]!)) i++;
      v = value.slice(start, i);
    }
    if (current) current.params[name.toLowerCase()] = v;
  }
  return out;
}

// ------------------------------------------------------------------ nonces

const NONCE_PATTERN = /^([0-9a-f]{12})([0-9a-f]{16})([0-9a-f]{32})$/;

export type NonceVerdict =
  /** Issued by this process, within its lifetime. */
  | { kind: 'fresh'; issuedAt: number }
  /** Issued by this process, but older than its lifetime. */
  | { kind: 'stale'; issuedAt: number }
  /** Not ours: made up, altered, or from before a restart. */
  | { kind: 'foreign' };

function nonceMac(secret: Buffer, realm: string, stamp: string, salt: string): string {
  return createHmac('sha256', secret).update(`${stamp}${salt}:${realm}`).digest('hex').slice(0, 32);
}

/** A per-process secret for nonces. */
export function newNonceSecret(): Buffer {
  return randomBytes(32);
}

/** A fresh nonce: issue time (ms, hex), 8 random bytes, and a MAC over both and the realm. */
export function createNonce(secret: Buffer, realm: string, now: number): string {
  const stamp = Math.max(0, Math.floor(now)).toString(16).padStart(12, '0').slice(-12);
  const salt = randomBytes(8).toString('hex');
  return `${stamp}${salt}${nonceMac(secret, realm, stamp, salt)}`;
}

/** Whether a nonce is ours and still young enough to be used. */
export function checkNonce(secret: Buffer, realm: string, nonce: string, now: number, lifetimeMs: number): NonceVerdict {
  const m = NONCE_PATTERN.exec(nonce);
  if (!m) return { kind: 'foreign' };
  const [, stamp, salt, mac] = m as unknown as [string, string, string, string];
  if (!sameDigest(nonceMac(secret, realm, stamp, salt), mac)) return { kind: 'foreign' };
  const issuedAt = parseInt(stamp, 16);
  // A nonce from the future was not issued by this clock.
  if (issuedAt > now) return { kind: 'foreign' };
  return now - issuedAt > lifetimeMs ? { kind: 'stale', issuedAt } : { kind: 'fresh', issuedAt };
}
