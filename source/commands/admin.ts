// `dispatcher admin`: manage console users and phones in the switchboard's
// database, run by the operator on the switchboard machine (so `phone list`
// shows SIP passwords). A running `dispatcher pbx` sees every change at once.
// Short plain lines on stdout; expected failures as `dispatcher: <message>`
// on stderr and an exit code, never a stack trace.
import { StoreError } from '../store/errors.js';
import { openStore, type Store } from '../store/database.js';
import type { Phone, User } from '../store/types.js';
import type { AdminAction } from './admin-config.js';
import { usageExitCode } from './argv.js';

export interface AdminOutput {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** A failed operation (duplicate, not found, database unusable). */
export const failureExitCode = 1;

/** Runs one admin action; returns the process exit code. */
export function runAdmin(action: AdminAction, output: AdminOutput = process): number {
  const say = (line: string) => output.stdout.write(`${line}\n`);
  let store: Store | undefined;
  try {
    store = openStore(action.dataDir);
    perform(action, store, say);
    return 0;
  } catch (error) {
    output.stderr.write(`dispatcher: ${describe(error, action)}\n`);
    return error instanceof StoreError && error.code === 'invalid' ? usageExitCode : failureExitCode;
  } finally {
    store?.close();
  }
}

function perform(action: AdminAction, store: Store, say: (line: string) => void): void {
  switch (action.command) {
    case 'user add': {
      const user = store.users.add(action);
      say(`added user ${user.login} (${user.roles.join(', ')})`);
      return;
    }
    case 'user list': {
      const users = store.users.list();
      if (users.length === 0) return say('no users');
      return table(say, ['LOGIN', 'NAME', 'ROLES', 'CREATED'], users.map(userRow));
    }
    case 'user passwd':
      store.users.setPassword(action.login, action.password);
      return say(`changed the password of ${action.login}`);
    case 'user remove':
      store.users.remove(action.login);
      return say(`removed user ${action.login}`);
    case 'phone add': {
      const phone = store.phones.add(action);
      return say(`added phone ${phone.extension} (${phone.kind})`);
    }
    case 'phone list': {
      const phones = store.phones.list();
      if (phones.length === 0) return say('no phones');
      return table(say, ['EXTENSION', 'NAME', 'KIND', 'PASSWORD'], phones.map(phoneRow));
    }
    case 'phone remove':
      store.phones.remove(action.extension);
      return say(`removed phone ${action.extension}`);
  }
}

function userRow(user: User): string[] {
  return [user.login, user.displayName, user.roles.join(','), user.createdAt.slice(0, 10)];
}

function phoneRow(phone: Phone): string[] {
  return [phone.extension, phone.displayName, phone.kind, phone.password];
}

/** Left-aligned columns two spaces apart; the last column is not padded. */
function table(say: (line: string) => void, header: string[], rows: string[][]): void {
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((row) => row[column]!.length)));
  for (const row of all) {
    say(row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  '));
  }
}

function describe(error: unknown, action: AdminAction): string {
  if (error instanceof StoreError) return error.message;
  // Environment problems (permissions, a file that is not a database): the
  // message names the path; the stack would only hide it.
  const message = error instanceof Error ? error.message : String(error);
  return `could not use the data directory ${action.dataDir}: ${message}`;
}
