// The configuration and phones screens against a real console API: who may
// change the station's binding, how bad values are refused, and who sees the
// phones' credentials and QR code.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { people, type TestApi, type TestUser } from '../api/support.js';
import { eventually } from '../e2e/support/wait.js';
import { dora, keys, renderConsole, startConsoleApi } from './support.js';

let api: TestApi;
before(async () => (api = await startConsoleApi()));
after(() => api.close());

async function signedIn(user: TestUser, extension?: string) {
  const { token } = await api.login(user);
  return renderConsole({ server: api.api.url, settings: { token, login: user.login, ...(extension && { extension }) } });
}

describe('configuration screen', () => {
  test('a configure user sets the phone number; it is stored and the station bound', async () => {
    const console = await signedIn(dora);
    try {
      await console.see('This station has no phone number');
      await console.press('c');
      await console.see('Dispatcher configuration');
      await console.type('202');
      await console.see(/Phone number:\s+202/);
      await console.press(keys.enter);
      await console.see('Saved.');
      assert.equal(console.settings.read().extension, '202');
      await eventually(() => api.board.station('202')?.session?.login === 'dora', 5000, 'station 202 to be held by dora');
      await console.press(keys.escape);
      await console.see(/Station 202 · Dora Szefowa/);
    } finally {
      console.close();
    }
  });

  test('bad values are refused with a reason and not stored', async () => {
    const console = await signedIn(dora, '201');
    try {
      await console.see('Station 201');
      await console.press('c');
      await console.see(/Phone number:\s+201/);
      await console.type('x');
      await console.press(keys.enter);
      await console.see('The phone number is 2 to 6 digits.');
      await console.press(keys.backspace);
      await console.press(keys.tab);
      for (let i = 0; i < api.api.url.length; i++) await console.press(keys.backspace);
      await console.type('ftp://nowhere');
      await console.press(keys.enter);
      await console.see('The server address starts with http:// or https://');
      assert.equal(console.settings.read().extension, '201');
      assert.equal(console.settings.read().server, api.api.url);
    } finally {
      console.close();
    }
  });

  test('a dispatcher without the configure permission sees the binding read-only', async () => {
    const console = await signedIn(people.bartek, '202');
    try {
      await console.see('Station 202');
      await console.press('c');
      await console.see('Only someone with the configure permission may change');
      await console.see(/Phone number: 202/);
      await console.type('9');
      await console.press(keys.enter);
      assert.doesNotMatch(console.frame(), /Saved|2029/);
      assert.equal(console.settings.read().extension, '202');
    } finally {
      console.close();
    }
  });

  test('speaks Polish: Konfiguracja Dyspozytora', async () => {
    const { token } = await api.login(dora);
    const console = renderConsole({ server: api.api.url, language: 'pl', settings: { token, extension: '201' } });
    try {
      await console.see('Stanowisko 201');
      await console.press('c');
      await console.see('Konfiguracja Dyspozytora');
      await console.see(/Numer telefonu:\s+201/);
    } finally {
      console.close();
    }
  });
});

describe('phones screen', () => {
  test('a configure user sees the phones, and i shows credentials with a QR code', async () => {
    const console = await signedIn(dora, '201');
    try {
      await console.see('Station 201');
      await console.press('p');
      await console.see(/201\s+Stanowisko "1"\s+headset/);
      await console.see(/202\s+Stanowisko 2\s+Android/);
      await console.press(keys.down);
      await console.press('i');
      const frame = await console.see((f) => /[▀▄█]{5,}/.test(f), 'a QR code');
      assert.match(frame, /Password: pass-202/);
      assert.match(frame, /SIP server: 192\.0\.2\.10:5060 \(udp\)/);
      assert.match(frame, /http:\/\/127\.0\.0\.1:\d+\/provision\//);
      await console.press(keys.escape);
      await console.see(/202\s+Stanowisko 2/);
      await console.press(keys.escape);
      await console.see('Queue');
    } finally {
      console.close();
    }
  });

  test('a dispatcher is refused the phones, and no credential is shown', async () => {
    const console = await signedIn(people.anna, '201');
    try {
      await console.see('Station 201');
      await console.press('p');
      const frame = await console.see('Only someone with the configure permission may see');
      assert.doesNotMatch(frame, /pass-202|s3cret/);
    } finally {
      console.close();
    }
  });
});
