import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prepareInkEnvironment } from '../../source/console/ink-environment.js';

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
