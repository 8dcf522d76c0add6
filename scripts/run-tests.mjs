// What `npm test` runs: make sure the tools the tests drive are installed, then
// run every test file under test/ with node's test runner, one file at a time
// (the SIP tests bind real ports). Node 20 neither expands globs for --test nor
// picks up .tsx by itself, hence the explicit file list.
//
//   npm test                          every test
//   npm test -- test/cli              only files under these paths
//   npm test -- --test-name-pattern=loopback   extra flags go to node
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTools } from './ensure-tools.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const testTimeoutMs = 120_000;

function testFiles(dir) {
  const files = [];
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const relative = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...testFiles(relative));
    else if (/\.test\.tsx?$/.test(entry.name)) files.push(relative);
  }
  return files;
}

const args = process.argv.slice(2);
const nodeFlags = args.filter((arg) => arg.startsWith('-'));
const only = args.filter((arg) => !arg.startsWith('-')).map((arg) => path.posix.normalize(arg).replace(/\/$/, ''));

const files = testFiles('test')
  .filter((file) => only.length === 0 || only.some((p) => file === p || file.startsWith(`${p}/`)))
  .sort();
if (files.length === 0) {
  console.error(`run-tests: no test files found${only.length ? ` under ${only.join(', ')}` : ''}`);
  process.exit(1);
}

try {
  ensureTools();
} catch (error) {
  console.error(`run-tests: ${error.message}`);
  process.exit(1);
}

const run = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', `--test-timeout=${testTimeoutMs}`, ...nodeFlags, ...files],
  { cwd: root, stdio: 'inherit' },
);
if (run.error) {
  console.error(`run-tests: could not start node: ${run.error.message}`);
  process.exit(1);
}
process.exit(run.status ?? 1);
