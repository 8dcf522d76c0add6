// The command line, parsed: a pure function from argv to what to do. Nothing
// here prints, exits or opens sockets; cli.tsx acts on the result. A new
// command adds its yargs declaration below and a case to `CommandLine`.
import yargs from 'yargs';
import { packageVersion } from './package-version.js';
import { declareSipServerOptions, resolveSipServerConfig, type SipServerConfig } from './sip-server-config.js';

export type CommandLine =
  /** Help or version text asked for: print it on stdout, exit 0. */
  | { kind: 'print'; text: string }
  /** The command line is wrong: print the errors on stderr, exit 2, start nothing. */
  | { kind: 'usage-error'; errors: string[]; helpCommand: string }
  | { kind: 'sip-server'; config: SipServerConfig };

export interface ParseContext {
  /** Defaults to the version in package.json. */
  version?: string;
  /** Help text width; the caller passes the terminal's, tests leave the default. */
  columns?: number;
}

export const usageExitCode = 2;

export function parseArgs(argv: readonly string[], context: ParseContext = {}): CommandLine {
  const parser = yargs()
    .scriptName('dispatcher')
    // yargs otherwise follows the OS locale; the same argv must give the same text.
    .locale('en')
    .usage('$0 <command> [options]\n\nTaxi dispatch office phone system.')
    .command('sip-server', 'Run the embedded SIP server alone (drop-in for drachtio-server)', (y) =>
      declareSipServerOptions(y)
        .example('$0 sip-server', 'SIP on 127.0.0.1:5060, control on 127.0.0.1:9022')
        .example('$0 sip-server --address 0.0.0.0 --secret s3cret', 'control port open to the network'),
    )
    .demandCommand(1, 'Choose a command.')
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

  const command = String((result.argv._ as unknown[] | undefined)?.[0] ?? '');
  const helpCommand = command === 'sip-server' ? 'dispatcher sip-server --help' : 'dispatcher --help';
  if (result.error) return { kind: 'usage-error', errors: [result.error.message], helpCommand };
  if (result.argv.help || result.argv.version) return { kind: 'print', text: result.output };

  switch (command) {
    case 'sip-server': {
      const resolved = resolveSipServerConfig(result.argv);
      return resolved.ok
        ? { kind: 'sip-server', config: resolved.config }
        : { kind: 'usage-error', errors: resolved.errors, helpCommand };
    }
    default:
      // Unreachable with .strict() and .demandCommand(); kept so a command
      // declared above without a case here fails loudly.
      return { kind: 'usage-error', errors: [`Unknown command: ${command}`], helpCommand };
  }
}
