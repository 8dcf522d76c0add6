// `dispatcher test-call` options, parsed without spawning anything.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseArgs, type CommandLine } from '../../source/commands/argv.js';
import { parseServer } from '../../source/commands/test-call-config.js';

const env = {};
function parsed(argv: string[], environment: Record<string, string> = env): CommandLine {
  return parseArgs(['test-call', ...argv], { env: environment });
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
