// The real `dispatcher` console as a child process, for the end-to-end tests:
// headless with its stdout piped, or interactive inside a pseudo-terminal made
// by util-linux `script` (no native module needed). Stopped by its own PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
export const cli = path.join(root, 'cli.tsx');

export interface ConsoleProcess {
  child: ChildProcess;
  settingsDir: string;
  /** Everything written to stdout so far (for a pty: the terminal's output, escape codes removed). */
  stdout(): string;
  stderr(): string;
  /** What a failed wait should say: the last of the screen, stderr, and whether it exited. */
  describe(lastChars?: number): string;
  exited: Promise<number | null>;
  write(keys: string): void;
  /** SIGTERM unless it has exited; resolves with the exit code. */
  stop(): Promise<number | null>;
}

export function tempSettingsDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'console-e2e-'));
}

function wrap(child: ChildProcess, settingsDir: string, clean: (text: string) => string): ConsoleProcess {
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    settingsDir,
    stdout: () => clean(out),
    stderr: () => err,
    describe: (lastChars = 600) =>
      `it showed: ${clean(out).slice(-lastChars)}\nstderr: ${err.slice(-lastChars)}\nexit: ${child.exitCode ?? child.signalCode ?? 'still running'}`,
    exited,
    write: (keys) => void child.stdin!.write(keys),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const code = await exited;
      rmSync(settingsDir, { recursive: true, force: true });
      return code;
    },
  };
}

/** `dispatcher <args>` with stdout a pipe, so headless unless told otherwise. */
export function spawnConsole(args: string[], env: Record<string, string> = {}, settingsDir = tempSettingsDir()): ConsoleProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, '--settings-dir', settingsDir, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return wrap(child, settingsDir, (text) => text);
}

/** Strips what a terminal would interpret (colours, cursor moves), keeping the text. */
export function screenText(raw: string): string {
  return raw.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '').replace(/\x1b[()][0-9A-B]/g, '').replace(/\r/g, '');
}

/** `dispatcher <args>` in a pseudo-terminal of 80×24, keys written to its stdin. */
export function spawnConsoleInPty(args: string[], settingsDir: string, columns = 80, rows = 24): ConsoleProcess {
  return spawnCliInPty(['--settings-dir', settingsDir, ...args], settingsDir, columns, rows);
}

/** `dispatcher <args>` (any command) in a pseudo-terminal; `scratchDir` is removed by stop(). */
export function spawnCliInPty(args: string[], scratchDir: string, columns = 80, rows = 24): ConsoleProcess {
  const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, '--import', 'tsx', cli, ...args].map(quote).join(' ');
  // `exec` so that the console itself is the child of `script`, and gets the terminal's signals.
  const child = spawn('script', ['-qfec', `stty rows ${rows} cols ${columns}; exec ${command}`, '/dev/null'], {
    cwd: root,
    // CI set, as on the CI machine (Ink reads it as "no live terminal"): the
    // console must draw on a terminal whatever the environment says.
    env: { ...process.env, TERM: 'xterm-256color', CI: 'true' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return wrap(child, scratchDir, screenText);
}
