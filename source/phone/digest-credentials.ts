// The client side of SIP digest authentication (RFC 7616, RFC 3261 22):
// read the challenges of a 401/407 (several may come joined in one header
// value, MD5 and SHA-256 side by side), pick the strongest we can answer,
// and write the Authorization value for one request. The hashing is the
// registrar's own (source/switchboard/digest.ts), so both sides agree by
// construction. drachtio-srf's built-in `auth` option answers MD5 only and
// misreads two joined challenges, hence this module.
import { randomBytes } from 'node:crypto';
import { algorithmOf, digestResponse, parseAuthorization, type DigestAlgorithm } from '../switchboard/digest.js';

export interface DigestChallenge {
  algorithm: DigestAlgorithm;
  realm: string;
  nonce: string;
  opaque?: string;
  /** Whether the server offered qop=auth (else the RFC 2069 form is used). */
  qopAuth: boolean;
  stale: boolean;
}

/** Preference when a server offers several: the stronger hash first. */
const PREFERENCE: readonly DigestAlgorithm[] = ['SHA-256', 'MD5'];

/**
 * The challenges in a WWW-Authenticate / Proxy-Authenticate value that we can
 * answer, strongest first. Unknown algorithms, other schemes and challenges
 * without a nonce are left out; never throws.
 */
export function readChallenges(headerValue: string | undefined): DigestChallenge[] {
  if (!headerValue) return [];
  const out: DigestChallenge[] = [];
  for (const c of parseAuthorization(headerValue)) {
    if (c.scheme.toLowerCase() !== 'digest') continue;
    const algorithm = algorithmOf(c.params.algorithm);
    const { realm, nonce } = c.params;
    if (!algorithm || realm === undefined || !nonce) continue;
    const qop = (c.params.qop ?? '').split(',').map((q) => q.trim().toLowerCase());
    out.push({ algorithm, realm, nonce, opaque: c.params.opaque, qopAuth: qop.includes('auth'), stale: c.params.stale?.toLowerCase() === 'true' });
  }
  return out.sort((a, b) => PREFERENCE.indexOf(a.algorithm) - PREFERENCE.indexOf(b.algorithm));
}

export interface Credentials {
  username: string;
  password: string;
}

/** The Authorization (or Proxy-Authorization) value answering `challenge` for `method uri`. */
export function authorizationValue(challenge: DigestChallenge, credentials: Credentials, method: string, uri: string, nonceCount = 1): string {
  const nc = nonceCount.toString(16).padStart(8, '0');
  const cnonce = randomBytes(8).toString('hex');
  const response = digestResponse({
    algorithm: challenge.algorithm,
    username: credentials.username,
    realm: challenge.realm,
    password: credentials.password,
    method,
    uri,
    nonce: challenge.nonce,
    ...(challenge.qopAuth ? { qop: 'auth' as const, nc, cnonce } : {}),
  });
  const parts = [
    `username="${quote(credentials.username)}"`,
    `realm="${quote(challenge.realm)}"`,
    `nonce="${quote(challenge.nonce)}"`,
    `uri="${quote(uri)}"`,
    `response="${response}"`,
    `algorithm=${challenge.algorithm}`,
  ];
  if (challenge.qopAuth) parts.push('qop=auth', `nc=${nc}`, `cnonce="${cnonce}"`);
  if (challenge.opaque !== undefined) parts.push(`opaque="${quote(challenge.opaque)}"`);
  return `Digest ${parts.join(', ')}`;
}

function quote(text: string): string {
  return text.replace(/(["\\])/g, '\\$1');
}
