// The desk phone keys (what `dispatcher demo` gives its console): with a desk
// phone the main screen says how to answer it; `a` picks up a ringing call,
// `h` hangs up; without one the keys do nothing and the hint is absent. The
// desk phone here is a test double of the small interface the console drives.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DeskPhone, DeskPhoneState } from '../../source/console/desk-phone.js';
import { people, type TestApi } from '../api/support.js';
import { renderConsole, startConsoleApi } from './support.js';

let api: TestApi;
before(async () => (api = await startConsoleApi()));
after(() => api.close());

class FakeDeskPhone implements DeskPhone {
  readonly extension = '201';
  readonly pressed: string[] = [];
  #state: DeskPhoneState = 'idle';
  readonly #listeners = new Set<() => void>();
  state(): DeskPhoneState {
    return this.#state;
  }
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  set(state: DeskPhoneState): void {
    this.#state = state;
    for (const l of this.#listeners) l();
  }
  answer(): void {
    this.pressed.push('answer');
    if (this.#state === 'ringing') this.set('talking');
  }
  hangUp(): void {
    this.pressed.push('hang up');
    if (this.#state !== 'idle') this.set('idle');
  }
}

async function signedIn(deskPhone?: DeskPhone, language: 'en' | 'pl' = 'en') {
  api.registrations.set('201', 'registered');
  const { token } = await api.login(people.anna);
  return renderConsole({ server: api.api.url, language, settings: { token, login: people.anna.login, extension: '201' }, deskPhone });
}

describe('desk phone keys', () => {
  test('ringing → a → talking → h → idle', async () => {
    const phone = new FakeDeskPhone();
    const console = await signedIn(phone);
    try {
      await console.see('Station 201');
      await console.see('Phone 201 (in this console) — a: answer · h: hang up');
      await console.see('q: quit');
      assert.doesNotMatch(console.frame(), /RINGING/);

      phone.set('ringing');
      await console.see('RINGING!');
      await console.see('a: answer · h: decline');
      await console.press('a');
      assert.equal(phone.state(), 'talking');
      await console.see('On the phone — h: hang up');
      assert.doesNotMatch(console.frame(), /RINGING/);

      await console.press('h');
      assert.equal(phone.state(), 'idle');
      await console.see((f) => !f.includes('On the phone'), 'the call banner to go');
      assert.deepEqual(phone.pressed, ['answer', 'hang up']);
      // The usual keys still fit on 80×24.
      assert.match(console.frame(), /r: ready\/pause · c: configuration · p: phones · l: log out · q: quit/);
    } finally {
      console.close();
    }
  });

  test('h declines a ringing call; the Polish catalogue names the keys', async () => {
    const phone = new FakeDeskPhone();
    const console = await signedIn(phone, 'pl');
    try {
      await console.see('Telefon 201 (w konsoli) — a: odbierz · h: rozłącz');
      phone.set('ringing');
      await console.see('a: odbierz · h: odrzuć');
      await console.press('h');
      assert.equal(phone.state(), 'idle');
      await console.see((f) => !f.includes('odrzuć'), 'the ringing hint to go');
    } finally {
      console.close();
    }
  });

  test('a console without a desk phone shows no hint and ignores a and h', async () => {
    const console = await signedIn(undefined);
    try {
      await console.see('Station 201');
      await console.press('a');
      await console.press('h');
      await console.see('q: quit');
      assert.doesNotMatch(console.frame(), /a: answer|in this console/);
    } finally {
      console.close();
    }
  });
});
