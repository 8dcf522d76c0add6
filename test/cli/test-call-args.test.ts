// `dispatcher test-call` options, parsed without spawning anything.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseArgs, type CommandLine } from '../../source/commands/argv.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseServer } from '../../source/commands/test-call-config.js';
import { storedStation } from '../../source/console/settings-rules.js';

const env = {};
const nothingStored = () => ({});
function parsed(argv: string[], environment: Record<string, string> = env, storedStation = nothingStored): CommandLine {
  return parseArgs(['test-call', ...argv], { env: environment, storedStation });
}

describe('dispatcher test-call options', () => {
  test('takes server, extension and password, with defaults for the rest', () => {
    const line = parsed(['--server', '192.168.1.10', '--extension', '201', '--password', 's3cret']);
    assert.deepEqual(line, {
      kind: 'test-call',
      config: { server: { host: '192.168.1.10', port: 5060 }, extension: '201', password: 's3cret', seconds: 5, json: false, transport: 'udp', localAddress: undefined },
    });
  });

  test('reads the password from DISPATCHER_PASSWORD', () => {
    const line = parsed(['--server', 'pbx.example:5080', '--extension', '201', '--transport', 'tcp', '--json', '--seconds', '9', '--local-address', '10.0.0.5'], { DISPATCHER_PASSWORD: 'from-env' });
    assert.equal(line.kind, 'test-call');
    const config = (line as Extract<CommandLine, { kind: 'test-call' }>).config;
    assert.deepEqual(config, { server: { host: 'pbx.example', port: 5080 }, extension: '201', password: 'from-env', seconds: 9, json: true, transport: 'tcp', localAddress: '10.0.0.5' });
  });

  test('names every missing or bad option at once', () => {
    const line = parsed(['--seconds', 'ten', '--local-address', 'here']);
    assert.equal(line.kind, 'usage-error');
    const errors = (line as Extract<CommandLine, { kind: 'usage-error' }>).errors.join('\n');
    for (const option of ['--server is required', '--extension is required', '--password is required', '--seconds', '--local-address']) assert.match(errors, new RegExp(option));
    assert.equal((line as Extract<CommandLine, { kind: 'usage-error' }>).helpCommand, 'dispatcher test-call --help');
  });

  test("takes the server's host and the extension from the console's stored station", () => {
    const stored = () => ({ server: 'http://192.168.1.10:8080', extension: '203' });
    const line = parsed(['--password', 's3cret'], env, stored);
    assert.equal(line.kind, 'test-call');
    const config = (line as Extract<CommandLine, { kind: 'test-call' }>).config;
    assert.deepEqual(config.server, { host: '192.168.1.10', port: 5060 });
    assert.equal(config.extension, '203');
    // The command line wins.
    const given = parsed(['--password', 's3cret', '--server', '10.0.0.2:5070', '--extension', '205'], env, stored);
    assert.deepEqual((given as Extract<CommandLine, { kind: 'test-call' }>).config.server, { host: '10.0.0.2', port: 5070 });
    assert.equal((given as Extract<CommandLine, { kind: 'test-call' }>).config.extension, '205');
    const v6 = parsed(['--password', 's3cret'], env, () => ({ server: 'http://[fd00::5]:8080' }));
    assert.equal(v6.kind, 'usage-error', 'no extension stored');
    assert.match((v6 as Extract<CommandLine, { kind: 'usage-error' }>).errors.join('\n'), /--extension is required/);
  });

  test('reads the stored station from the settings file the console writes', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'test-call-settings-'));
    try {
      writeFileSync(path.join(dir, 'console.json'), JSON.stringify({ server: 'http://10.1.2.3:8080', extension: '207', token: 'x' }));
      assert.deepEqual(storedStation({ DISPATCHER_CONSOLE_DIR: dir }, '/nonexistent'), { server: 'http://10.1.2.3:8080', extension: '207' });
      writeFileSync(path.join(dir, 'console.json'), '{ not json');
      assert.deepEqual(storedStation({ DISPATCHER_CONSOLE_DIR: dir }, '/nonexistent'), {});
      assert.deepEqual(storedStation({}, dir), {}, 'no settings under that home');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('refuses an unknown transport', () => {
    assert.equal(parsed(['--server', 'x', '--extension', '1', '--password', 'p', '--transport', 'tls']).kind, 'usage-error');
  });

  test('reads host[:port] forms, IPv6 in brackets', () => {
    assert.deepEqual(parseServer('10.0.0.1'), { host: '10.0.0.1', port: 5060 });
    assert.deepEqual(parseServer('[::1]:5080'), { host: '::1', port: 5080 });
    assert.deepEqual(parseServer('::1'), { host: '::1', port: 5060 });
    assert.deepEqual(parseServer('pbx.example'), { host: 'pbx.example', port: 5060 });
    for (const bad of ['', 'a b', 'host:0', 'host:70000', '[pbx]:5060', 'host:port']) assert.equal(parseServer(bad), undefined, bad);
  });
});
