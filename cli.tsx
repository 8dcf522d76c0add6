#!/usr/bin/env node
// Entry point of the `dispatcher` command: parse argv, hand over to one
// command module. Command modules are imported on demand so that `--help`
// stays fast and one command's dependencies never load for another.
import { parseArgs, usageExitCode } from './source/commands/argv.js';

const commandLine = parseArgs(process.argv.slice(2), { columns: process.stdout.columns });

switch (commandLine.kind) {
  case 'print':
    process.stdout.write(`${commandLine.text}\n`);
    break;
  case 'usage-error':
    for (const error of commandLine.errors) process.stderr.write(`dispatcher: ${error}\n`);
    process.stderr.write(`See: ${commandLine.helpCommand}\n`);
    process.exitCode = usageExitCode;
    break;
  case 'sip-server': {
    const { runSipServer } = await import('./source/commands/sip-server.js');
    // A server has finished once it returns; exit even if a stray handle lingers.
    process.exit(await runSipServer(commandLine.config));
  }
  case 'pbx': {
    const { runPbx } = await import('./source/commands/pbx.js');
    process.exit(await runPbx(commandLine.config));
  }
  case 'console': {
    const { runConsole } = await import('./source/commands/console.js');
    // Leaves as soon as the console is done: a stray socket must not keep a quit console alive.
    process.exit(await runConsole(commandLine.options));
  }
  case 'admin': {
    const { runAdmin } = await import('./source/commands/admin.js');
    process.exitCode = runAdmin(commandLine.action);
    break;
  }
  case 'calls': {
    const { runCalls } = await import('./source/commands/calls.js');
    process.exitCode = runCalls(commandLine.options);
    break;
  }
  case 'test-call': {
    const { runTestCall } = await import('./source/commands/test-call.js');
    // The phone is stopped when this returns; a lingering handle must not hold the verdict back.
    process.exit(await runTestCall(commandLine.config));
  }
  case 'demo': {
    const { runDemo } = await import('./source/commands/demo.js');
    process.exit(await runDemo(commandLine.config));
  }
  default: {
    const unhandled: never = commandLine;
    throw new Error(`unhandled command line ${JSON.stringify(unhandled)}`);
  }
}
