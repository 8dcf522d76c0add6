// The DigestGuard driven directly: INVITEs (asked as a proxy, 407) and
// REGISTERs (asked as a registrar, 401) with credentials worked out here from
// the challenges it hands out, and an injected clock.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { AS_PROXY, AS_REGISTRAR, DigestGuard, type Admission, type AuthAsker, type DigestGuardOptions, type GuardedRequest } from '../../source/switchboard/digest-guard.js';
import { digestResponse, parseAuthorization, type DigestAlgorithm } from '../../source/switchboard/digest.js';
import type { Phone } from '../../source/store/types.js';

const REALM = 'taxi.test';
const T0 = Date.UTC(2030, 0, 1, 8, 0, 0);
const SELF_TEST_URI = 'sip:*60@127.0.0.1:5060';
const LIFETIME_MS = 60_000;

function phone(extension: string, password: string): Phone {
  return { extension, password, displayName: `Desk ${extension}`, kind: 'desk', createdAt: '2030-01-01T00:00:00Z' };
}

function office(over: Partial<DigestGuardOptions> = {}) {
  const clock = { now: T0 };
  const directory = new Map([phone('201', 'kierowca'), phone('202', 'dyspozytor')].map((p) => [p.extension, p]));
  const guard = new DigestGuard({
    phones: { getPhone: (e) => directory.get(e) },
    realm: REALM,
    nonceLifetimeMs: LIFETIME_MS,
    now: () => clock.now,
    ...over,
  });
  return { guard, clock };
}

interface Call {
  method?: 'INVITE' | 'REGISTER';
  uri?: string;
  address?: string;
  headers?: Record<string, string>;
}

function request(c: Call = {}): GuardedRequest {
  const headers = Object.fromEntries(Object.entries(c.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  return { method: c.method ?? 'INVITE', uri: c.uri ?? SELF_TEST_URI, source_address: c.address ?? '192.0.2.10', get: (name) => headers[name.toLowerCase()] };
}

/** Every challenge in an answer, one per header line. */
function challengesOf(a: Admission, asker: AuthAsker = AS_PROXY): Array<Record<string, string>> {
  assert.equal(a.kind, 'challenge', JSON.stringify(a));
  const value = (a as Extract<Admission, { kind: 'challenge' }>).headers[asker.challengeHeader] ?? '';
  return value.split(`\r\n${asker.challengeHeader}: `).map((line) => parseAuthorization(line)[0]!.params);
}

interface Answer {
  username: string;
  password: string;
  algorithm: DigestAlgorithm;
  nonce: string;
  method?: string;
  uri?: string;
  nc?: string;
}

function credentials(o: Answer): string {
  const uri = o.uri ?? SELF_TEST_URI;
  const nc = o.nc ?? '00000001';
  const cnonce = randomBytes(4).toString('hex');
  const response = digestResponse({ algorithm: o.algorithm, username: o.username, realm: REALM, password: o.password, method: o.method ?? 'INVITE', uri, nonce: o.nonce, qop: 'auth', nc, cnonce });
  return `Digest username="${o.username}", realm="${REALM}", nonce="${o.nonce}", uri="${uri}", response="${response}", algorithm=${o.algorithm}, qop=auth, nc=${nc}, cnonce="${cnonce}"`;
}

/** A fresh nonce, as a phone gets it from the 407 to its first INVITE. */
function nonceFrom(guard: DigestGuard, algorithm: DigestAlgorithm = 'MD5'): string {
  const challenge = challengesOf(guard.admit(request(), AS_PROXY)).find((c) => c.algorithm === algorithm);
  assert.ok(challenge?.nonce, `no ${algorithm} challenge`);
  return challenge.nonce;
}

function expectShape(a: Admission, expected: Record<string, unknown>): void {
  const seen = a as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(expected)) assert.equal(seen[k], v, `${k} of ${JSON.stringify(a)}`);
}

describe('DigestGuard: INVITEs from phones (407)', () => {
  it('challenges an INVITE without credentials with one Proxy-Authenticate line per algorithm, MD5 first', () => {
    const { guard } = office();
    const a = guard.admit(request(), AS_PROXY);
    expectShape(a, { kind: 'challenge', status: 407, stale: false, reason: 'no credentials' });
    const challenges = challengesOf(a);
    assert.deepEqual(challenges.map((c) => [c.realm, c.algorithm, c.qop, c.stale]), [
      [REALM, 'MD5', 'auth', undefined],
      [REALM, 'SHA-256', 'auth', undefined],
    ]);
    assert.equal(challenges[0]!.nonce, challenges[1]!.nonce, 'one nonce for the whole challenge');
    assert.equal(Object.keys((a as Extract<Admission, { kind: 'challenge' }>).headers).join(), 'Proxy-Authenticate');
  });

  type Row = [name: string, make: (g: ReturnType<typeof office>, algorithm: DigestAlgorithm) => GuardedRequest, expected: Record<string, unknown>];
  const table: Row[] = [
    ['no credentials: 407', () => request(), { kind: 'challenge', status: 407, stale: false }],
    [
      'credentials in Authorization instead of Proxy-Authorization: 407',
      ({ guard }, algorithm) => request({ headers: { Authorization: credentials({ username: '201', password: 'kierowca', algorithm, nonce: nonceFrom(guard, algorithm) }) } }),
      { kind: 'challenge', status: 407, reason: 'no credentials' },
    ],
    [
      'the right password: the extension',
      ({ guard }, algorithm) => request({ headers: { 'Proxy-Authorization': credentials({ username: '201', password: 'kierowca', algorithm, nonce: nonceFrom(guard, algorithm) }) } }),
      { kind: 'admitted' },
    ],
    [
      'the right password on a nonce past its lifetime: 407 stale=true',
      (g, algorithm) => {
        const nonce = nonceFrom(g.guard, algorithm);
        g.clock.now += LIFETIME_MS + 1;
        return request({ headers: { 'Proxy-Authorization': credentials({ username: '201', password: 'kierowca', algorithm, nonce }) } });
      },
      { kind: 'challenge', status: 407, stale: true, reason: 'stale nonce' },
    ],
    [
      'the right password on a nonce it never issued: 407 stale=true',
      (_g, algorithm) => request({ headers: { 'Proxy-Authorization': credentials({ username: '201', password: 'kierowca', algorithm, nonce: 'f'.repeat(60) }) } }),
      { kind: 'challenge', status: 407, stale: true, reason: 'nonce not ours' },
    ],
    [
      'a wrong password on a stale nonce: 407 without stale (never a 403)',
      (g, algorithm) => {
        const nonce = nonceFrom(g.guard, algorithm);
        g.clock.now += LIFETIME_MS + 1;
        return request({ headers: { 'Proxy-Authorization': credentials({ username: '201', password: 'zgadywanka', algorithm, nonce }) } });
      },
      { kind: 'challenge', status: 407, stale: false },
    ],
    [
      'a wrong password: 403',
      ({ guard }, algorithm) => request({ headers: { 'Proxy-Authorization': credentials({ username: '201', password: 'zgadywanka', algorithm, nonce: nonceFrom(guard, algorithm) }) } }),
      { kind: 'refused', status: 403, reason: 'wrong password', extension: '201', counted: true },
    ],
    [
      'an extension that does not exist: 403',
      ({ guard }, algorithm) => request({ headers: { 'Proxy-Authorization': credentials({ username: '299', password: 'kierowca', algorithm, nonce: nonceFrom(guard, algorithm) }) } }),
      { kind: 'refused', status: 403, reason: 'unknown extension', counted: true },
    ],
    [
      'the same nonce count again (a replayed INVITE): 407 stale=true',
      ({ guard }, algorithm) => {
        const value = credentials({ username: '201', password: 'kierowca', algorithm, nonce: nonceFrom(guard, algorithm) });
        expectShape(guard.admit(request({ headers: { 'Proxy-Authorization': value } }), AS_PROXY), { kind: 'admitted' });
        return request({ headers: { 'Proxy-Authorization': value } });
      },
      { kind: 'challenge', status: 407, stale: true, reason: 'nonce count replayed' },
    ],
    [
      'the next nonce count on the same nonce: the extension',
      ({ guard }, algorithm) => {
        const nonce = nonceFrom(guard, algorithm);
        expectShape(guard.admit(request({ headers: { 'Proxy-Authorization': credentials({ username: '202', password: 'dyspozytor', algorithm, nonce }) } }), AS_PROXY), { kind: 'admitted' });
        return request({ headers: { 'Proxy-Authorization': credentials({ username: '202', password: 'dyspozytor', algorithm, nonce, nc: '00000002' }) } });
      },
      { kind: 'admitted' },
    ],
    [
      'credentials worked out for REGISTER replayed on an INVITE: 403',
      ({ guard }, algorithm) => request({ headers: { 'Proxy-Authorization': credentials({ username: '201', password: 'kierowca', algorithm, method: 'REGISTER', nonce: nonceFrom(guard, algorithm) }) } }),
      { kind: 'refused', status: 403, reason: 'wrong password' },
    ],
    [
      'credentials for another request-URI: 400',
      ({ guard }, algorithm) =>
        request({ uri: 'sip:202@127.0.0.1:5060', headers: { 'Proxy-Authorization': credentials({ username: '201', password: 'kierowca', algorithm, nonce: nonceFrom(guard, algorithm) }) } }),
      { kind: 'refused', status: 400, reason: 'digest uri is not the request-URI', counted: false },
    ],
  ];
  for (const algorithm of ['MD5', 'SHA-256'] as const) {
    for (const [name, make, expected] of table) {
      it(`${algorithm}: ${name}`, () => {
        const g = office();
        const a = g.guard.admit(make(g, algorithm), AS_PROXY);
        expectShape(a, expected);
        if (a.kind === 'admitted') assert.ok(['201', '202'].includes(a.phone.extension));
      });
    }
  }

  it('admits the extension named in the credentials, whatever the From header says', () => {
    const { guard } = office();
    const a = guard.admit(
      request({ headers: { From: '<sip:202@127.0.0.1>;tag=x', 'Proxy-Authorization': credentials({ username: '201', password: 'kierowca', algorithm: 'MD5', nonce: nonceFrom(guard) }) } }),
      AS_PROXY,
    );
    assert.equal(a.kind === 'admitted' && a.phone.extension, '201');
  });

  it('refuses credentials without qop, nc or cnonce with 400, not counted as a guess', () => {
    const { guard } = office();
    const a = guard.admit(
      request({ headers: { 'Proxy-Authorization': `Digest username="201", realm="${REALM}", nonce="${nonceFrom(guard)}", uri="${SELF_TEST_URI}", response="${'0'.repeat(32)}"` } }),
      AS_PROXY,
    );
    expectShape(a, { kind: 'refused', status: 400, reason: 'incomplete credentials', counted: false });
  });

  it('challenges an algorithm it did not offer', () => {
    const { guard } = office({ algorithms: ['SHA-256'] });
    const nonce = nonceFrom(guard, 'SHA-256');
    const a = guard.admit(request({ headers: { 'Proxy-Authorization': credentials({ username: '201', password: 'kierowca', algorithm: 'MD5', nonce }) } }), AS_PROXY);
    expectShape(a, { kind: 'challenge', status: 407, reason: 'algorithm not offered' });
    assert.deepEqual(challengesOf(a).map((c) => c.algorithm), ['SHA-256']);
  });
});

describe('DigestGuard: one lockout for REGISTER and INVITE', () => {
  const wrongInvite = (guard: DigestGuard, address: string) =>
    guard.admit(request({ address, headers: { 'Proxy-Authorization': credentials({ username: '201', password: 'zgadywanka', algorithm: 'MD5', nonce: nonceFrom(guard) }) } }), AS_PROXY);
  const wrongRegister = (guard: DigestGuard, address: string) =>
    guard.admit(
      request({ method: 'REGISTER', uri: 'sip:127.0.0.1:5060', address, headers: { Authorization: credentials({ username: '201', password: 'zgadywanka', algorithm: 'MD5', method: 'REGISTER', uri: 'sip:127.0.0.1:5060', nonce: nonceFrom(guard) }) } }),
      AS_REGISTRAR,
    );

  it('counts failed INVITEs and REGISTERs from one address together, then refuses even the right password', () => {
    const { guard, clock } = office({ authFailLimit: 3, authFailWindowMs: 60_000 });
    expectShape(wrongRegister(guard, '192.0.2.66'), { status: 403, counted: true, lockedOutUntil: undefined });
    expectShape(wrongInvite(guard, '192.0.2.66'), { status: 403, counted: true, lockedOutUntil: undefined });
    expectShape(wrongInvite(guard, '192.0.2.66'), { status: 403, counted: true, lockedOutUntil: T0 + 60_000 });

    const right = (address: string) =>
      guard.admit(request({ address, headers: { 'Proxy-Authorization': credentials({ username: '201', password: 'kierowca', algorithm: 'MD5', nonce: nonceFrom(guard) }) } }), AS_PROXY);
    expectShape(right('192.0.2.66'), { kind: 'refused', status: 403, reason: 'address locked out', counted: false });
    expectShape(guard.admit(request({ address: '192.0.2.66' }), AS_PROXY), { kind: 'refused', status: 403, reason: 'address locked out' });
    expectShape(right('192.0.2.67'), { kind: 'admitted' });

    clock.now += 60_000;
    expectShape(right('192.0.2.66'), { kind: 'admitted' });
  });

  it('asks a REGISTER as a registrar: 401 with WWW-Authenticate lines', () => {
    const { guard } = office();
    const a = guard.admit(request({ method: 'REGISTER', uri: 'sip:127.0.0.1:5060' }), AS_REGISTRAR);
    expectShape(a, { kind: 'challenge', status: 401 });
    assert.deepEqual(challengesOf(a, AS_REGISTRAR).map((c) => c.algorithm), ['MD5', 'SHA-256']);
  });

  it('applies the registrar\'s identity condition', () => {
    const { guard } = office();
    const value = credentials({ username: '201', password: 'kierowca', algorithm: 'MD5', method: 'REGISTER', uri: 'sip:127.0.0.1:5060', nonce: nonceFrom(guard) });
    const a = guard.admit(request({ method: 'REGISTER', uri: 'sip:127.0.0.1:5060', headers: { Authorization: value } }), AS_REGISTRAR, (e) => e === '202');
    expectShape(a, { kind: 'refused', status: 403, reason: 'identity mismatch', counted: true });
  });

  it('keeps live lockouts and nonce counts when pruned', () => {
    const { guard, clock } = office({ authFailLimit: 1, authFailWindowMs: 10_000 });
    const value = credentials({ username: '201', password: 'kierowca', algorithm: 'MD5', nonce: nonceFrom(guard) });
    expectShape(guard.admit(request({ headers: { 'Proxy-Authorization': value } }), AS_PROXY), { kind: 'admitted' });
    expectShape(wrongInvite(guard, '192.0.2.66'), { lockedOutUntil: T0 + 10_000 });
    clock.now += 5_000;
    guard.prune();
    expectShape(guard.admit(request({ headers: { 'Proxy-Authorization': value } }), AS_PROXY), { kind: 'challenge', stale: true, reason: 'nonce count replayed' });
    expectShape(guard.admit(request({ address: '192.0.2.66' }), AS_PROXY), { kind: 'refused', reason: 'address locked out' });
    clock.now += 5_000;
    guard.prune();
    expectShape(guard.admit(request({ address: '192.0.2.66' }), AS_PROXY), { kind: 'challenge', reason: 'no credentials' });
  });

  it('refuses options that make no sense', () => {
    assert.throws(() => office({ realm: '' }), /realm/);
    assert.throws(() => office({ algorithms: [] }), /at least one/);
    assert.throws(() => office({ algorithms: ['MD5', 'MD5'] }), /repeat/);
    assert.throws(() => office({ nonceLifetimeMs: 0 }), /nonceLifetimeMs/);
  });
});
