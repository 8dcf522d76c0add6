// `dispatcher admin` command lines, parsed without opening anything.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AdminAction } from '../../source/commands/admin-config.js';
import { parseArgs, type CommandLine, type ParseContext } from '../../source/commands/argv.js';

const context: ParseContext = { env: {}, homedir: '/home/anna', cwd: '/srv/taxi' };
const defaultDataDir = '/home/anna/.local/share/dispatcher-console';

function action(argv: string[], env: ParseContext['env'] = {}): AdminAction {
  const commandLine = parseArgs(['admin', ...argv], { ...context, env });
  assert.equal(commandLine.kind, 'admin', JSON.stringify(commandLine));
  return (commandLine as Extract<CommandLine, { kind: 'admin' }>).action;
}

function usageError(argv: string[], env: ParseContext['env'] = {}) {
  const commandLine = parseArgs(['admin', ...argv], { ...context, env });
  assert.equal(commandLine.kind, 'usage-error', JSON.stringify(commandLine));
  return commandLine as Extract<CommandLine, { kind: 'usage-error' }>;
}

describe('dispatcher admin user', () => {
  test('user add makes a dispatcher, and --configure adds the configure role', () => {
    assert.deepEqual(action(['user', 'add', 'anna', '--password', 'password1']), {
      command: 'user add',
      dataDir: defaultDataDir,
      login: 'anna',
      password: 'password1',
      roles: ['dispatcher'],
    });
    assert.deepEqual(
      action(['user', 'add', 'boss', '--password', 'password1', '--name', 'Szef Zmiany', '--configure', '--data', 'd']),
      {
        command: 'user add',
        dataDir: '/srv/taxi/d',
        login: 'boss',
        password: 'password1',
        displayName: 'Szef Zmiany',
        roles: ['dispatcher', 'configure'],
      },
    );
  });

  test('the password may come from $DISPATCHER_PASSWORD instead of the command line', () => {
    const env = { DISPATCHER_PASSWORD: 'from-the-env' };
    assert.equal((action(['user', 'add', 'anna'], env) as { password: string }).password, 'from-the-env');
    assert.equal((action(['user', 'passwd', 'anna'], env) as { password: string }).password, 'from-the-env');
    assert.equal(
      (action(['user', 'add', 'anna', '--password', 'from-argv-1'], env) as { password: string }).password,
      'from-argv-1',
    );
  });

  test('without --password or $DISPATCHER_PASSWORD, adding a user is a usage error that says both', () => {
    const { errors, helpCommand } = usageError(['user', 'add', 'anna']);
    assert.deepEqual(errors, ['--password: required (or set $DISPATCHER_PASSWORD)']);
    assert.equal(helpCommand, 'dispatcher admin user add --help');
  });

  test('a bad login, a short password or an empty name is a usage error, all reported at once', () => {
    const { errors } = usageError(['user', 'add', 'Anna Nowak', '--password', 'short', '--name', '']);
    assert.deepEqual(errors, [
      'login "Anna Nowak": expected 1 to 32 characters a-z, 0-9, dot, underscore or hyphen',
      '--password: at least 8 characters',
      '--name: must not be empty',
    ]);
    assert.match(usageError(['user', 'passwd', 'anna'], { DISPATCHER_PASSWORD: 'short' }).errors[0]!, /^\$DISPATCHER_PASSWORD: at least 8/);
  });

  test('user list, passwd and remove', () => {
    assert.deepEqual(action(['user', 'list', '--data', '/d']), { command: 'user list', dataDir: '/d' });
    assert.deepEqual(action(['user', 'passwd', 'anna', '--password', 'password2']), {
      command: 'user passwd',
      dataDir: defaultDataDir,
      login: 'anna',
      password: 'password2',
    });
    assert.deepEqual(action(['user', 'remove', 'anna'], { DISPATCHER_DATA: '/var/lib/taxi' }), {
      command: 'user remove',
      dataDir: '/var/lib/taxi',
      login: 'anna',
    });
  });

  test('a login that looks like a number stays text', () => {
    assert.equal((action(['user', 'remove', '007']) as { login: string }).login, '007');
  });
});

describe('dispatcher admin phone', () => {
  test('phone add makes a desk phone unless --kind says otherwise', () => {
    assert.deepEqual(action(['phone', 'add', '201', '--password', 'sip-secret']), {
      command: 'phone add',
      dataDir: defaultDataDir,
      extension: '201',
      password: 'sip-secret',
      kind: 'desk',
    });
    assert.deepEqual(action(['phone', 'add', '0202', '--password', 'sip-secret', '--kind', 'android', '--name', 'Kasia']), {
      command: 'phone add',
      dataDir: defaultDataDir,
      extension: '0202',
      password: 'sip-secret',
      displayName: 'Kasia',
      kind: 'android',
    });
  });

  test('a bad extension, SIP password or kind is a usage error', () => {
    assert.deepEqual(usageError(['phone', 'add', '2', '--password', 'sip secret', '--kind', 'fax']).errors, [
      'extension "2": expected 2 to 6 digits',
      '--password: printable ASCII only, no spaces',
      '--kind "fax": expected one of headset, desk, android',
    ]);
    assert.match(usageError(['phone', 'remove', '20x']).errors[0]!, /extension "20x"/);
  });

  test('phone list and remove', () => {
    assert.deepEqual(action(['phone', 'list']), { command: 'phone list', dataDir: defaultDataDir });
    assert.deepEqual(action(['phone', 'remove', '201']), { command: 'phone remove', dataDir: defaultDataDir, extension: '201' });
  });
});

describe('dispatcher admin usage errors', () => {
  test('admin alone, or user alone, asks to choose, pointing at the right help', () => {
    assert.deepEqual(usageError([]), {
      kind: 'usage-error',
      errors: ['Choose: admin user or admin phone.'],
      helpCommand: 'dispatcher admin --help',
    });
    assert.equal(usageError(['user']).helpCommand, 'dispatcher admin user --help');
    assert.match(usageError(['phone']).errors[0]!, /phone add, list or remove/);
  });

  test('a missing login or extension, an unknown subcommand or option are rejected', () => {
    assert.equal(usageError(['user', 'add', '--password', 'password1']).helpCommand, 'dispatcher admin user add --help');
    assert.match(usageError(['user', 'rename', 'anna']).errors[0]!, /rename/);
    assert.match(usageError(['phone', 'add', '201', '--password', 'sip-secret', '--codec', 'pcma']).errors[0]!, /codec/);
    assert.match(usageError(['phone', 'list', 'extra']).errors[0]!, /extra/);
  });

  test('a repeated single-valued option is rejected', () => {
    assert.match(
      usageError(['user', 'add', 'anna', '--password', 'password1', '--password', 'password2']).errors[0]!,
      /--password: given more than once/,
    );
  });

  test('admin help lists its subcommands', () => {
    const commandLine = parseArgs(['admin', 'user', '--help'], context);
    assert.equal(commandLine.kind, 'print');
    const text = (commandLine as Extract<CommandLine, { kind: 'print' }>).text;
    for (const command of ['add <login>', 'list', 'passwd <login>', 'remove <login>']) {
      assert.ok(text.includes(`dispatcher admin user ${command}`), command);
    }
  });
});
