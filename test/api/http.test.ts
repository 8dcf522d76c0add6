// The console API over real HTTP: logging in and out, the lockout after
// failed logins, who may see phone credentials, provisioning links and the
// Linphone document behind them, health and metrics, and bad requests.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { HttpErrorBody, LoginResponse, PhonesResponse, ProvisioningLink } from '../../source/api/messages.js';
import { people, startApi, type TestApi } from './support.js';

function post(api: TestApi, path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${api.api.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function get(api: TestApi, path: string, token?: string) {
  return fetch(`${api.api.url}${path}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
}

describe('logging in', () => {
  let api: TestApi;
  before(async () => (api = await startApi()));
  after(() => api.close());

  test('a right password gives a token and the user with their roles', async () => {
    const res = await post(api, '/api/login', { login: 'anna', password: 'anna-secret' });
    assert.equal(res.status, 200);
    const body = (await res.json()) as LoginResponse;
    assert.match(body.token, /^[A-Za-z0-9_-]{43}$/, '32 random bytes, base64url');
    assert.deepEqual(body.user, { login: 'anna', displayName: 'Anna Nowak', roles: ['dispatcher'] });
    assert.ok(body.expiresAt > Date.now() + 11 * 3600_000);
  });

  test('each login gets a different token', async () => {
    const [a, b] = await Promise.all([api.login(people.anna), api.login(people.anna)]);
    assert.notEqual(a.token, b.token);
  });

  test('a wrong password is 401 and says nothing about which part was wrong', async () => {
    const wrong = await post(api, '/api/login', { login: 'bartek', password: 'nope' });
    const unknown = await post(api, '/api/login', { login: 'nobody', password: 'nope' });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    assert.deepEqual(await wrong.json(), await unknown.json());
  });

  test('a body that is not JSON is 400 bad-json', async () => {
    const res = await post(api, '/api/login', '{"login":');
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as HttpErrorBody).error, 'bad-json');
  });

  test('a body without login or password is 400', async () => {
    const res = await post(api, '/api/login', { login: 'anna' });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as HttpErrorBody).error, 'bad-request');
  });

  test('an oversized body is 413', async () => {
    const res = await post(api, '/api/login', { login: 'anna', password: 'x'.repeat(100_000) });
    assert.equal(res.status, 413);
  });

  test('the wrong method is 405 and unknown paths are 404', async () => {
    assert.equal((await get(api, '/api/login')).status, 405);
    assert.equal((await get(api, '/api/nothing-here')).status, 404);
  });
});

describe('the lockout after failed logins', () => {
  let api: TestApi;
  before(async () => (api = await startApi({ loginFailLimit: 3, loginLockMs: 60_000 })));
  after(() => api.close());

  test('three failures lock the login out with 429 and Retry-After, even with the right password', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await post(api, '/api/login', { login: 'anna', password: 'guess' })).status, 401);
    const locked = await post(api, '/api/login', { login: 'anna', password: 'anna-secret' });
    assert.equal(locked.status, 429);
    assert.equal(((await locked.json()) as HttpErrorBody).error, 'locked-out');
    const retryAfter = Number(locked.headers.get('retry-after'));
    assert.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After ${retryAfter}`);
  });

  test('the lockout ends after its time', async () => {
    api.clock.offsetMs += 60_001;
    assert.equal((await post(api, '/api/login', { login: 'anna', password: 'anna-secret' })).status, 200);
  });

  test('failures from one address lock that address out across logins', async () => {
    api.clock.offsetMs += 3600_000;
    for (const login of ['x1', 'x2', 'x3']) await post(api, '/api/login', { login, password: 'guess' });
    assert.equal((await post(api, '/api/login', { login: 'bartek', password: 'bartek-secret' })).status, 429);
  });
});

describe('logging out', () => {
  let api: TestApi;
  before(async () => (api = await startApi()));
  after(() => api.close());

  test('logout invalidates the token', async () => {
    const { token } = await api.login(people.celina);
    assert.equal((await get(api, '/api/phones', token)).status, 200);
    assert.equal((await post(api, '/api/logout', '', { Authorization: `Bearer ${token}` })).status, 204);
    assert.equal((await get(api, '/api/phones', token)).status, 401);
  });

  test('logout without a token is 401', async () => {
    assert.equal((await post(api, '/api/logout', '')).status, 401);
  });
});

describe('phone credentials', () => {
  let api: TestApi;
  before(async () => (api = await startApi()));
  after(() => api.close());

  test('a request without a token is 401', async () => {
    const res = await get(api, '/api/phones');
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer');
  });

  test('a made-up token is 401', async () => {
    assert.equal((await get(api, '/api/phones', 'not-a-token')).status, 401);
  });

  test('a dispatcher cannot read phone credentials', async () => {
    const { token } = await api.login(people.anna);
    const res = await get(api, '/api/phones', token);
    assert.equal(res.status, 403);
    const text = await res.text();
    assert.doesNotMatch(text, /s3cret|pass-202/);
    assert.equal((await get(api, '/api/phones/201/provisioning-link', token)).status, 403);
  });

  test('a user with the configure role gets every phone with its credentials and a provisioning link', async () => {
    const { token } = await api.login(people.celina);
    const res = await get(api, '/api/phones', token);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const { phones } = (await res.json()) as PhonesResponse;
    assert.deepEqual(
      phones.map(({ provisioning, ...rest }) => rest),
      [
        { extension: '201', password: 's3cret&<201>', displayName: 'Stanowisko "1"', kind: 'headset', sipServer: { host: '192.0.2.10', port: 5060, transport: 'udp' }, domain: 'taxi.example' },
        { extension: '202', password: 'pass-202', displayName: 'Stanowisko 2', kind: 'android', sipServer: { host: '192.0.2.10', port: 5060, transport: 'udp' }, domain: 'taxi.example' },
      ],
    );
    for (const phone of phones) {
      assert.match(phone.provisioning.url, new RegExp(`^${api.api.url}/provision/[A-Za-z0-9_-]+$`));
      assert.equal(phone.provisioning.qr, phone.provisioning.url);
    }
    assert.notEqual(phones[0]!.provisioning.url, phones[1]!.provisioning.url);
  });

  test('a provisioning link for an unknown extension is 404', async () => {
    const { token } = await api.login(people.celina);
    assert.equal((await get(api, '/api/phones/999/provisioning-link', token)).status, 404);
  });
});

describe('phone provisioning', () => {
  let api: TestApi;
  let token: string;
  before(async () => {
    api = await startApi({ realm: 'taxi-realm' });
    token = (await api.login(people.celina)).token;
  });
  after(() => api.close());

  async function link(extension: string): Promise<ProvisioningLink> {
    const res = await get(api, `/api/phones/${extension}/provisioning-link`, token);
    assert.equal(res.status, 200);
    return (await res.json()) as ProvisioningLink;
  }

  test('a link expires fifteen minutes after it is made, and its QR code is the link', async () => {
    const before = Date.now() + api.clock.offsetMs;
    const made = await link('201');
    assert.ok(made.expiresAt >= before + 15 * 60_000 && made.expiresAt <= Date.now() + api.clock.offsetMs + 15 * 60_000);
    assert.equal(made.qr, made.url);
    assert.match(made.url, /\/provision\/[A-Za-z0-9_-]{20,}$/);
  });

  test('the link serves Linphone remote provisioning XML with the account, escaped', async () => {
    const { url } = await link('201');
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/xml/);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const xml = await res.text();
    assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>/);
    assert.match(xml, /<config xmlns="http:\/\/www.linphone.org\/xsds\/lpconfig.xsd"/);
    const entry = (section: string, name: string) => {
      const body = new RegExp(`<section name="${section}">([\\s\\S]*?)</section>`).exec(xml)?.[1] ?? '';
      return new RegExp(`<entry name="${name}"[^>]*>([^<]*)</entry>`).exec(body)?.[1];
    };
    assert.equal(entry('proxy_0', 'reg_proxy'), '&#60;sip:192.0.2.10:5060;transport=udp&#62;');
    assert.equal(entry('proxy_0', 'reg_identity'), '&#34;Stanowisko \\&#34;1\\&#34;&#34; &#60;sip:201@taxi.example&#62;');
    assert.equal(entry('proxy_0', 'reg_sendregister'), '1');
    assert.match(entry('proxy_0', 'reg_expires') ?? '', /^\d+$/);
    assert.equal(entry('proxy_0', 'realm'), 'taxi-realm');
    assert.equal(entry('auth_info_0', 'username'), '201');
    assert.equal(entry('auth_info_0', 'passwd'), 's3cret&#38;&#60;201&#62;');
    assert.equal(entry('auth_info_0', 'realm'), 'taxi-realm');
    assert.equal(entry('auth_info_0', 'domain'), 'taxi.example');
  });

  test('the link needs no login: the token in it is the secret', async () => {
    const { url } = await link('202');
    const res = await fetch(url, { headers: { Authorization: 'Bearer nonsense' } });
    assert.equal(res.status, 200);
    assert.match(await res.text(), /<entry name="passwd" overwrite="true">pass-202<\/entry>/);
  });

  test('an expired link is 410 Gone and serves no credentials', async () => {
    const { url } = await link('201');
    api.clock.offsetMs += 15 * 60_000;
    const res = await fetch(url);
    assert.equal(res.status, 410);
    assert.doesNotMatch(await res.text(), /s3cret/);
    api.clock.offsetMs = 0;
  });

  test('an unknown link is 404', async () => {
    assert.equal((await fetch(`${api.api.url}/provision/made-up-token`)).status, 404);
  });
});

describe('health and metrics', () => {
  let api: TestApi;
  before(async () => (api = await startApi()));
  after(() => api.close());

  test('health says ok and counts stations and consoles', async () => {
    api.registrations.set('201', 'registered');
    const res = await fetch(`${api.api.url}/health`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body.status, 'ok');
    assert.equal(body.stations, 1);
    assert.equal(body.eligibleStations, 0);
    assert.equal(body.consoles, 0);
  });

  test('metrics are Prometheus text with stations, connections, logins and registrations', async () => {
    await api.login(people.anna);
    await post(api, '/api/login', { login: 'anna', password: 'wrong' });
    const res = await fetch(`${api.api.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    for (const line of [
      '# TYPE dispatcher_stations gauge',
      'dispatcher_stations 1',
      'dispatcher_stations_eligible 0',
      'dispatcher_stations_ineligible{reason="no-console"} 1',
      'dispatcher_console_connections 0',
      '# TYPE dispatcher_logins_total counter',
      'dispatcher_logins_total{result="ok"} 1',
      'dispatcher_logins_total{result="failed"} 1',
      'dispatcher_phone_registrations{state="registered"} 1',
      'dispatcher_phone_registrations{state="none"} 1',
    ]) {
      assert.ok(text.split('\n').includes(line), `metrics contain "${line}":\n${text}`);
    }
  });
});

test('the server listens on the given host only', async () => {
  const api = await startApi();
  try {
    assert.equal(api.api.address, '127.0.0.1');
    assert.ok(api.api.port > 0);
  } finally {
    await api.close();
  }
});

test('a lease given to the server must match the board', async () => {
  const { StationBoard } = await import('../../source/switchboard/stations.js');
  await assert.rejects(startApi({ board: new StationBoard({ now: Date.now, leaseMs: 3000 }), leaseMs: 5000 }), /differs/);
});
