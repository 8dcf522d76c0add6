import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseArgs } from '../../source/commands/argv.js';
import { openStore } from '../../source/store/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const context = { env: {}, homedir: '/home/ola', cwd: '/srv' };

describe('dispatcher calls', () => {
  it('defaults to the last 50 calls as a table from the per-user data dir', () => {
    assert.deepEqual(parseArgs(['calls'], context), {
      kind: 'calls',
      options: { dataDir: '/home/ola/.local/share/dispatcher-console', limit: 50, csv: false },
    });
  });

  it('refuses a limit that is not a positive whole number', () => {
    const r = parseArgs(['calls', '--limit', '0'], context);
    assert.equal(r.kind, 'usage-error');
  });

  it('exports the call log as CSV, quoting what needs quoting', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'calls-cli-'));
    try {
      const store = openStore(dir);
      const t0 = Date.parse('2030-05-01T08:00:00Z');
      const call = store.calls.arrived('x@trunk', '48600100200', t0);
      const offer = store.calls.offered(call, '201', undefined, t0);
      store.calls.offerEnded(offer, 'answered', t0 + 4000);
      store.calls.answered(call, { extension: '201', login: 'ola' }, t0, t0 + 4000);
      store.calls.recorded(call, '/rec/a,b.wav');
      store.calls.ended(call, 'answered', { arrivedAt: t0, answeredAt: t0 + 4000 }, t0 + 64_000);
      store.close();
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'cli.tsx', 'calls', '--csv', '--data', dir], { cwd: root, encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      assert.equal(
        run.stdout,
        'arrived,caller,outcome,wait_s,talk_s,answered_by,offers,recording\n' +
          '2030-05-01T08:00:00.000Z,48600100200,answered,4.0,60.0,201 (ola),201:answered,"/rec/a,b.wav"\n',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
