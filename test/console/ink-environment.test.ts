import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prepareInkEnvironment, withoutFetch } from '../../source/console/ink-environment.js';

test('a CI flag in the environment is dropped, so Ink draws live on the terminal', () => {
  const env: NodeJS.ProcessEnv = { CI: 'true', CONTINUOUS_INTEGRATION: '1', CI_JOB_ID: '7', LANG: 'pl_PL.UTF-8' };
  prepareInkEnvironment(env);
  assert.deepEqual(env, { CI_JOB_ID: '7', LANG: 'pl_PL.UTF-8', NODE_ENV: 'production' });
});

test('React runs its production build unless NODE_ENV says otherwise', () => {
  const unset: NodeJS.ProcessEnv = {};
  prepareInkEnvironment(unset);
  assert.equal(unset.NODE_ENV, 'production');
  const development: NodeJS.ProcessEnv = { NODE_ENV: 'development' };
  prepareInkEnvironment(development);
  assert.equal(development.NODE_ENV, 'development');
});

test('fetch is hidden only while Ink loads, and is the same function afterwards', async () => {
  const before = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
  let seen: unknown = 'not called';
  const result = await withoutFetch(async () => {
    seen = typeof globalThis.fetch;
    return 42;
  });
  assert.equal(result, 42);
  assert.equal(seen, 'undefined');
  assert.deepEqual(Object.getOwnPropertyDescriptor(globalThis, 'fetch'), before);
  assert.equal(typeof fetch, 'function');
});

test('fetch comes back when loading fails', async () => {
  await assert.rejects(withoutFetch(() => Promise.reject(new Error('no such module'))), /no such module/);
  assert.equal(typeof fetch, 'function');
});
