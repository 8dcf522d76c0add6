// The login and configuration forms' key handling, as a pure reducer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Key } from 'ink';
import { formReducer, initialForm, type FormState } from '../../source/console/components/form.js';

const none: Key = { upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false, return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false, super: false, hyper: false, capsLock: false, numLock: false };
const fields = ['server', 'user', 'password'] as const;
type Field = (typeof fields)[number];
const start = (): FormState<Field> => initialForm(fields, { server: 'http://127.0.0.1:8080', user: '', password: '' }, 'user');
const input = (state: FormState<Field>, text: string, key: Partial<Key> = {}) => formReducer(state, { type: 'key', input: text, key: { ...none, ...key } });

test('typed keys: letters go to the focused field, Tab moves on, Enter on the last field submits', () => {
  let form = start();
  for (const c of 'ola') form = input(form, c);
  form = input(form, '', { tab: true });
  for (const c of 'tajne') form = input(form, c);
  form = input(form, '', { return: true });
  assert.deepEqual([form.values.user, form.values.password, form.focus, form.submitted], ['ola', 'tajne', 'password', true]);
});

test('a paste with Tab and Enter inside acts as the same keys typed one by one', () => {
  const form = input(start(), 'ola\ttajne\r');
  assert.deepEqual([form.values.user, form.values.password, form.focus, form.submitted], ['ola', 'tajne', 'password', true]);
});

test('a pasted line feed is Enter too, and nothing after the submitting Enter is typed', () => {
  const form = input(start(), 'ola\ntajne\nleftover');
  assert.deepEqual([form.values.user, form.values.password, form.submitted], ['ola', 'tajne', true]);
});

test('a paste of plain text goes to the focused field whole, without control characters', () => {
  const form = input(start(), 'ola\u0007nowak');
  assert.equal(form.values.user, 'olanowak');
  assert.equal(form.focus, 'user');
});
