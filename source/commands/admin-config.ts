// `dispatcher admin` command lines: the yargs declaration of its subcommands
// and the pure function that turns parsed argv into one AdminAction. Values
// are checked here with the store's own rules, so a bad login or extension is
// a usage error (exit 2) before the database is opened.
import type { Argv } from 'yargs';
import type { PhoneKind, Role } from '../store/types.js';
import {
  defaultPhoneKind,
  displayNameProblem,
  extensionProblem,
  loginProblem,
  phoneKindProblem,
  phoneKinds,
  sipPasswordProblem,
  userPasswordProblem,
} from '../store/validation.js';
import { declareDataDirOption, resolveDataDir, type DataDirContext } from './data-dir.js';
import { single } from './sip-server-config.js';

/** Where a password comes from when --password is omitted, so it need not be in shell history. */
export const passwordEnv = 'DISPATCHER_PASSWORD';

export type AdminAction =
  | { command: 'user add'; dataDir: string; login: string; password: string; displayName?: string; roles: Role[] }
  | { command: 'user list'; dataDir: string }
  | { command: 'user passwd'; dataDir: string; login: string; password: string }
  | { command: 'user remove'; dataDir: string; login: string }
  | {
      command: 'phone add';
      dataDir: string;
      extension: string;
      password: string;
      displayName?: string;
      kind: PhoneKind;
    }
  | { command: 'phone list'; dataDir: string }
  | { command: 'phone remove'; dataDir: string; extension: string };

export type AdminCommand = AdminAction['command'];

export type AdminActionResult = { ok: true; action: AdminAction } | { ok: false; errors: string[] };

/** Declares `user` and `phone` with their subcommands on the `admin` command's yargs instance. */
export function declareAdminCommands<T>(yargs: Argv<T>) {
  const password = (describe: string) =>
    ({ type: 'string', requiresArg: true, describe: `${describe}; else $${passwordEnv}` }) as const;
  const name = { type: 'string', requiresArg: true, describe: 'display name' } as const;
  // Positionals as strings: yargs would otherwise turn extension "0201" into 201.
  const login = { type: 'string', describe: 'login: a-z, 0-9, dot, underscore, hyphen' } as const;
  const extension = { type: 'string', describe: 'extension: 2 to 6 digits' } as const;

  return yargs
    .command('user', 'Console users: who may log in', (user) =>
      user
        .command('add <login>', 'Add a user (role dispatcher; --configure adds configure)', (y) =>
          declareDataDirOption(y)
            .positional('login', login)
            .option('password', password('password, at least 8 characters'))
            .option('name', { ...name, defaultDescription: 'the login' })
            .option('configure', {
              type: 'boolean',
              describe: 'may configure the switchboard and see phone credentials',
            })
            .example('DISPATCHER_PASSWORD=... $0 admin user add anna --name "Anna Nowak"', ''),
        )
        .command('list', 'List users', (y) => declareDataDirOption(y))
        .command('passwd <login>', "Change a user's password", (y) =>
          declareDataDirOption(y).positional('login', login).option('password', password('new password')),
        )
        .command('remove <login>', 'Remove a user', (y) => declareDataDirOption(y).positional('login', login))
        .demandCommand(1, 'Choose: user add, list, passwd or remove.'),
    )
    .command('phone', 'Phones: extensions that may register', (phone) =>
      phone
        .command('add <extension>', 'Add a phone', (y) =>
          declareDataDirOption(y)
            .positional('extension', extension)
            .option('password', password('SIP password, at least 8 printable ASCII characters'))
            .option('name', { ...name, defaultDescription: '"Extension <number>"' })
            .option('kind', {
              type: 'string',
              requiresArg: true,
              describe: `phone kind: ${phoneKinds.join(', ')}`,
              defaultDescription: defaultPhoneKind,
            })
            .example('$0 admin phone add 201 --password s3cret-sip --kind android', ''),
        )
        .command('list', 'List phones with their SIP passwords', (y) => declareDataDirOption(y))
        .command('remove <extension>', 'Remove a phone', (y) =>
          declareDataDirOption(y).positional('extension', extension),
        )
        .demandCommand(1, 'Choose: phone add, list or remove.'),
    )
    .demandCommand(1, 'Choose: admin user or admin phone.');
}

const adminCommands: readonly string[] = [
  'user add',
  'user list',
  'user passwd',
  'user remove',
  'phone add',
  'phone list',
  'phone remove',
] satisfies AdminCommand[];

/** Raw parsed argv of `admin ...`: `_` holds the command words. */
export interface RawAdminArgs {
  _?: unknown;
  [option: string]: unknown;
}

export function resolveAdminAction(raw: RawAdminArgs, context: DataDirContext): AdminActionResult {
  const errors: string[] = [];
  const words = ((raw._ as unknown[] | undefined) ?? []).map(String);
  const command = words.slice(1, 3).join(' ');
  if (words[0] !== 'admin' || !adminCommands.includes(command)) {
    return { ok: false, errors: [`Unknown admin command: ${words.slice(1).join(' ')}`] };
  }

  const data = single(raw.data, 'data', errors);
  if (data === '') errors.push('--data: must not be empty');
  const dataDir = resolveDataDir(data || undefined, context);

  const check = (subject: string, problem: string | undefined) => {
    if (problem) errors.push(`${subject}: ${problem}`);
  };
  const login = () => {
    const value = String(raw.login);
    check(`login ${JSON.stringify(value)}`, loginProblem(value));
    return value;
  };
  const extension = () => {
    const value = String(raw.extension);
    check(`extension ${JSON.stringify(value)}`, extensionProblem(value));
    return value;
  };
  const password = (problemOf: (password: string) => string | undefined) => {
    const given = single(raw.password, 'password', errors);
    const value = given ?? context.env[passwordEnv];
    if (value === undefined) {
      errors.push(`--password: required (or set $${passwordEnv})`);
      return '';
    }
    check(given === undefined ? `$${passwordEnv}` : '--password', problemOf(value));
    return value;
  };
  const displayName = () => {
    const value = single(raw.name, 'name', errors);
    if (value !== undefined) check('--name', displayNameProblem(value));
    return value;
  };

  let action: AdminAction;
  switch (command as AdminCommand) {
    case 'user add': {
      const fields = { login: login(), password: password(userPasswordProblem), displayName: displayName() };
      if (Array.isArray(raw.configure)) errors.push('--configure: given more than once');
      const roles: Role[] = raw.configure === true ? ['dispatcher', 'configure'] : ['dispatcher'];
      action = { command: 'user add', dataDir, ...withoutUndefined(fields), roles };
      break;
    }
    case 'user list':
      action = { command: 'user list', dataDir };
      break;
    case 'user passwd':
      action = { command: 'user passwd', dataDir, login: login(), password: password(userPasswordProblem) };
      break;
    case 'user remove':
      action = { command: 'user remove', dataDir, login: login() };
      break;
    case 'phone add': {
      const fields = { extension: extension(), password: password(sipPasswordProblem), displayName: displayName() };
      const kind = single(raw.kind, 'kind', errors) ?? defaultPhoneKind;
      check(`--kind ${JSON.stringify(kind)}`, phoneKindProblem(kind));
      action = { command: 'phone add', dataDir, ...withoutUndefined(fields), kind: kind as PhoneKind };
      break;
    }
    case 'phone list':
      action = { command: 'phone list', dataDir };
      break;
    case 'phone remove':
      action = { command: 'phone remove', dataDir, extension: extension() };
      break;
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, action };
}

/** Drops undefined optional fields so results compare cleanly with deepEqual. */
function withoutUndefined<T extends { displayName?: string | undefined }>(fields: T) {
  const { displayName, ...rest } = fields;
  return displayName === undefined ? rest : { ...rest, displayName };
}
