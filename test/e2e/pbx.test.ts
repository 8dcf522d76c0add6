// `dispatcher pbx` as a newcomer runs it: a real process with a fresh data
// dir, phones and dispatchers added with `dispatcher admin` while it runs, a
// SIPp phone registering with digest, and a console over HTTP + WebSocket
// making its station eligible, until the console goes away.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { login, openConsole, startPbx, type PbxProcess } from './support/pbx.js';
import { assertSippPassed, runSipp, type SippOptions } from './support/sipp.js';
import { eventually } from './support/wait.js';

const leaseMs = 1000;

function asPhone(extension: string, password: string): Partial<SippOptions> {
  return { service: extension, keys: { expires: '300' }, extraArgs: ['-au', extension, '-ap', password] };
}

describe('dispatcher pbx end to end', () => {
  let pbx: PbxProcess;
  let sipPort: number;
  let apiUrl: string;
  const admin = (...args: string[]) => pbx.admin(...args);

  before(async () => {
    pbx = await startPbx(['--domain', 'taxi.test', '--lease', String(leaseMs), '--options-ping', '5']);
    ({ sipPort, apiUrl } = pbx);
  });

  after(async () => {
    await pbx.stop();
  });

  it('creates an administrator on first start and shows the password once', async () => {
    const { stdout, stderr } = pbx.output();
    const m = /created user "admin" with password: (\S+)/.exec(stdout);
    assert.ok(m, `stdout: ${stdout}`);
    const ok = await login(apiUrl, 'admin', m[1]!);
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body.user.roles.sort(), ['configure', 'dispatcher']);
    assert.equal(stderr.includes(m[1]!), false, 'the password must not reach the log');
  });

  it('takes phones and users added with dispatcher admin while it runs', async () => {
    assert.equal(admin('phone', 'add', '201', '--password', 'kierowca-201', '--name', 'Stanowisko 1', '--kind', 'headset').code, 0);
    assert.equal(admin('user', 'add', 'ola', '--password', 'dyspozytor1', '--name', 'Ola').code, 0);
    const dup = admin('phone', 'add', '201', '--password', 'kierowca-201');
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /201/);
    const ola = await login(apiUrl, 'ola', 'dyspozytor1');
    assert.equal(ola.status, 200);
    const phones = await fetch(`${apiUrl}/api/phones`, { headers: { authorization: `Bearer ${ola.body.token}` } });
    assert.equal(phones.status, 403, 'a dispatcher must not read phone credentials');
  });

  it('registers a phone with digest, and makes its station eligible only while the console is ready', async () => {
    const reg = await runSipp({ scenario: 'registrar-register.xml', remote: `127.0.0.1:${sipPort}`, transport: 'u1', ...asPhone('201', 'kierowca-201') });
    assertSippPassed(reg);
    const wrong = await runSipp({ scenario: 'registrar-wrong-password.xml', remote: `127.0.0.1:${sipPort}`, transport: 'u1', ...asPhone('201', 'zgadywanka') });
    assertSippPassed(wrong);

    const ola = await login(apiUrl, 'ola', 'dyspozytor1');
    const station = await openConsole(apiUrl, ola.body.token);
    const watcher = await openConsole(apiUrl, ola.body.token);
    try {
      station.send({ type: 'bind', extension: '201' });
      await eventually(() => station.messages.some((m) => m.type === 'bound'), 5000, 'the station to be bound');
      const latest = () => station.station()!;
      assert.equal(latest().registration, 'registered');
      assert.equal(latest().eligible, false, 'a freshly bound station waits for ready');
      station.send({ type: 'ready' });
      await eventually(() => latest()?.eligible === true, 5000, 'the station to become eligible');
      // The console's heartbeats (at the pace the server asked for) hold eligibility past the lease.
      await new Promise((r) => setTimeout(r, leaseMs * 2));
      assert.equal(latest().eligible, true);

      // The console vanishes (crash, cable): within lease + 1 s the station is out.
      const watched = () => watcher.stationFromList('201')!;
      station.close();
      await eventually(() => watched()?.eligible === false, leaseMs + 1000, 'the station to drop out within lease + 1 s');
      assert.ok(['no-console', 'lease-expired'].includes(watched().reason), watched().reason);
    } finally {
      station.close();
      watcher.close();
    }
  });

  it('stops cleanly on SIGTERM', async () => {
    const code = await pbx.stop();
    assert.equal(code, 0, pbx.output().stderr.slice(-2000));
  });
});
