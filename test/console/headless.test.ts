// The headless kiosk console against a real `dispatcher pbx`: JSON lines on
// stdout, the station eligible while it runs, not eligible once SIGTERM has
// been handled, a clear refusal for bad credentials.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { login, openConsole, registerPhone, startPbx, type ConsoleClient, type PbxProcess } from '../e2e/support/pbx.js';
import { freePort } from '../e2e/support/ports.js';
import { eventually } from '../e2e/support/wait.js';
import { spawnConsole, tempSettingsDir, type ConsoleProcess } from './console-process.js';

let pbx: PbxProcess;
let watcher: ConsoleClient;
const kioskPassword = 'kiosk-secret-1';

before(async () => {
  pbx = await startPbx(['--options-ping', '3600', '--admin-password', 'admin-secret-1']);
  assert.equal(pbx.admin('phone', 'add', '201', '--password', 'sip-201-secret').code, 0);
  assert.equal(pbx.admin('user', 'add', 'kiosk1', '--password', kioskPassword).code, 0);
  await registerPhone(pbx.sipPort, await freePort(), '201', 'sip-201-secret');
  const admin = await login(pbx.apiUrl, 'admin', 'admin-secret-1');
  watcher = await openConsole(pbx.apiUrl, admin.body.token);
});
after(async () => {
  watcher?.close();
  await pbx?.stop();
});

const events = (kiosk: ConsoleProcess) =>
  kiosk
    .stdout()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
const has = (kiosk: ConsoleProcess, event: string) => events(kiosk).some((e) => e.event === event);
const eligible = () => watcher.stationFromList('201')?.eligible;

describe('headless console', () => {
  test('with stdout not a terminal it logs in, binds, gets ready, and SIGTERM takes the station out before exit 0', async () => {
    const settingsDir = tempSettingsDir();
    const kiosk = spawnConsole(['--server', pbx.apiUrl, '--user', 'kiosk1', '--extension', '201'], { DISPATCHER_PASSWORD: kioskPassword }, settingsDir);
    try {
      await eventually(() => has(kiosk, 'ready'), 20_000, `the kiosk to be ready; stderr: ${kiosk.stderr()}`);
      await eventually(() => eligible() === true, 5_000, 'the switchboard to see station 201 eligible');
      assert.deepEqual(
        events(kiosk).map((e) => e.event).filter((e) => ['starting', 'connected', 'bound', 'ready'].includes(String(e))),
        ['starting', 'connected', 'bound', 'ready'],
      );
      for (const event of events(kiosk)) assert.match(String(event.at), /^\d{4}-\d\d-\d\dT/);

      const code = await kiosk.stop();
      assert.equal(code, 0, `stderr: ${kiosk.stderr()}\nstdout: ${kiosk.stdout()}`);
      assert.equal(events(kiosk).at(-1)?.event, 'stopped');
      await eventually(() => eligible() === false, 5_000, 'station 201 to be out');
      assert.equal(watcher.stationFromList('201')?.reason, 'no-console');
    } finally {
      await kiosk.stop();
    }
  });

  test('the stored token is enough for the next start, and --paused keeps the station out', async () => {
    const settingsDir = tempSettingsDir();
    const first = spawnConsole(['--headless', '--server', pbx.apiUrl, '--user', 'kiosk1', '--extension', '201'], { DISPATCHER_PASSWORD: kioskPassword }, settingsDir);
    await eventually(() => has(first, 'ready'), 20_000, 'the first run to be ready');
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0);

    const second = spawnConsole(['--headless', '--paused'], {}, settingsDir);
    try {
      await eventually(() => has(second, 'paused'), 20_000, `the second run to bind, paused; stderr: ${second.stderr()}`);
      assert.equal(events(second).find((e) => e.event === 'starting')?.server, pbx.apiUrl, 'the server was remembered');
      await eventually(() => watcher.stationFromList('201')?.console?.login === 'kiosk1', 5_000, 'the kiosk to hold 201');
      assert.equal(eligible(), false);
      assert.equal(watcher.stationFromList('201')?.reason, 'paused');
    } finally {
      assert.equal(await second.stop(), 0);
    }
  });

  test('a wrong password exits 1 with a clear message and binds nothing', async () => {
    const kiosk = spawnConsole(['--headless', '--server', pbx.apiUrl, '--user', 'kiosk1', '--password', 'not-the-password', '--extension', '201']);
    const code = await kiosk.exited;
    await kiosk.stop();
    assert.equal(code, 1);
    assert.match(kiosk.stderr(), /dispatcher: wrong login or password/);
    assert.equal(kiosk.stdout(), '');
  });

  test('an unknown extension is refused with a message, exit 1', async () => {
    const kiosk = spawnConsole(['--headless', '--server', pbx.apiUrl, '--user', 'kiosk1', '--extension', '299'], { DISPATCHER_PASSWORD: kioskPassword });
    const code = await kiosk.exited;
    await kiosk.stop();
    assert.equal(code, 1);
    assert.match(kiosk.stderr(), /refused extension 299: unknown-extension/);
  });

  test('no credentials and no stored token is a clear error', async () => {
    const kiosk = spawnConsole(['--headless', '--server', pbx.apiUrl, '--extension', '201']);
    const code = await kiosk.exited;
    await kiosk.stop();
    assert.equal(code, 1);
    assert.match(kiosk.stderr(), /not logged in at http:\/\/127\.0\.0\.1:\d+: give --user and --password/);
  });
});
