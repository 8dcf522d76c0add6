// `dispatcher demo` options, parsed without spawning anything.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parseArgs, type CommandLine } from '../../source/commands/argv.js';

const context = { env: {}, cwd: '/srv', homedir: '/home/x' };

describe('dispatcher demo options', () => {
  test('defaults: 3 stations, 12 calls a minute, a temporary data folder, the console', () => {
    assert.deepEqual(parseArgs(['demo'], context), { kind: 'demo', config: { stations: 3, rate: 12, dataDir: undefined, loglevel: 'warn', console: true, language: undefined } });
  });

  test('--no-console prints events; --lang picks the console language', () => {
    assert.deepEqual(parseArgs(['demo', '--no-console'], context), { kind: 'demo', config: { stations: 3, rate: 12, dataDir: undefined, loglevel: 'warn', console: false, language: undefined } });
    const line = parseArgs(['demo', '--lang', 'en'], context);
    assert.equal(line.kind === 'demo' && line.config.language, 'en');
    assert.equal(parseArgs(['demo', '--lang', 'de'], context).kind, 'usage-error');
  });

  test('takes stations, rate, a data folder to keep and a log level', () => {
    const line = parseArgs(['demo', '--stations', '5', '--rate', '0.5', '--data', 'office', '--loglevel', 'info'], context);
    assert.deepEqual(line, { kind: 'demo', config: { stations: 5, rate: 0.5, dataDir: path.resolve('/srv', 'office'), loglevel: 'info', console: true, language: undefined } });
  });

  test('names every bad value at once', () => {
    const line = parseArgs(['demo', '--stations', '0', '--rate', 'fast'], context);
    assert.equal(line.kind, 'usage-error');
    const errors = (line as Extract<CommandLine, { kind: 'usage-error' }>).errors.join('\n');
    assert.match(errors, /--stations/);
    assert.match(errors, /--rate/);
  });

  test('--help of the whole command lists test-call and demo', () => {
    const help = parseArgs(['--help'], context);
    assert.equal(help.kind, 'print');
    assert.match((help as Extract<CommandLine, { kind: 'print' }>).text, /dispatcher test-call/);
    assert.match((help as Extract<CommandLine, { kind: 'print' }>).text, /dispatcher demo/);
  });
});
