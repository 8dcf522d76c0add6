// The `dispatcher` command as it ships: the esbuild bundle (npm run build)
// must run every kind of command, not only the sources under tsx. Built into
// a folder of its own inside the package, so two test runs do not collide.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('the bundled command (npm run build)', () => {
  let outdir: string;
  let dataDir: string;
  const run = (...args: string[]) => spawnSync(process.execPath, [path.join(outdir, 'cli.js'), ...args], { cwd: tmpdir(), encoding: 'utf8', timeout: 30_000 });

  before(() => {
    outdir = mkdtempSync(path.join(root, '.build-test-'));
    dataDir = mkdtempSync(path.join(tmpdir(), 'build-test-data-'));
    const built = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--outdir', outdir], { cwd: root, encoding: 'utf8' });
    assert.equal(built.status, 0, built.stderr);
  });
  after(() => {
    rmSync(outdir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps each command in a chunk of its own', () => {
    const files = readdirSync(outdir).filter((f) => f.endsWith('.js'));
    for (const command of ['console', 'pbx', 'admin', 'test-call', 'demo']) {
      assert.ok(files.some((f) => f.startsWith(`${command}-`)), `no chunk for ${command} in ${files.join(', ')}`);
    }
  });

  it('prints its version and help', () => {
    const version = run('--version');
    assert.equal(version.status, 0, version.stderr);
    assert.match(version.stdout, /^\d+\.\d+\.\d+/);
    const help = run('--help');
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /test-call/);
  });

  it('opens the database (the native addon stays outside the bundle)', () => {
    const added = run('admin', 'phone', 'add', '201', '--password', 'telefon-201', '--data', dataDir);
    assert.equal(added.status, 0, added.stderr);
    const listed = run('admin', 'phone', 'list', '--data', dataDir);
    assert.equal(listed.status, 0, listed.stderr);
    assert.match(listed.stdout, /201/);
  });

  it('refuses a bad option with exit code 2 before starting anything', () => {
    const bad = run('pbx', '--rtp-ports', 'many');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--rtp-ports/);
  });
});
