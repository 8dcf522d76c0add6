// Tools the tests drive besides Node: SIPp (Debian package sip-tester) and
// baresip, a real softphone (Debian package baresip). On a fresh machine, as
// root, they are installed; otherwise their absence stops the run with the
// command that fixes it, rather than letting e2e tests fail one by one.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

const tools = [
  { command: 'sipp', debianPackage: 'sip-tester' },
  // --no-install-recommends below keeps out its GTK, X11 and GStreamer front ends.
  { command: 'baresip', debianPackage: 'baresip' },
];

export function onPath(command) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    try {
      accessSync(path.join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

export function ensureTools() {
  const missing = tools.filter((tool) => !onPath(tool.command));
  if (missing.length === 0) return;
  const packages = missing.map((tool) => tool.debianPackage);
  const names = missing.map((tool) => tool.command).join(', ');

  if (process.getuid?.() !== 0) {
    throw new Error(`${names} not found on PATH; install it with: sudo apt-get install -y ${packages.join(' ')}`);
  }
  console.error(`run-tests: ${names} not found; installing ${packages.join(' ')} with apt-get`);
  apt(['update']);
  apt(['install', '-y', '--no-install-recommends', ...packages]);
  const stillMissing = missing.filter((tool) => !onPath(tool.command));
  if (stillMissing.length > 0) {
    throw new Error(`apt-get installed ${packages.join(' ')} but ${stillMissing.map((t) => t.command).join(', ')} is still not on PATH`);
  }
}

function apt(args) {
  const run = spawnSync('apt-get', args, {
    // CI has no terminal and no stdin: never let apt or debconf ask anything.
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (run.error) throw new Error(`apt-get ${args[0]} could not run: ${run.error.message}`);
  if (run.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed with exit code ${run.status ?? run.signal}`);
}
