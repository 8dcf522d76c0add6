// The switchboard's door: every request a phone must prove its password for
// (REGISTER at the registrar, INVITE from a phone) passes this one guard, so
// both share the realm, the offered algorithms, the stateless nonces, the
// nonce-count memory and, above all, one per-address lockout: a password
// guesser cannot get more tries by switching from REGISTER to INVITE.
//
// A registrar asks with 401 / WWW-Authenticate and reads Authorization; a
// proxy (our INVITE path: the switchboard routes the call on the phone's
// behalf) asks with 407 / Proxy-Authenticate and reads Proxy-Authorization
// (RFC 3261 22.2, 22.3). The digest rules are the same either way.
//
// Refusals follow RFC 3261 10.3 / 22: every request without credentials gets
// the same challenge, so an unknown extension is told apart from a wrong
// password only by a 403 after a full Digest exchange; an address that keeps
// failing is refused outright for the rest of its window (AuthLimiter).
// Time comes from the injected clock; the guard sends nothing and logs
// nothing: its callers answer and log in their own words.
import type { Phone, PhoneDirectory } from '../store/types.js';
import { AuthLimiter } from './auth-limiter.js';
import {
  algorithmOf,
  checkNonce,
  createNonce,
  DIGEST_ALGORITHMS,
  digestResponse,
  formatChallenge,
  newNonceSecret,
  parseAuthorization,
  sameDigest,
  type AuthCredentials,
  type DigestAlgorithm,
} from './digest.js';

/** How a request is asked for credentials, and where it carries them. */
export interface AuthAsker {
  status: 401 | 407;
  challengeHeader: 'WWW-Authenticate' | 'Proxy-Authenticate';
  credentialsHeader: 'Authorization' | 'Proxy-Authorization';
}

/** The registrar is the user agent server of a REGISTER (RFC 3261 22.2). */
export const AS_REGISTRAR: AuthAsker = { status: 401, challengeHeader: 'WWW-Authenticate', credentialsHeader: 'Authorization' };
/** The switchboard routes a phone's INVITE as a proxy would (RFC 3261 22.3). */
export const AS_PROXY: AuthAsker = { status: 407, challengeHeader: 'Proxy-Authenticate', credentialsHeader: 'Proxy-Authorization' };

/** What the guard reads from a request (drachtio-srf's SrfRequest has it all). */
export interface GuardedRequest {
  method: string;
  uri: string;
  source_address: string;
  get(name: string): string | undefined;
}

export type ChallengeReason = 'no credentials' | 'algorithm not offered' | 'stale nonce' | 'nonce not ours' | 'nonce count replayed';

export type RefusalReason =
  | 'address locked out'
  | 'incomplete credentials'
  | 'digest uri is not the request-URI'
  | 'unknown extension'
  | 'wrong password'
  | 'identity mismatch';

export type Admission =
  /** The phone proved its password: the request is this extension's. */
  | { kind: 'admitted'; phone: Phone }
  /** Ask (again): send `status` with `headers`. `stale` tells the phone its password was fine. */
  | { kind: 'challenge'; status: 401 | 407; headers: Record<string, string>; stale: boolean; reason: ChallengeReason }
  /**
   * No: send `status`. `counted` when this was a failed attempt at a password
   * (it counts towards the lockout); `lockedOutUntil` when this very failure
   * locked the address out.
   */
  | { kind: 'refused'; status: 400 | 403; reason: RefusalReason; extension?: string; counted: boolean; lockedOutUntil?: number };

export interface DigestGuardOptions {
  phones: PhoneDirectory;
  /** Digest realm phones are challenged with, e.g. "taxi.example". */
  realm: string;
  /**
   * Algorithms offered, one challenge header each, in this order. Default
   * ['MD5', 'SHA-256']: many phones (and SIPp) answer only the first challenge.
   */
  algorithms?: DigestAlgorithm[];
  /** How long a nonce may be used; older ones are challenged with stale=true. Default 5 min. */
  nonceLifetimeMs?: number;
  /** Failed attempts from one address that make it refused. Default 5. */
  authFailLimit?: number;
  /** The window those failures are counted in, and the refusal lasts. Default 60 s. */
  authFailWindowMs?: number;
  /** Clock in milliseconds since the epoch (tests inject one). Default Date.now. */
  now?: () => number;
}

const MAX_NONCE_COUNTS = 100_000;

export class DigestGuard {
  readonly realm: string;
  private readonly phones: PhoneDirectory;
  private readonly algorithms: DigestAlgorithm[];
  private readonly nonceLifetimeMs: number;
  private readonly now: () => number;
  private readonly secret = newNonceSecret();
  private readonly limiter: AuthLimiter;
  /** Highest nonce count accepted per nonce, to refuse replays. */
  private readonly nonceCounts = new Map<string, { nc: number; issuedAt: number }>();

  constructor(opts: DigestGuardOptions) {
    this.phones = opts.phones;
    this.realm = opts.realm;
    this.now = opts.now ?? Date.now;
    this.algorithms = [...(opts.algorithms ?? ['MD5', 'SHA-256'])];
    this.nonceLifetimeMs = opts.nonceLifetimeMs ?? 5 * 60_000;

    const problems: string[] = [];
    if (!this.realm || /["\\\r\n]/.test(this.realm)) problems.push(`realm must be a plain non-empty string, got ${JSON.stringify(this.realm)}`);
    if (this.algorithms.length === 0) problems.push('algorithms must name at least one of MD5, SHA-256');
    for (const a of this.algorithms) if (!DIGEST_ALGORITHMS.includes(a)) problems.push(`unsupported digest algorithm ${a}`);
    if (new Set(this.algorithms).size !== this.algorithms.length) problems.push('algorithms must not repeat');
    if (!(this.nonceLifetimeMs > 0)) problems.push(`nonceLifetimeMs must be positive, got ${this.nonceLifetimeMs}`);
    if (problems.length) throw new Error(`invalid digest options: ${problems.join('; ')}`);
    this.limiter = new AuthLimiter({ limit: opts.authFailLimit ?? 5, windowMs: opts.authFailWindowMs ?? 60_000 });
  }

  /**
   * Decides whether `req` carries a valid password proof of an existing
   * phone. `sameIdentity` is the caller's extra condition on the extension
   * (the registrar's: a phone registers only itself).
   */
  admit(req: GuardedRequest, asker: AuthAsker, sameIdentity: (extension: string) => boolean = () => true): Admission {
    const now = this.now();
    const address = req.source_address;
    if (this.limiter.isRefused(address, now)) return { kind: 'refused', status: 403, reason: 'address locked out', counted: false };

    const credentials = this.credentialsFor(req.get(asker.credentialsHeader));
    if (!credentials) return this.challenge(asker, false, 'no credentials');
    const p = credentials.params;
    const algorithm = algorithmOf(p.algorithm);
    if (!algorithm || !this.algorithms.includes(algorithm)) return this.challenge(asker, false, 'algorithm not offered');
    if (!p.username || !p.nonce || !p.uri || !p.response || p.qop?.toLowerCase() !== 'auth' || !/^[0-9a-f]{8}$/i.test(p.nc ?? '') || !p.cnonce) {
      return { kind: 'refused', status: 400, reason: 'incomplete credentials', counted: false };
    }
    // The digest covers the uri parameter: it must name this very request (RFC 7616 3.4.6).
    if (p.uri.toLowerCase() !== req.uri.toLowerCase()) {
      return { kind: 'refused', status: 400, reason: 'digest uri is not the request-URI', extension: p.username, counted: false };
    }

    const extension = p.username;
    const phone = this.phones.getPhone(extension);
    const identityHolds = sameIdentity(extension);
    // The digest is worked out even for an unknown extension, so the answer
    // takes as long either way and timing does not tell which ones exist.
    const expected = digestResponse({
      algorithm,
      username: extension,
      realm: this.realm,
      password: phone?.password ?? this.secret.toString('hex'),
      method: req.method,
      uri: p.uri,
      nonce: p.nonce,
      qop: 'auth',
      nc: p.nc!,
      cnonce: p.cnonce,
    });
    const correct = sameDigest(expected, p.response) && phone !== undefined && identityHolds;

    // A nonce that is too old, not ours (e.g. from before a restart), or
    // already used with this count: a new challenge, saying "stale" when the
    // password was right, so the phone retries at once without asking anyone.
    const verdict = checkNonce(this.secret, this.realm, p.nonce, now, this.nonceLifetimeMs);
    if (verdict.kind !== 'fresh') return this.challenge(asker, correct, verdict.kind === 'stale' ? 'stale nonce' : 'nonce not ours');
    const nc = parseInt(p.nc!, 16);
    const seen = this.nonceCounts.get(p.nonce);
    if (correct && seen && nc <= seen.nc) return this.challenge(asker, true, 'nonce count replayed');

    if (!correct) {
      const reason: RefusalReason = !phone ? 'unknown extension' : !identityHolds ? 'identity mismatch' : 'wrong password';
      const lockedOut = this.limiter.recordFailure(address, now);
      return {
        kind: 'refused',
        status: 403,
        reason,
        extension,
        counted: true,
        ...(lockedOut ? { lockedOutUntil: this.limiter.refusedUntil(address, now) } : {}),
      };
    }
    this.rememberNonceCount(p.nonce, nc, verdict.issuedAt);
    return { kind: 'admitted', phone: phone! };
  }

  /** Forgets closed lockout windows and the counts of expired nonces; call now and then. */
  prune(): void {
    const now = this.now();
    this.limiter.prune(now);
    for (const [nonce, seen] of this.nonceCounts) {
      if (now - seen.issuedAt > this.nonceLifetimeMs) this.nonceCounts.delete(nonce);
    }
  }

  /** The Digest credentials meant for our realm, if the request has any. */
  private credentialsFor(header: string | undefined): AuthCredentials | undefined {
    if (!header) return undefined;
    return parseAuthorization(header).find((c) => c.scheme.toLowerCase() === 'digest' && c.params.realm === this.realm);
  }

  private challenge(asker: AuthAsker, stale: boolean, reason: ChallengeReason): Admission {
    const nonce = createNonce(this.secret, this.realm, this.now());
    const challenges = this.algorithms.map((algorithm) => formatChallenge({ realm: this.realm, nonce, algorithm, stale }));
    // drachtio-srf folds a header given twice into one comma-separated line,
    // which RFC 3261 7.3.1 forbids for WWW-/Proxy-Authenticate: write real header lines.
    const headers = { [asker.challengeHeader]: challenges.join(`\r\n${asker.challengeHeader}: `) };
    return { kind: 'challenge', status: asker.status, headers, stale, reason };
  }

  private rememberNonceCount(nonce: string, nc: number, issuedAt: number): void {
    if (!this.nonceCounts.has(nonce) && this.nonceCounts.size >= MAX_NONCE_COUNTS) {
      const oldest = this.nonceCounts.keys().next().value;
      if (oldest !== undefined) this.nonceCounts.delete(oldest);
    }
    this.nonceCounts.set(nonce, { nc, issuedAt });
  }
}
