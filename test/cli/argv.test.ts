// The command line parser is pure: these tests call it directly, plus one
// spawn of the real entry point to prove the wiring.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseArgs, type CommandLine } from '../../source/commands/argv.js';
import { isLoopback, type SipServerConfig } from '../../source/commands/sip-server-config.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function sipServerConfig(argv: string[]): SipServerConfig {
  const commandLine = parseArgs(argv);
  assert.equal(commandLine.kind, 'sip-server', JSON.stringify(commandLine));
  return (commandLine as Extract<CommandLine, { kind: 'sip-server' }>).config;
}

function usageErrors(argv: string[]): string[] {
  const commandLine = parseArgs(argv);
  assert.equal(commandLine.kind, 'usage-error', JSON.stringify(commandLine));
  return (commandLine as Extract<CommandLine, { kind: 'usage-error' }>).errors;
}

function printed(argv: string[]): string {
  const commandLine = parseArgs(argv);
  assert.equal(commandLine.kind, 'print', JSON.stringify(commandLine));
  return (commandLine as Extract<CommandLine, { kind: 'print' }>).text;
}

describe('dispatcher command line', () => {
  test('--help lists the sip-server, pbx and admin commands', () => {
    const help = printed(['--help']);
    for (const command of ['sip-server', 'pbx', 'admin']) assert.match(help, new RegExp(`dispatcher ${command}`));
  });

  test('--version prints the version from package.json', () => {
    const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    assert.equal(printed(['--version']), manifest.version);
  });

  test('sip-server --help describes every option', () => {
    const help = printed(['sip-server', '--help']);
    for (const option of ['--contact', '--port', '--address', '--secret', '--loglevel', '--t1']) {
      assert.match(help, new RegExp(option));
    }
  });

  test('no command is the console, on its defaults', () => {
    const commandLine = parseArgs([], { env: {} });
    assert.deepEqual(commandLine, {
      kind: 'console',
      options: { server: undefined, headless: undefined, user: undefined, password: undefined, extension: undefined, paused: false, language: undefined, settingsDir: undefined },
    });
  });

  test('the console takes its options, the password and settings folder also from the environment', () => {
    const commandLine = parseArgs(['--server', 'http://192.168.1.10:8080/', '--headless', '--user', 'kiosk1', '--extension', '201', '--paused', '--lang', 'en'], {
      env: { DISPATCHER_PASSWORD: 'from-env', DISPATCHER_CONSOLE_DIR: '/tmp/station-1' },
    });
    assert.deepEqual(commandLine, {
      kind: 'console',
      options: { server: 'http://192.168.1.10:8080', headless: true, user: 'kiosk1', password: 'from-env', extension: '201', paused: true, language: 'en', settingsDir: '/tmp/station-1' },
    });
  });

  test('bad console options are all reported at once', () => {
    const errors = usageErrors(['--server', 'ftp://x', '--extension', '2a', '--lang', 'de']);
    assert.equal(errors.length, 3);
    assert.match(errors.join('\n'), /--server.*--extension.*--lang/s);
  });

  test('console options do not leak into other commands', () => {
    assert.match(usageErrors(['pbx', '--server', 'http://127.0.0.1:8080'])[0]!, /server/);
  });

  test('a command that does not exist is rejected', () => {
    assert.match(usageErrors(['fly'])[0]!, /fly/);
  });

  test('unknown options are rejected', () => {
    assert.match(usageErrors(['sip-server', '--contacts', 'sip:127.0.0.1'])[0]!, /contacts/);
  });

  test('parsing the same argv twice gives the same result', () => {
    const argv = ['sip-server', '--contact', 'sip:127.0.0.1:5070', '--t1', '100'];
    assert.deepEqual(parseArgs(argv), parseArgs(argv));
  });
});

describe('dispatcher sip-server options', () => {
  test('defaults are drachtio-server defaults', () => {
    assert.deepEqual(sipServerConfig(['sip-server']), {
      contacts: ['sip:127.0.0.1:5060;transport=udp,tcp'],
      control: { address: '127.0.0.1', port: 9022 },
      secret: 'cymru',
      loglevel: 'info',
      t1: 500,
    });
  });

  test('every option is read', () => {
    const config = sipServerConfig([
      'sip-server',
      '--contact', 'sip:127.0.0.1:5070;transport=udp',
      '--port', '0',
      '--address', '::1',
      '--secret', 's3cret',
      '--loglevel', 'debug',
      '--t1', '50',
    ]);
    assert.deepEqual(config, {
      contacts: ['sip:127.0.0.1:5070;transport=udp'],
      control: { address: '::1', port: 0 },
      secret: 's3cret',
      loglevel: 'debug',
      t1: 50,
    });
  });

  test('--contact can be given more than once', () => {
    const config = sipServerConfig([
      'sip-server',
      '--contact', 'sip:127.0.0.1:5060;transport=udp',
      '--contact', 'sip:[::1]:5062;transport=tcp',
    ]);
    assert.deepEqual(config.contacts, ['sip:127.0.0.1:5060;transport=udp', 'sip:[::1]:5062;transport=tcp']);
  });

  test('a contact that is not a sip: URI is rejected', () => {
    assert.match(usageErrors(['sip-server', '--contact', '127.0.0.1:5060'])[0]!, /sip:/);
    assert.match(usageErrors(['sip-server', '--contact', 'sips:127.0.0.1'])[0]!, /sip:/);
  });

  test('a contact with a transport other than udp or tcp is rejected', () => {
    assert.match(usageErrors(['sip-server', '--contact', 'sip:127.0.0.1;transport=tls'])[0]!, /transport/);
  });

  test('a control port that is not a number from 0 to 65535 is rejected', () => {
    for (const port of ['abc', '-1', '65536', '90.5', '']) {
      assert.match(usageErrors(['sip-server', '--port', port])[0]!, /--port/, port);
    }
  });

  test('a control address that is not an IP address is rejected', () => {
    assert.match(usageErrors(['sip-server', '--address', 'not an address', '--secret', 'x'])[0]!, /--address/);
  });

  test('an unknown log level is rejected', () => {
    assert.match(usageErrors(['sip-server', '--loglevel', 'loud'])[0]!, /--loglevel.*error, warn, info, debug/);
  });

  test('a T1 that is not a positive number of milliseconds is rejected', () => {
    for (const t1 of ['0', 'fast', '-5']) {
      assert.match(usageErrors(['sip-server', '--t1', t1])[0]!, /--t1/, t1);
    }
  });

  test('a single-valued option given twice is rejected', () => {
    assert.match(usageErrors(['sip-server', '--port', '1', '--port', '2'])[0]!, /more than once/);
  });

  test('every bad value is reported at once', () => {
    assert.equal(usageErrors(['sip-server', '--port', 'x', '--t1', 'y', '--loglevel', 'z']).length, 3);
  });

  test('a non-loopback control address without an explicit secret is refused', () => {
    for (const address of ['0.0.0.0', '192.168.1.10', '::']) {
      assert.match(usageErrors(['sip-server', '--address', address])[0]!, /--secret/, address);
    }
  });

  test('a non-loopback control address with an explicit secret is accepted, even the default one', () => {
    assert.equal(sipServerConfig(['sip-server', '--address', '0.0.0.0', '--secret', 's3cret']).secret, 's3cret');
    assert.equal(sipServerConfig(['sip-server', '--address', '0.0.0.0', '--secret', 'cymru']).secret, 'cymru');
  });

  test('an empty secret is rejected', () => {
    assert.match(usageErrors(['sip-server', '--secret', ''])[0]!, /--secret/);
  });

  test('loopback means 127.0.0.0/8, ::1 in any spelling, and localhost', () => {
    for (const address of ['127.0.0.1', '127.1.2.3', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', 'localhost']) {
      assert.equal(isLoopback(address), true, address);
    }
    for (const address of ['0.0.0.0', '10.0.0.1', '::', '128.0.0.1', '::ffff:10.0.0.1', 'example.org']) {
      assert.equal(isLoopback(address), false, address);
    }
  });
});

describe('the dispatcher entry point', () => {
  function runCli(...args: string[]) {
    return spawnSync(process.execPath, ['--import', 'tsx', 'cli.tsx', ...args], {
      cwd: root,
      encoding: 'utf8',
      timeout: 30_000,
    });
  }

  test('--help exits 0 and names the sip-server command', () => {
    const run = runCli('--help');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /sip-server/);
  });

  test('sip-server on a public address without a secret exits 2 before starting anything', () => {
    const run = runCli('sip-server', '--address', '0.0.0.0', '--port', '0');
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /--secret/);
    assert.equal(run.stdout, '');
  });
});
