// The login screen against a real console API: what a dispatcher sees for a
// wrong password, a lockout and a switchboard that cannot be reached, and
// that a good login stores the token, never the password.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readFileSync } from 'node:fs';
import { people, type TestApi } from '../api/support.js';
import { freePort } from '../e2e/support/ports.js';
import { keys, renderConsole, startConsoleApi, type RenderedConsole } from './support.js';

let api: TestApi;
before(async () => (api = await startConsoleApi()));
after(() => api.close());

async function logIn(console: RenderedConsole, login: string, password: string) {
  await console.see('Log in');
  await console.type(login);
  await console.see(`User:           ${login}`);
  await console.press(keys.tab);
  await console.type(password);
  await console.see('•'.repeat(password.length));
  await console.press(keys.enter);
}

describe('login screen', () => {
  test('a good login opens the main screen and stores the token, not the password', async () => {
    const console = renderConsole({ server: api.api.url });
    try {
      await logIn(console, people.anna.login, people.anna.password);
      await console.see('Queue (0)');
      const stored = console.settings.read();
      assert.equal(stored.login, 'anna');
      assert.equal(typeof stored.token, 'string');
      const file = readFileSync((console.settings as unknown as { path: string }).path, 'utf8');
      assert.ok(!file.includes(people.anna.password), 'the password is not on disk');
    } finally {
      console.close();
    }
  });

  test('a pasted "user Tab password Enter" logs in as if typed', async () => {
    const console = renderConsole({ server: api.api.url });
    try {
      await console.see('Log in');
      // One write: the terminal hands the whole paste over as one piece of input.
      await console.press(`${people.anna.login}\t${people.anna.password}\r`);
      await console.see('Queue (0)');
      assert.equal(console.settings.read().login, 'anna');
    } finally {
      console.close();
    }
  });

  test('--user is filled in, the password field has the focus, and another user\'s stored session is not resumed', async () => {
    const console = renderConsole({ server: api.api.url, user: people.bartek.login, settings: { token: 'annas-old-token', login: people.anna.login } });
    try {
      await console.see(`User:           ${people.bartek.login}`);
      await console.type(people.bartek.password);
      await console.see('•'.repeat(people.bartek.password.length));
      await console.press(keys.enter);
      await console.see('Queue (0)');
      assert.equal(console.settings.read().login, people.bartek.login);
    } finally {
      console.close();
    }
  });

  test('a wrong password says so and clears the password field', async () => {
    const console = renderConsole({ server: api.api.url });
    try {
      await logIn(console, people.bartek.login, 'not-his-password');
      const frame = await console.see('Wrong login or password.');
      assert.doesNotMatch(frame, /•/);
    } finally {
      console.close();
    }
  });

  test('too many failures say the login is locked, with the wait', async () => {
    const locking = await startConsoleApi({ loginFailLimit: 2, loginLockMs: 90_000 });
    const console = renderConsole({ server: locking.api.url });
    try {
      await logIn(console, people.bartek.login, 'wrong-wrong');
      await console.see('Wrong login or password.');
      // The user stays, the password field is emptied and focused for the next try.
      await console.type('wrong-again');
      await console.see('•'.repeat('wrong-again'.length));
      await console.press(keys.enter);
      await console.see((frame) => frame.includes('Wrong login or password.') && !frame.includes('•'));
      await console.type(people.bartek.password);
      await console.see('•'.repeat(people.bartek.password.length));
      await console.press(keys.enter);
      await console.see(/Too many failed attempts\. Try again in 9\d s\./);
    } finally {
      console.close();
      await locking.close();
    }
  });

  test('a switchboard that cannot be reached is named', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const console = renderConsole({ server: closed });
    try {
      await logIn(console, 'anna', 'whatever1');
      await console.see(`Cannot reach the server ${closed}.`);
    } finally {
      console.close();
    }
  });

  test('missing fields are asked for before anything is sent', async () => {
    const console = renderConsole({ server: api.api.url });
    try {
      await console.see('Log in');
      await console.press(keys.tab);
      await console.press(keys.enter);
      await console.see('Enter the server, user and password.');
    } finally {
      console.close();
    }
  });

  test('speaks Polish unless told otherwise', async () => {
    const console = renderConsole({ server: api.api.url, language: 'pl' });
    try {
      await console.see('Konsola dyspozytora — Logowanie');
      await console.see('Hasło:');
    } finally {
      console.close();
    }
  });
});
