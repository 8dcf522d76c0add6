// The real interactive console in a pseudo-terminal (util-linux `script`),
// against a real `dispatcher pbx` with a registered phone: log in by typing,
// `r` makes the station eligible on the switchboard, `q` takes it out and
// leaves. Another console's `stations` view is the switchboard's word.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SettingsFile } from '../../source/console/settings.js';
import { login, openConsole, registerPhone, startPbx, type ConsoleClient, type PbxProcess } from '../e2e/support/pbx.js';
import { freePort } from '../e2e/support/ports.js';
import { eventually } from '../e2e/support/wait.js';
import { spawnConsoleInPty, tempSettingsDir } from './console-process.js';

let pbx: PbxProcess;
let watcher: ConsoleClient;

before(async () => {
  pbx = await startPbx(['--options-ping', '3600', '--admin-password', 'admin-secret-1']);
  assert.equal(pbx.admin('phone', 'add', '201', '--password', 'sip-201-secret', '--name', 'Stanowisko 1').code, 0);
  assert.equal(pbx.admin('user', 'add', 'ola', '--password', 'dyspozytor1', '--name', 'Ola Nowak').code, 0);
  await registerPhone(pbx.sipPort, await freePort(), '201', 'sip-201-secret');
  const admin = await login(pbx.apiUrl, 'admin', 'admin-secret-1');
  watcher = await openConsole(pbx.apiUrl, admin.body.token);
});
after(async () => {
  watcher?.close();
  await pbx?.stop();
});

test('the console in a terminal logs in, r makes station 201 eligible, q takes it out and exits 0', async () => {
  const settingsDir = tempSettingsDir();
  // The station was configured before: its phone number and switchboard are stored.
  assert.deepEqual(new SettingsFile(settingsDir).update({ server: pbx.apiUrl, extension: '201' }), { ok: true });
  const console = spawnConsoleInPty(['--lang', 'en'], settingsDir);
  let mark = 0;
  /** Waits for text in what the terminal showed since the last mark. */
  const see = async (text: string | RegExp) => {
    await eventually(
      () => (typeof text === 'string' ? console.stdout().slice(mark).includes(text) : text.test(console.stdout().slice(mark))),
      20_000,
      () => `${text} on the terminal; ${console.describe()}`,
    );
  };
  try {
    await see('Dispatcher console — Log in');
    await see('Tab: next field');
    for (const key of 'ola') console.write(key);
    await see('ola');
    mark = console.stdout().length;
    // One key at a time, as typed: a terminal delivers a Tab and the letters after it separately.
    console.write('\t');
    await see(/Password:\s+▏/);
    for (const key of 'dyspozytor1') console.write(key);
    await see('•'.repeat('dyspozytor1'.length));
    mark = console.stdout().length;
    console.write('\r');
    await see(/Station 201 · Ola Nowak/);
    await see('phone registered · PAUSED');
    assert.equal(watcher.stationFromList('201')?.console?.login, 'ola');
    assert.equal(watcher.stationFromList('201')?.eligible, false);

    mark = console.stdout().length;
    console.write('r');
    await see('READY');
    await eventually(() => watcher.stationFromList('201')?.eligible === true, 5_000, 'the switchboard to see station 201 eligible');

    console.write('q');
    await eventually(() => watcher.stationFromList('201')?.eligible === false, 5_000, 'the switchboard to see station 201 out');
    assert.equal(watcher.stationFromList('201')?.reason, 'no-console');
    assert.equal(await console.exited, 0);
  } finally {
    await console.stop();
  }
});
