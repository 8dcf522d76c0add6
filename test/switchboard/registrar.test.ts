// The Registrar driven directly: fake REGISTER requests and responses, a
// fake srf that records OPTIONS pings and lets the test answer them, an
// injected clock and explicit sweep() calls instead of timers.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type Srf from 'drachtio-srf';
import { pino } from 'pino';
import { digestResponse, parseAuthorization, type DigestAlgorithm } from '../../source/switchboard/digest.js';
import { Registrar, type RegistrarOptions, type RegisterRequest } from '../../source/switchboard/registrar.js';
import type { RegistrationState } from '../../source/switchboard/registration-state.js';
import type { Phone } from '../../source/store/types.js';

const REALM = 'taxi.test';
const T0 = Date.UTC(2030, 0, 1, 8, 0, 0);

function phone(extension: string, password: string): Phone {
  return { extension, password, displayName: `Desk ${extension}`, kind: 'desk', createdAt: '2030-01-01T00:00:00Z' };
}

interface Sent {
  status: number;
  headers: Record<string, string>;
}

interface Ping {
  uri: string;
  proxy: string | undefined;
  headers: Record<string, string>;
  /** Delivers a final response as the SIP server would pass it on. */
  answer(status: number): void;
  /** The server said NOK (e.g. the phone's host cannot be resolved). */
  fail(message: string, code?: string): void;
}

class FakeSrf {
  readonly pings: Ping[] = [];
  request(uri: string, opts: { method: string; proxy?: string; headers?: Record<string, string> }, cb: Function): void {
    assert.equal(opts.method, 'OPTIONS');
    let onResponse: ((res: { status: number }) => void) | undefined;
    const sent = { on: (_event: string, fn: (res: { status: number }) => void) => (onResponse = fn) };
    this.pings.push({
      uri,
      proxy: opts.proxy,
      headers: opts.headers ?? {},
      answer: (status) => {
        if (!onResponse) cb(null, sent);
        onResponse!({ status });
      },
      fail: (message, code = 'EDRACHTIO') => cb(Object.assign(new Error(message), { code })),
    });
  }
}

interface Harness {
  registrar: Registrar;
  srf: FakeSrf;
  clock: { now: number };
  logLines: () => Array<Record<string, unknown>>;
  changes: Array<[string, RegistrationState]>;
  /** Sends one REGISTER and returns the answer. */
  send(req: Partial<FakeRegister>): Sent;
  /** The whole exchange a phone does: REGISTER, 401, REGISTER with credentials. */
  register(opts?: PhoneOpts): { challenge: Sent; final: Sent };
}

interface FakeRegister {
  uri: string;
  source_address: string;
  source_port: number;
  protocol: string;
  headers: Record<string, string>;
}

interface PhoneOpts {
  extension?: string;
  username?: string;
  password?: string;
  contact?: string;
  expires?: string;
  address?: string;
  port?: number;
  protocol?: string;
  algorithm?: DigestAlgorithm;
  extraHeaders?: Record<string, string>;
}

function harness(over: Partial<RegistrarOptions> = {}, phones: Phone[] = [phone('201', 'kierowca'), phone('202', 'dyspozytor')]): Harness {
  const clock = { now: T0 };
  const srf = new FakeSrf();
  const lines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  const directory = new Map(phones.map((p) => [p.extension, p]));
  const registrar = new Registrar({
    srf: srf as unknown as Srf,
    phones: { getPhone: (extension) => directory.get(extension) },
    realm: REALM,
    log,
    now: () => clock.now,
    ...over,
  });
  const changes: Array<[string, RegistrationState]> = [];
  registrar.on('change', (extension: string, state: RegistrationState) => changes.push([extension, state]));

  const send = (r: Partial<FakeRegister>): Sent => {
    const headers = Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    const req: RegisterRequest = {
      method: 'REGISTER',
      uri: r.uri ?? 'sip:127.0.0.1:5060',
      source_address: r.source_address ?? '192.0.2.10',
      source_port: r.source_port ?? 40000,
      protocol: r.protocol ?? 'udp',
      get: (name) => headers[name.toLowerCase()],
    };
    const answers: Sent[] = [];
    registrar.handleRegister(req, {
      send: (status, opts) => void answers.push({ status, headers: opts?.headers ?? {} }),
    });
    assert.equal(answers.length, 1, 'exactly one answer per REGISTER');
    return answers[0]!;
  };

  const register = (o: PhoneOpts = {}) => {
    const extension = o.extension ?? '201';
    const base: Partial<FakeRegister> = {
      source_address: o.address ?? '192.0.2.10',
      source_port: o.port ?? 40000,
      protocol: o.protocol ?? 'udp',
      headers: {
        From: `<sip:${extension}@${REALM}>;tag=f1`,
        To: `<sip:${extension}@${REALM}>`,
        Contact: o.contact ?? `<sip:${extension}@10.0.0.5:5062>`,
        ...(o.expires !== undefined ? { Expires: o.expires } : {}),
        ...o.extraHeaders,
      },
    };
    const challenge = send(base);
    if (challenge.status !== 401) return { challenge, final: challenge };
    const authorization = answerChallenge(challenge, {
      username: o.username ?? extension,
      password: o.password ?? 'kierowca',
      algorithm: o.algorithm ?? 'MD5',
    });
    const final = send({ ...base, headers: { ...base.headers, Authorization: authorization } });
    return { challenge, final };
  };

  return {
    registrar,
    srf,
    clock,
    changes,
    logLines: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    send,
    register,
  };
}

/** The challenges of a 401, one per WWW-Authenticate line. */
function challengesOf(res: Sent): Array<Record<string, string>> {
  const value = res.headers['WWW-Authenticate'] ?? '';
  return value.split(/\r\nWWW-Authenticate: /).map((line) => parseAuthorization(line)[0]!.params);
}

function answerChallenge(
  res: Sent,
  o: { username: string; password: string; algorithm: DigestAlgorithm; uri?: string; nc?: string; nonce?: string },
): string {
  const challenge = challengesOf(res).find((c) => (c.algorithm ?? 'MD5') === o.algorithm);
  assert.ok(challenge, `no ${o.algorithm} challenge in ${JSON.stringify(res.headers)}`);
  return credentials({ ...o, nonce: o.nonce ?? challenge.nonce! });
}

function credentials(o: { username: string; password: string; algorithm: DigestAlgorithm; nonce: string; uri?: string; nc?: string; realm?: string }): string {
  const uri = o.uri ?? 'sip:127.0.0.1:5060';
  const nc = o.nc ?? '00000001';
  const cnonce = randomBytes(4).toString('hex');
  const response = digestResponse({
    algorithm: o.algorithm,
    username: o.username,
    realm: o.realm ?? REALM,
    password: o.password,
    method: 'REGISTER',
    uri,
    nonce: o.nonce,
    qop: 'auth',
    nc,
    cnonce,
  });
  return `Digest username="${o.username}", realm="${o.realm ?? REALM}", nonce="${o.nonce}", uri="${uri}", response="${response}", algorithm=${o.algorithm}, qop=auth, nc=${nc}, cnonce="${cnonce}"`;
}

describe('Registrar: Digest authentication', () => {
  it('challenges a REGISTER without credentials with MD5 first, then SHA-256, both qop=auth', () => {
    const h = harness();
    const res = h.send({ headers: { From: '<sip:201@taxi.test>', To: '<sip:201@taxi.test>', Contact: '<sip:201@10.0.0.5>' } });
    assert.equal(res.status, 401);
    const challenges = challengesOf(res);
    assert.deepEqual(challenges.map((c) => [c.realm, c.algorithm, c.qop, c.stale]), [
      [REALM, 'MD5', 'auth', undefined],
      [REALM, 'SHA-256', 'auth', undefined],
    ]);
    assert.equal(h.registrar.state('201'), 'none');
  });

  it('offers the algorithms in the configured order', () => {
    const h = harness({ algorithms: ['SHA-256'] });
    const { challenge, final } = h.register({ algorithm: 'SHA-256' });
    assert.deepEqual(challengesOf(challenge).map((c) => c.algorithm), ['SHA-256']);
    assert.equal(final.status, 200);
  });

  it('registers a phone that answers the MD5 challenge with the right password', () => {
    const h = harness();
    const { final } = h.register({ expires: '120' });
    assert.equal(final.status, 200);
    assert.equal(final.headers.Contact, '<sip:201@10.0.0.5:5062>;expires=120');
    assert.equal(final.headers.Date, 'Tue, 01 Jan 2030 08:00:00 GMT');
    assert.equal(h.registrar.state('201'), 'registered');
    assert.deepEqual(h.changes, [['201', 'registered']]);
    assert.deepEqual(h.registrar.bindings('201'), [
      {
        extension: '201',
        contact: 'sip:201@10.0.0.5:5062',
        source: { transport: 'udp', address: '192.0.2.10', port: 40000 },
        expiresAt: T0 + 120_000,
        reachable: true,
      },
    ]);
  });

  it('registers a phone that answers the SHA-256 challenge', () => {
    const h = harness();
    assert.equal(h.register({ algorithm: 'SHA-256' }).final.status, 200);
    assert.equal(h.registrar.state('201'), 'registered');
  });

  it('challenges an unknown extension like any other, then refuses it with 403', () => {
    const h = harness();
    const { challenge, final } = h.register({ extension: '999' });
    assert.equal(challenge.status, 401);
    assert.equal(final.status, 403);
    assert.equal(h.registrar.state('999'), 'none');
  });

  it('refuses a wrong password with 403 and never logs a password', () => {
    const h = harness();
    assert.equal(h.register({ password: 'zgadywanka' }).final.status, 403);
    assert.equal(h.registrar.state('201'), 'none');
    assert.equal(h.register().final.status, 200);
    const text = JSON.stringify(h.logLines());
    assert.doesNotMatch(text, /kierowca|zgadywanka/);
    assert.ok(h.logLines().some((l) => l.msg === 'registration refused' && l.reason === 'wrong password'));
  });

  it('refuses credentials for an extension other than the one in To and From', () => {
    const h = harness();
    const res = h.register({ extension: '202', username: '201', password: 'kierowca' });
    assert.equal(res.final.status, 403);
    assert.equal(h.registrar.state('202'), 'none');
    assert.equal(h.registrar.state('201'), 'none');
  });

  it('answers a stale nonce with a new challenge marked stale=true when the password was right', () => {
    const h = harness({ nonceLifetimeMs: 60_000 });
    const first = h.send({ headers: { From: '<sip:201@taxi.test>', To: '<sip:201@taxi.test>', Contact: '<sip:201@10.0.0.5>' } });
    h.clock.now += 60_001;
    const headers = {
      From: '<sip:201@taxi.test>',
      To: '<sip:201@taxi.test>',
      Contact: '<sip:201@10.0.0.5>',
      Authorization: answerChallenge(first, { username: '201', password: 'kierowca', algorithm: 'MD5' }),
    };
    const stale = h.send({ headers });
    assert.equal(stale.status, 401);
    assert.deepEqual(challengesOf(stale).map((c) => c.stale), ['true', 'true']);
    assert.equal(h.registrar.state('201'), 'none');

    const wrong = h.send({
      headers: { ...headers, Authorization: answerChallenge(first, { username: '201', password: 'nie', algorithm: 'MD5' }) },
    });
    assert.equal(wrong.status, 401, 'a stale nonce is never a 403');
    assert.deepEqual(challengesOf(wrong).map((c) => c.stale), [undefined, undefined]);
  });

  it('answers a nonce it never issued (say, before a restart) with a stale challenge when the password was right', () => {
    const h = harness();
    const other = harness();
    const foreign = other.send({ headers: { From: '<sip:201@taxi.test>', To: '<sip:201@taxi.test>' } });
    const res = h.send({
      headers: {
        From: '<sip:201@taxi.test>',
        To: '<sip:201@taxi.test>',
        Contact: '<sip:201@10.0.0.5>',
        Authorization: answerChallenge(foreign, { username: '201', password: 'kierowca', algorithm: 'MD5' }),
      },
    });
    assert.equal(res.status, 401);
    assert.equal(challengesOf(res)[0]!.stale, 'true');
  });

  it('takes each nonce count once: a replayed Authorization gets a stale challenge', () => {
    const h = harness();
    const challenge = h.send({ headers: { From: '<sip:201@taxi.test>', To: '<sip:201@taxi.test>' } });
    const nonce = challengesOf(challenge)[0]!.nonce!;
    const headers = (nc: string) => ({
      From: '<sip:201@taxi.test>',
      To: '<sip:201@taxi.test>',
      Contact: '<sip:201@10.0.0.5>',
      Authorization: credentials({ username: '201', password: 'kierowca', algorithm: 'MD5', nonce, nc }),
    });
    assert.equal(h.send({ headers: headers('00000001') }).status, 200);
    const replay = h.send({ headers: headers('00000001') });
    assert.equal(replay.status, 401);
    assert.equal(challengesOf(replay)[0]!.stale, 'true');
    assert.equal(h.send({ headers: headers('00000002') }).status, 200, 'the next count is fine');
  });

  it('refuses credentials whose uri is not the request-URI with 400', () => {
    const h = harness();
    const challenge = h.send({ headers: { From: '<sip:201@taxi.test>', To: '<sip:201@taxi.test>' } });
    const res = h.send({
      headers: {
        From: '<sip:201@taxi.test>',
        To: '<sip:201@taxi.test>',
        Authorization: answerChallenge(challenge, { username: '201', password: 'kierowca', algorithm: 'MD5', uri: 'sip:elsewhere.test' }),
      },
    });
    assert.equal(res.status, 400);
  });

  it('refuses credentials without qop, nc or cnonce with 400', () => {
    const h = harness();
    const challenge = h.send({ headers: { From: '<sip:201@taxi.test>', To: '<sip:201@taxi.test>' } });
    const nonce = challengesOf(challenge)[0]!.nonce!;
    const res = h.send({
      headers: {
        From: '<sip:201@taxi.test>',
        To: '<sip:201@taxi.test>',
        Authorization: `Digest username="201", realm="${REALM}", nonce="${nonce}", uri="sip:127.0.0.1:5060", response="${'0'.repeat(32)}"`,
      },
    });
    assert.equal(res.status, 400);
  });

  it('challenges credentials for another realm or an algorithm it did not offer', () => {
    const h = harness({ algorithms: ['MD5'] });
    const challenge = h.send({ headers: { From: '<sip:201@taxi.test>', To: '<sip:201@taxi.test>' } });
    const nonce = challengesOf(challenge)[0]!.nonce!;
    for (const authorization of [
      credentials({ username: '201', password: 'kierowca', algorithm: 'MD5', nonce, realm: 'elsewhere' }),
      credentials({ username: '201', password: 'kierowca', algorithm: 'SHA-256', nonce }),
    ]) {
      const res = h.send({ headers: { From: '<sip:201@taxi.test>', To: '<sip:201@taxi.test>', Authorization: authorization } });
      assert.equal(res.status, 401);
    }
  });
});

describe('Registrar: refusing an address that keeps failing', () => {
  it('refuses every REGISTER from an address with 403 once it failed authFailLimit times, then forgives it', () => {
    const h = harness({ authFailLimit: 3, authFailWindowMs: 60_000 });
    for (let i = 0; i < 3; i++) assert.equal(h.register({ password: 'zle' }).final.status, 403);
    const locked = h.register();
    assert.equal(locked.challenge.status, 403, 'no challenge any more: 403 at once');
    assert.equal(h.registrar.state('201'), 'none');

    const warnings = h.logLines().filter((l) => l.msg === 'registration attempts refused');
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.level, 40);
    assert.equal(warnings[0]!.address, '192.0.2.10');

    assert.equal(h.register({ address: '192.0.2.11' }).final.status, 200, 'another address is not affected');

    h.clock.now += 60_000;
    assert.equal(h.register().final.status, 200, 'a new window');
  });

  it('counts unknown extensions, and a success does not wipe the failures', () => {
    const h = harness({ authFailLimit: 3 });
    assert.equal(h.register({ extension: '998' }).final.status, 403);
    assert.equal(h.register({ password: 'zle' }).final.status, 403);
    assert.equal(h.register().final.status, 200);
    assert.equal(h.register({ extension: '202', password: 'zle' }).final.status, 403);
    assert.equal(h.register({ extension: '202', password: 'dyspozytor' }).challenge.status, 403);
  });
});

describe('Registrar: Expires and contacts', () => {
  it('answers a too brief registration with 423 and Min-Expires, binding nothing', () => {
    const h = harness({ minExpires: 60 });
    const { final } = h.register({ expires: '30' });
    assert.equal(final.status, 423);
    assert.equal(final.headers['Min-Expires'], '60');
    assert.equal(h.registrar.state('201'), 'none');
  });

  it('cuts a long registration down to maxExpires', () => {
    const h = harness({ maxExpires: 600 });
    const { final } = h.register({ expires: '86400' });
    assert.equal(final.headers.Contact, '<sip:201@10.0.0.5:5062>;expires=600');
    assert.equal(h.registrar.bindings('201')[0]!.expiresAt, T0 + 600_000);
  });

  it('keeps several contacts per extension, lists them all, and refreshes rather than duplicates', () => {
    const h = harness();
    h.register({ contact: '<sip:201@10.0.0.5:5062>', expires: '300' });
    h.clock.now += 10_000;
    const { final } = h.register({ contact: '<sip:201@10.0.0.6:5060>;expires=120, <sip:201@10.0.0.7>', expires: '600', port: 40002 });
    assert.equal(final.status, 200);
    assert.equal(
      final.headers.Contact,
      '<sip:201@10.0.0.5:5062>;expires=290, <sip:201@10.0.0.6:5060>;expires=120, <sip:201@10.0.0.7>;expires=600',
    );
    h.clock.now += 10_000;
    h.register({ contact: '<sip:201@10.0.0.5:5062>', expires: '300', port: 40009 });
    const bindings = h.registrar.bindings('201');
    assert.equal(bindings.length, 3);
    assert.deepEqual(bindings[0]!.source, { transport: 'udp', address: '192.0.2.10', port: 40009 }, 'the refresh moved the source');
    assert.equal(bindings[0]!.expiresAt, h.clock.now + 300_000);
    assert.deepEqual(h.changes, [['201', 'registered']], 'no change events for refreshes');
    assert.equal(h.registrar.allBindings().length, 3);
  });

  it('removes one contact for expires 0 and keeps the others', () => {
    const h = harness();
    h.register({ contact: '<sip:201@10.0.0.5>, <sip:201@10.0.0.6>', expires: '300' });
    const { final } = h.register({ contact: '<sip:201@10.0.0.5>', expires: '0' });
    assert.equal(final.status, 200);
    assert.equal(final.headers.Contact, '<sip:201@10.0.0.6>;expires=300');
    assert.equal(h.registrar.state('201'), 'registered');
    h.register({ contact: '<sip:201@10.0.0.6>;expires=0' });
    assert.equal(h.registrar.state('201'), 'none');
    assert.deepEqual(h.changes, [
      ['201', 'registered'],
      ['201', 'none'],
    ]);
    assert.ok(h.logLines().some((l) => l.msg === 'extension unregistered' && l.extension === '201' && l.reason === 'unregistered'));
  });

  it('removes every contact for Contact: * with Expires: 0, and refuses * with any other Expires', () => {
    const h = harness();
    h.register({ contact: '<sip:201@10.0.0.5>, <sip:201@10.0.0.6>', expires: '300' });
    assert.equal(h.register({ contact: '*', expires: '60' }).final.status, 400);
    assert.equal(h.register({ contact: '*' }).final.status, 400);
    assert.equal(h.registrar.bindings('201').length, 2);
    const { final } = h.register({ contact: '*', expires: '0' });
    assert.equal(final.status, 200);
    assert.equal(final.headers.Contact, undefined);
    assert.equal(h.registrar.state('201'), 'none');
  });

  it('answers a REGISTER without Contact with the current bindings', () => {
    const h = harness();
    h.register({ expires: '300' });
    h.clock.now += 1_500;
    const { final } = h.register({ contact: '' });
    assert.equal(final.status, 200);
    assert.equal(final.headers.Contact, '<sip:201@10.0.0.5:5062>;expires=299');
  });

  it('refuses an unreadable Contact with 400', () => {
    const h = harness();
    assert.equal(h.register({ contact: '<sip:201@10.0.0.5' }).final.status, 400);
    assert.equal(h.register({ contact: '*, <sip:201@10.0.0.5>', expires: '0' }).final.status, 400);
  });

  it('keeps at most maxBindingsPerExtension contacts, dropping those that expire first', () => {
    const h = harness({ maxBindingsPerExtension: 2 });
    h.register({ contact: '<sip:201@10.0.0.1>', expires: '100' });
    h.register({ contact: '<sip:201@10.0.0.2>', expires: '300' });
    h.register({ contact: '<sip:201@10.0.0.3>', expires: '200' });
    assert.deepEqual(h.registrar.bindings('201').map((b) => b.contact), ['sip:201@10.0.0.2', 'sip:201@10.0.0.3']);
  });

  it('records the transport and address the REGISTER came over', () => {
    const h = harness();
    h.register({ protocol: 'tcp', address: '198.51.100.7', port: 51234, contact: '<sip:201@10.0.0.5:5062;transport=tcp>' });
    assert.deepEqual(h.registrar.bindings('201')[0]!.source, { transport: 'tcp', address: '198.51.100.7', port: 51234 });
  });

  it('drops expired bindings when it sweeps, and says so once', () => {
    const h = harness({ minExpires: 1 });
    h.register({ contact: '<sip:201@10.0.0.5>', expires: '2' });
    h.register({ contact: '<sip:201@10.0.0.6>', expires: '5' });
    h.clock.now += 2_000;
    h.registrar.sweep();
    assert.deepEqual(h.registrar.bindings('201').map((b) => b.contact), ['sip:201@10.0.0.6']);
    assert.equal(h.registrar.state('201'), 'registered');
    h.clock.now += 3_000;
    h.registrar.sweep();
    h.registrar.sweep();
    assert.equal(h.registrar.state('201'), 'none');
    assert.deepEqual(h.changes, [
      ['201', 'registered'],
      ['201', 'none'],
    ]);
    assert.ok(h.logLines().some((l) => l.msg === 'extension unregistered' && l.reason === 'expired'));
  });
});

describe('Registrar: OPTIONS pings', () => {
  const PING = 30_000;

  it('pings each binding at its contact URI by way of the address it registered from', () => {
    const h = harness({ optionsPingMs: PING });
    h.register({ protocol: 'tcp', address: '198.51.100.7', port: 51234, contact: '<sip:201@10.0.0.5:5062;transport=tcp>' });
    h.registrar.sweep();
    assert.equal(h.srf.pings.length, 0, 'nothing is due yet');
    h.clock.now += PING;
    h.registrar.sweep();
    assert.equal(h.srf.pings.length, 1);
    const ping = h.srf.pings[0]!;
    assert.equal(ping.uri, 'sip:201@10.0.0.5:5062;transport=tcp');
    assert.equal(ping.proxy, 'sip:198.51.100.7:51234;transport=tcp');
    assert.equal(ping.headers.To, '<sip:201@10.0.0.5:5062;transport=tcp>');
    h.registrar.sweep();
    assert.equal(h.srf.pings.length, 1, 'one ping at a time per binding');
  });

  it('counts any answer, even 404 or 405, as alive; a timeout or 503 as unreachable; and changes state only on change', () => {
    const h = harness({ optionsPingMs: PING });
    h.register();
    const round = (status: number) => {
      h.clock.now += PING;
      h.registrar.sweep();
      h.srf.pings.at(-1)!.answer(status);
    };
    round(404);
    round(405);
    assert.equal(h.registrar.state('201'), 'registered');
    round(408);
    assert.equal(h.registrar.state('201'), 'unreachable');
    assert.equal(h.registrar.bindings('201')[0]!.reachable, false);
    round(503);
    round(200);
    assert.equal(h.registrar.state('201'), 'registered');
    assert.deepEqual(h.changes, [
      ['201', 'registered'],
      ['201', 'unreachable'],
      ['201', 'registered'],
    ]);
    assert.ok(h.logLines().some((l) => l.msg === 'extension unreachable' && l.extension === '201' && l.level === 30));
  });

  it('gives up on a ping that gets no answer within pingTimeoutMs', () => {
    const h = harness({ optionsPingMs: PING, pingTimeoutMs: 5_000 });
    h.register();
    h.clock.now += PING;
    h.registrar.sweep();
    h.clock.now += 5_000;
    h.registrar.sweep();
    assert.equal(h.registrar.state('201'), 'unreachable');
    h.srf.pings[0]!.answer(200);
    assert.equal(h.registrar.state('201'), 'unreachable', 'a late answer to a given-up ping counts for nothing');
  });

  it('treats a ping the server could not send as unanswered, but not our own lost connection', () => {
    const h = harness({ optionsPingMs: PING });
    h.register();
    h.clock.now += PING;
    h.registrar.sweep();
    h.srf.pings[0]!.fail('provided socket has been destroyed', 'ESOCKETDESTROYED');
    assert.equal(h.registrar.state('201'), 'registered');
    h.clock.now += PING;
    h.registrar.sweep();
    h.srf.pings[1]!.fail('cannot resolve nowhere.invalid');
    assert.equal(h.registrar.state('201'), 'unreachable');
  });

  it('stays registered while any binding answers', () => {
    const h = harness({ optionsPingMs: PING });
    h.register({ contact: '<sip:201@10.0.0.5>, <sip:201@10.0.0.6>' });
    h.clock.now += PING;
    h.registrar.sweep();
    const [a, b] = h.srf.pings;
    a!.answer(408);
    assert.equal(h.registrar.state('201'), 'registered');
    b!.answer(408);
    assert.equal(h.registrar.state('201'), 'unreachable');
  });

  it('makes an unreachable binding reachable again when the phone registers again', () => {
    const h = harness({ optionsPingMs: PING });
    h.register();
    h.clock.now += PING;
    h.registrar.sweep();
    h.srf.pings[0]!.answer(408);
    assert.equal(h.registrar.state('201'), 'unreachable');
    h.register();
    assert.equal(h.registrar.state('201'), 'registered');
  });

  it('never has more than maxPingsInFlight pings outstanding', () => {
    const phones = Array.from({ length: 10 }, (_, i) => phone(String(300 + i), 'kierowca'));
    const h = harness({ optionsPingMs: PING, maxPingsInFlight: 3 }, phones);
    for (const p of phones) h.register({ extension: p.extension });
    h.clock.now += PING;
    h.registrar.sweep();
    assert.equal(h.srf.pings.length, 3);
    h.registrar.sweep();
    assert.equal(h.srf.pings.length, 3, 'still waiting for answers');
    h.srf.pings[0]!.answer(200);
    h.registrar.sweep();
    assert.equal(h.srf.pings.length, 4);
    assert.equal(new Set(h.srf.pings.map((p) => p.uri)).size, 4, 'different bindings');
  });

  it('spreads the first pings of phones that registered together over the second half of the interval', () => {
    const phones = Array.from({ length: 40 }, (_, i) => phone(String(300 + i), 'kierowca'));
    const h = harness({ optionsPingMs: PING, maxPingsInFlight: 100 }, phones);
    for (const p of phones) h.register({ extension: p.extension });
    h.clock.now += PING / 2 - 1;
    h.registrar.sweep();
    assert.equal(h.srf.pings.length, 0);
    h.clock.now += PING / 2 + 1;
    h.registrar.sweep();
    assert.equal(h.srf.pings.length, 40);
  });

  it('ignores answers that come back after stop()', () => {
    const h = harness({ optionsPingMs: PING });
    h.register();
    h.clock.now += PING;
    h.registrar.sweep();
    h.registrar.stop();
    h.srf.pings[0]!.answer(408);
    assert.equal(h.registrar.state('201'), 'registered');
  });
});

describe('Registrar: options', () => {
  it('refuses options that make no sense', () => {
    assert.throws(() => harness({ minExpires: 600, maxExpires: 60 }), /maxExpires/);
    assert.throws(() => harness({ algorithms: [] }), /at least one/);
    assert.throws(() => harness({ algorithms: ['MD5', 'MD5'] }), /repeat/);
    assert.throws(() => harness({ algorithms: ['SHA-1' as DigestAlgorithm] }), /unsupported/);
    assert.throws(() => harness({ realm: 'a"b' }), /realm/);
    assert.throws(() => harness({ optionsPingMs: 0 }), /optionsPingMs/);
  });

  it('starts and stops its timer without keeping the process alive', () => {
    const h = harness();
    h.registrar.start();
    h.registrar.start();
    h.registrar.stop();
    h.registrar.stop();
  });
});
