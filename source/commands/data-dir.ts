// Where the switchboard keeps its data (the SQLite database, later the
// recordings): `--data <dir>`, else $DISPATCHER_DATA, else the per-user data
// folder of the XDG base directory spec. Pure: the environment, home and
// working directory are passed in, so the parsers stay testable.
import path from 'node:path';
import type { Argv } from 'yargs';

export const dataDirName = 'dispatcher-console';
export const dataDirEnv = 'DISPATCHER_DATA';

export interface DataDirContext {
  env: Readonly<Record<string, string | undefined>>;
  homedir: string;
  cwd: string;
}

/** Declares `--data` on a command's yargs instance. */
export function declareDataDirOption<T>(yargs: Argv<T>) {
  return yargs.option('data', {
    type: 'string',
    requiresArg: true,
    describe: `data directory (database, recordings); else $${dataDirEnv}`,
    defaultDescription: `$XDG_DATA_HOME/${dataDirName} or ~/.local/share/${dataDirName}`,
  });
}

/** The absolute data directory. `option` is the --data value (a string), or undefined when absent. */
export function resolveDataDir(option: string | undefined, context: DataDirContext): string {
  if (option !== undefined) return path.resolve(context.cwd, option);
  const fromEnv = context.env[dataDirEnv];
  if (fromEnv) return path.resolve(context.cwd, fromEnv);
  // The spec says a relative XDG_DATA_HOME is invalid and to be ignored.
  const xdg = context.env.XDG_DATA_HOME;
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, dataDirName);
  return path.join(context.homedir, '.local', 'share', dataDirName);
}
