// The command line, parsed: a pure function from argv (and the environment
// it is given) to what to do. Nothing here prints, exits, opens files or
// sockets; cli.tsx acts on the result. A new command adds its yargs
// declaration below and a case to `CommandLine`.
import os from 'node:os';
import yargs from 'yargs';
import { declareAdminCommands, resolveAdminAction, type AdminAction } from './admin-config.js';
import { packageVersion } from './package-version.js';
import { declarePbxOptions, resolvePbxConfig, type PbxConfig } from './pbx-config.js';
import { declareCallsOptions, resolveCallsOptions, type CallsOptions } from './calls-config.js';
import { storedStation } from '../console/settings-rules.js';
import { declareConsoleOptions, resolveConsoleOptions, type ConsoleOptions } from './console-config.js';
import { declareSipServerOptions, resolveSipServerConfig, type SipServerConfig } from './sip-server-config.js';
import { declareDemoOptions, resolveDemoConfig, type DemoConfig } from './demo-config.js';
import { declareTestCallOptions, resolveTestCallConfig, type TestCallConfig } from './test-call-config.js';

export type CommandLine =
  /** Help or version text asked for: print it on stdout, exit 0. */
  | { kind: 'print'; text: string }
  /** The command line is wrong: print the errors on stderr, exit 2, start nothing. */
  | { kind: 'usage-error'; errors: string[]; helpCommand: string }
  | { kind: 'sip-server'; config: SipServerConfig }
  | { kind: 'pbx'; config: PbxConfig }
  | { kind: 'admin'; action: AdminAction }
  | { kind: 'calls'; options: CallsOptions }
  | { kind: 'test-call'; config: TestCallConfig }
  | { kind: 'demo'; config: DemoConfig }
  /** No command: the dispatcher's console. */
  | { kind: 'console'; options: ConsoleOptions };

export interface ParseContext {
  /** Defaults to the version in package.json. */
  version?: string;
  /** Help text width; the caller passes the terminal's, tests leave the default. */
  columns?: number;
  /** Read for DISPATCHER_DATA, DISPATCHER_PASSWORD and XDG_DATA_HOME; defaults to process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Defaults to os.homedir(). */
  homedir?: string;
  /** Relative --data paths are resolved against it; defaults to process.cwd(). */
  cwd?: string;
  /** The console's stored station (test-call's defaults); defaults to reading the settings file. */
  storedStation?: () => { server?: string; extension?: string };
}

/** Command words whose help is worth pointing at after a usage error, e.g. `admin user add`. */
const commandTree: Record<string, Record<string, Record<string, object>>> = {
  'sip-server': {},
  pbx: {},
  calls: {},
  'test-call': {},
  demo: {},
  admin: {
    user: { add: {}, list: {}, passwd: {}, remove: {} },
    phone: { add: {}, list: {}, remove: {} },
  },
};

export const usageExitCode = 2;

export function parseArgs(argv: readonly string[], context: ParseContext = {}): CommandLine {
  const environment = {
    env: context.env ?? process.env,
    homedir: context.homedir ?? os.homedir(),
    cwd: context.cwd ?? process.cwd(),
  };
  const parser = yargs()
    .scriptName('dispatcher')
    // yargs otherwise follows the OS locale; the same argv must give the same text.
    .locale('en')
    .usage('$0 [command] [options]\n\nTaxi dispatch office phone system. Without a command: the dispatcher\'s console.')
    .command('$0', "The dispatcher's console (the default command; headless when stdout is not a terminal)", (y) =>
      declareConsoleOptions(y)
        .example('$0 --server http://192.168.1.10:8080', 'the console, talking to that switchboard')
        .example('DISPATCHER_PASSWORD=... $0 --headless --user kiosk1 --extension 201', 'a kiosk station'),
    )
    .command('sip-server', 'Run the embedded SIP server alone (drop-in for drachtio-server)', (y) =>
      declareSipServerOptions(y)
        .example('$0 sip-server', 'SIP on 127.0.0.1:5060, control on 127.0.0.1:9022')
        .example('$0 sip-server --address 0.0.0.0 --secret s3cret', 'control port open to the network'),
    )
    .command('pbx', 'Run the switchboard: registrar, call queue, console API', (y) =>
      declarePbxOptions(y)
        .example('$0 pbx --admin-password s3cret-admin', 'first start: creates the admin user')
        .example('$0 pbx --drachtio 127.0.0.1:9022:cymru', 'use a running drachtio-server'),
    )
    .command('admin', 'Manage console users and phones (on the switchboard machine)', (y) =>
      declareAdminCommands(y),
    )
    .command('calls', 'List recent calls from the call log', (y) =>
      declareCallsOptions(y)
        .example('$0 calls', 'the last 50 calls')
        .example('$0 calls --csv --limit 1000 > calls.csv', 'export for a spreadsheet'),
    )
    .command('test-call', 'The phone self-test: register, dial *60, judge the music heard', (y) =>
      declareTestCallOptions(y)
        .example('$0 test-call --server 192.168.1.10 --extension 201 --password s3cret', 'pass: exit 0; fail: exit 1')
        .example('$0 test-call --server pbx.example:5080 --extension 201 --transport tcp --json', 'one JSON object'),
    )
    .command('demo', 'A demo office on this machine: switchboard, stations and passengers', (y) =>
      declareDemoOptions(y)
        .example('$0 demo', '3 stations, 12 passenger calls a minute')
        .example('$0 demo --stations 5 --rate 30', 'a busier office'),
    )
    .strict()
    .exitProcess(false)
    .version(context.version ?? packageVersion())
    .help()
    .alias('help', 'h')
    .wrap(Math.min(context.columns ?? 100, 120));

  // With a callback yargs hands over the text it would have printed instead of
  // printing it, and reports errors instead of exiting.
  let result: { error: Error | null | undefined; argv: Record<string, unknown>; output: string } | undefined;
  parser.parse([...argv], {}, (error, parsed, output) => {
    result = { error, argv: parsed as Record<string, unknown>, output };
  });
  if (!result) throw new Error('yargs did not call back synchronously');

  const words = ((result.argv._ as unknown[] | undefined) ?? []).map(String);
  const command = words[0] ?? '';
  const helpCommand = ['dispatcher', ...knownCommandPath(words), '--help'].join(' ');
  const usage = (errors: string[]): CommandLine => ({ kind: 'usage-error', errors, helpCommand });
  if (result.error) return usage([result.error.message]);
  if (result.argv.help || result.argv.version) return { kind: 'print', text: result.output };

  switch (command) {
    case 'sip-server': {
      const resolved = resolveSipServerConfig(result.argv);
      return resolved.ok ? { kind: 'sip-server', config: resolved.config } : usage(resolved.errors);
    }
    case 'pbx': {
      const resolved = resolvePbxConfig(result.argv, environment);
      return resolved.ok ? { kind: 'pbx', config: resolved.config } : usage(resolved.errors);
    }
    case 'admin': {
      const resolved = resolveAdminAction(result.argv, environment);
      return resolved.ok ? { kind: 'admin', action: resolved.action } : usage(resolved.errors);
    }
    case 'calls': {
      const resolved = resolveCallsOptions(result.argv, environment);
      return resolved.ok ? { kind: 'calls', options: resolved.options } : usage(resolved.errors);
    }
    case 'test-call': {
      const resolved = resolveTestCallConfig(result.argv, {
        env: environment.env,
        storedStation: context.storedStation ?? (() => storedStation(environment.env, environment.homedir)),
      });
      return resolved.ok ? { kind: 'test-call', config: resolved.config } : usage(resolved.errors);
    }
    case 'demo': {
      const resolved = resolveDemoConfig(result.argv, environment);
      return resolved.ok ? { kind: 'demo', config: resolved.config } : usage(resolved.errors);
    }
    case '': {
      const resolved = resolveConsoleOptions(result.argv, environment.env);
      return resolved.ok ? { kind: 'console', options: resolved.options } : usage(resolved.errors);
    }
    default:
      // Unreachable with .strict() and the default command; kept so a command
      // declared above without a case here fails loudly.
      return { kind: 'usage-error', errors: [`Unknown command: ${command}`], helpCommand };
  }
}

/** The leading words of argv that name commands, e.g. ['admin', 'user'] for `admin user ad`. */
function knownCommandPath(words: readonly string[]): string[] {
  const path: string[] = [];
  let level: Record<string, object> = commandTree;
  for (const word of words) {
    if (!Object.hasOwn(level, word)) break;
    path.push(word);
    level = level[word] as Record<string, object>;
  }
  return path;
}
