// `dispatcher pbx` options, parsed without starting anything.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseArgs, type CommandLine, type ParseContext } from '../../source/commands/argv.js';
import type { PbxConfig } from '../../source/commands/pbx-config.js';

const context: ParseContext = { env: {}, homedir: '/home/anna', cwd: '/srv/taxi' };

function pbxConfig(argv: string[], env: ParseContext['env'] = {}): PbxConfig {
  const commandLine = parseArgs(['pbx', ...argv], { ...context, env });
  assert.equal(commandLine.kind, 'pbx', JSON.stringify(commandLine));
  return (commandLine as Extract<CommandLine, { kind: 'pbx' }>).config;
}

function usageErrors(argv: string[], env: ParseContext['env'] = {}): string[] {
  const commandLine = parseArgs(['pbx', ...argv], { ...context, env });
  assert.equal(commandLine.kind, 'usage-error', JSON.stringify(commandLine));
  return (commandLine as Extract<CommandLine, { kind: 'usage-error' }>).errors;
}

describe('dispatcher pbx options', () => {
  test('defaults: embedded SIP server on loopback, API on 127.0.0.1:8080, MD5 then SHA-256', () => {
    assert.deepEqual(pbxConfig([]), {
      dataDir: '/home/anna/.local/share/dispatcher-console',
      contacts: ['sip:127.0.0.1:5060;transport=udp,tcp'],
      api: { host: '127.0.0.1', port: 8080 },
      domain: 'dispatcher',
      drachtio: undefined,
      adminPassword: undefined,
      loglevel: 'info',
      t1: 500,
      digestAlgorithms: ['MD5', 'SHA-256'],
      registerMinExpires: 60,
      registerMaxExpires: 3600,
      authFailLimit: 5,
      authFailWindowSeconds: 60,
      optionsPingSeconds: 30,
      leaseMs: 3000,
      loginFailLimit: 5,
      loginLockSeconds: 300,
      queueNumber: '100',
      trunks: [],
      waiting: 'music',
      strategy: 'longest-idle',
      ringTimeoutSeconds: 20,
      missedBeforePause: 2,
      wrapUpSeconds: 0,
      overflowAfterSeconds: undefined,
      overflowTo: undefined,
      record: true,
      rtpPorts: { min: 20000, max: 29999 },
    });
  });

  test('every option is read, numbers as numbers', () => {
    const config = pbxConfig([
      '--data', 'var',
      '--contact', 'sip:127.0.0.1:5070;transport=udp',
      '--contact', 'sip:[::1]:5070;transport=tcp',
      '--api', '0.0.0.0:0',
      '--domain', 'taxi.example',
      '--admin-password', 'first-admin',
      '--loglevel', 'debug',
      '--t1', '100',
      '--digest-algorithms', 'sha-256,md5',
      '--register-min-expires', '30',
      '--register-max-expires', '600',
      '--auth-fail-limit', '3',
      '--auth-fail-window', '120',
      '--options-ping', '10',
      '--lease', '1500',
      '--login-fail-limit', '10',
      '--login-lock', '60',
      '--queue-number', '9191',
      '--trunk', '127.0.0.2',
      '--trunk', '10.0.0.0/8',
      '--waiting', 'ringback',
      '--strategy', 'ring-all',
      '--ring-timeout', '15',
      '--missed-before-pause', '3',
      '--wrap-up', '5',
      '--overflow-after', '120',
      '--overflow-to', 'sip:night@127.0.0.3',
      '--no-record',
      '--rtp-ports', '30000-30100',
    ]);
    assert.deepEqual(config, {
      dataDir: '/srv/taxi/var',
      contacts: ['sip:127.0.0.1:5070;transport=udp', 'sip:[::1]:5070;transport=tcp'],
      api: { host: '0.0.0.0', port: 0 },
      domain: 'taxi.example',
      drachtio: undefined,
      adminPassword: 'first-admin',
      loglevel: 'debug',
      t1: 100,
      digestAlgorithms: ['SHA-256', 'MD5'],
      registerMinExpires: 30,
      registerMaxExpires: 600,
      authFailLimit: 3,
      authFailWindowSeconds: 120,
      optionsPingSeconds: 10,
      leaseMs: 1500,
      loginFailLimit: 10,
      loginLockSeconds: 60,
      queueNumber: '9191',
      trunks: ['127.0.0.2', '10.0.0.0/8'],
      waiting: 'ringback',
      strategy: 'ring-all',
      ringTimeoutSeconds: 15,
      missedBeforePause: 3,
      wrapUpSeconds: 5,
      overflowAfterSeconds: 120,
      overflowTo: 'sip:night@127.0.0.3',
      record: false,
      rtpPorts: { min: 30000, max: 30100 },
    });
  });

  test('the data directory comes from $DISPATCHER_DATA, then $XDG_DATA_HOME, when --data is absent', () => {
    assert.equal(pbxConfig([], { DISPATCHER_DATA: '/var/lib/taxi' }).dataDir, '/var/lib/taxi');
    assert.equal(pbxConfig([], { XDG_DATA_HOME: '/xdg' }).dataDir, '/xdg/dispatcher-console');
    assert.equal(pbxConfig(['--data', '/d'], { DISPATCHER_DATA: '/var/lib/taxi' }).dataDir, '/d');
  });

  test('--api takes an IPv6 address in brackets, or localhost', () => {
    assert.deepEqual(pbxConfig(['--api', '[::1]:8081']).api, { host: '::1', port: 8081 });
    assert.deepEqual(pbxConfig(['--api', 'localhost:9000']).api, { host: 'localhost', port: 9000 });
  });

  test('an --api that is not an address and port to listen on is rejected', () => {
    for (const api of ['8080', '127.0.0.1', '127.0.0.1:65536', 'example.org:80', '[127.0.0.1]:80', '::1:8080', '']) {
      assert.match(usageErrors(['--api', api])[0]!, /^--api/, api);
    }
  });

  test('--drachtio gives host, port and secret, and the secret may contain colons', () => {
    assert.deepEqual(pbxConfig(['--drachtio', '127.0.0.1:9022:cymru']).drachtio, {
      host: '127.0.0.1',
      port: 9022,
      secret: 'cymru',
    });
    assert.deepEqual(pbxConfig(['--drachtio', 'sip.example.org:9022:a:b']).drachtio, {
      host: 'sip.example.org',
      port: 9022,
      secret: 'a:b',
    });
    assert.deepEqual(pbxConfig(['--drachtio', '[::1]:9022:s']).drachtio, { host: '::1', port: 9022, secret: 's' });
  });

  test('a --drachtio without a port or secret is rejected', () => {
    for (const drachtio of ['127.0.0.1', '127.0.0.1:9022', '127.0.0.1:9022:', '127.0.0.1:0:s', 'host:port:s']) {
      assert.match(usageErrors(['--drachtio', drachtio])[0]!, /^--drachtio.*host:port:secret/, drachtio);
    }
  });

  test('--contact and --t1 are refused with --drachtio: they belong to the embedded server', () => {
    const errors = usageErrors(['--drachtio', '127.0.0.1:9022:cymru', '--contact', 'sip:127.0.0.1', '--t1', '100']);
    assert.equal(errors.length, 2);
    assert.match(errors[0]!, /--contact applies to the embedded SIP server/);
    assert.match(errors[1]!, /--t1 applies to the embedded SIP server/);
  });

  test('contacts are checked as sip-server checks them', () => {
    assert.match(usageErrors(['--contact', '127.0.0.1:5060'])[0]!, /--contact.*sip:/);
    assert.match(usageErrors(['--contact', 'sip:127.0.0.1;transport=tls'])[0]!, /--contact.*transport/);
  });

  test('a wildcard contact is refused: phones need an address they can reach', () => {
    for (const contact of ['sip:0.0.0.0:5060', 'sip:0.0.0.0;transport=udp', 'sip:[::]:5060']) {
      assert.match(usageErrors(['--contact', contact])[0]!, /give the one they reach it at/, contact);
    }
    assert.deepEqual(pbxConfig(['--contact', 'sip:192.168.1.10:5060']).contacts, ['sip:192.168.1.10:5060']);
  });

  test('--digest-algorithms takes MD5 and SHA-256 in any case and order, each at most once', () => {
    assert.deepEqual(pbxConfig(['--digest-algorithms', 'SHA-256']).digestAlgorithms, ['SHA-256']);
    assert.deepEqual(pbxConfig(['--digest-algorithms', 'md5, sha-256']).digestAlgorithms, ['MD5', 'SHA-256']);
    for (const list of ['', 'SHA-512', 'MD5,MD5', 'MD5,', 'SHA256']) {
      assert.match(usageErrors(['--digest-algorithms', list])[0]!, /^--digest-algorithms/, list);
    }
  });

  test('a realm with spaces, quotes or nothing in it is rejected', () => {
    for (const domain of ['', 'taxi office', 'taxi"', '-taxi']) {
      assert.match(usageErrors([`--domain=${domain}`])[0]!, /^--domain/, domain);
    }
  });

  test('the admin password must be a valid user password and may come from $DISPATCHER_ADMIN_PASSWORD', () => {
    assert.match(usageErrors(['--admin-password', 'short'])[0]!, /--admin-password: at least 8 characters/);
    assert.equal(pbxConfig([], { DISPATCHER_ADMIN_PASSWORD: 'from-the-env' }).adminPassword, 'from-the-env');
    assert.equal(
      pbxConfig(['--admin-password', 'from-argv-1'], { DISPATCHER_ADMIN_PASSWORD: 'from-the-env' }).adminPassword,
      'from-argv-1',
    );
    assert.match(usageErrors([], { DISPATCHER_ADMIN_PASSWORD: 'short' })[0]!, /DISPATCHER_ADMIN_PASSWORD: at least 8/);
  });

  test('numbers outside their range, or not whole numbers, are rejected', () => {
    const cases: [string, string][] = [
      ['--t1', '0'],
      ['--t1', '60001'],
      ['--register-min-expires', '0'],
      ['--register-max-expires', '86401'],
      ['--auth-fail-limit', '0'],
      ['--auth-fail-window', '1.5'],
      ['--options-ping', '0'],
      ['--options-ping', '3601'],
      ['--lease', '99'],
      ['--lease', 'soon'],
      ['--login-fail-limit', '-1'],
      ['--login-lock', '86401'],
    ];
    for (const [option, value] of cases) {
      assert.match(usageErrors([option, value])[0]!, new RegExp(`^${option} "${value}": expected .* from \\d+ to \\d+`), `${option} ${value}`);
    }
  });

  test('a minimum registration time above the maximum is rejected', () => {
    assert.match(
      usageErrors(['--register-min-expires', '600', '--register-max-expires', '300'])[0]!,
      /--register-min-expires 600 is more than --register-max-expires 300/,
    );
  });

  test('an unknown log level, a repeated option and an empty --data are rejected', () => {
    assert.match(usageErrors(['--loglevel', 'loud'])[0]!, /--loglevel/);
    assert.match(usageErrors(['--lease', '1000', '--lease', '2000'])[0]!, /--lease: given more than once/);
    assert.match(usageErrors(['--data', ''])[0]!, /--data: must not be empty/);
  });

  test('every bad value is reported at once, with where to find help', () => {
    const commandLine = parseArgs(['pbx', '--t1', 'x', '--lease', 'y', '--api', 'z'], context);
    assert.equal(commandLine.kind, 'usage-error');
    const { errors, helpCommand } = commandLine as Extract<CommandLine, { kind: 'usage-error' }>;
    assert.equal(errors.length, 3);
    assert.equal(helpCommand, 'dispatcher pbx --help');
  });

  test('unknown options are rejected', () => {
    assert.match(usageErrors(['--sip-port', '5060'])[0]!, /sip-port/);
  });

  test('pbx --help describes every option with its default', () => {
    const commandLine = parseArgs(['pbx', '--help'], context);
    assert.equal(commandLine.kind, 'print');
    const help = (commandLine as Extract<CommandLine, { kind: 'print' }>).text;
    for (const option of [
      '--data', '--contact', '--api', '--domain', '--drachtio', '--admin-password', '--loglevel', '--t1',
      '--digest-algorithms', '--register-min-expires', '--register-max-expires', '--auth-fail-limit',
      '--auth-fail-window', '--options-ping', '--lease', '--login-fail-limit', '--login-lock',
    ]) {
      assert.match(help, new RegExp(`${option}\\b`), option);
    }
    assert.match(help, /default: 127\.0\.0\.1:8080/);
  });
});

describe('dispatcher pbx call distribution options', () => {
  const errorsOf = (args: string[]) => {
    const r = parseArgs(['pbx', ...args], { env: {}, homedir: '/home/ola', cwd: '/srv' });
    return r.kind === 'usage-error' ? r.errors.join('\n') : '';
  };
  test('refuses bad trunks, waiting modes, strategies and port ranges with one message each', () => {
    const text = errorsOf(['--trunk', 'trunk.example', '--waiting', 'silence', '--strategy', 'random', '--rtp-ports', '10-5']);
    for (const word of ['--trunk', '--waiting', '--strategy', '--rtp-ports']) assert.match(text, new RegExp(word));
  });
  test('needs --overflow-after and --overflow-to together', () => {
    assert.match(errorsOf(['--overflow-after', '60']), /go together/);
  });
});
