// Console users: who may log in to a console, and with which roles. Every
// read goes to SQLite, so a user added or removed by `dispatcher admin` is
// seen by a running switchboard at once.
import type { Database, Statement } from 'better-sqlite3';
import { duplicateOr, invalidUnless, StoreError } from './errors.js';
import { hashPassword, unmatchableHash, verifyPassword, verifyPasswordAsync } from './passwords.js';
import type { Role, User, UserDirectory } from './types.js';
import {
  displayNameProblem,
  loginProblem,
  roles as roleOrder,
  rolesProblem,
  userPasswordProblem,
} from './validation.js';

export interface NewUser {
  login: string;
  password: string;
  /** Defaults to the login. */
  displayName?: string;
  roles: readonly Role[];
}

interface UserRow {
  id: number;
  login: string;
  display_name: string;
  password_hash: string;
  created_at: string;
  /** Comma-separated, from group_concat. */
  roles: string | null;
}

const selectUser = `
  SELECT u.id, u.login, u.display_name, u.password_hash, u.created_at,
         (SELECT group_concat(r.role) FROM user_roles r WHERE r.user_id = u.id) AS roles
  FROM users u`;

export class UserRepository implements UserDirectory {
  readonly #db: Database;
  readonly #byLogin: Statement<[string], UserRow>;
  readonly #all: Statement<[], UserRow>;
  readonly #insert: Statement<[string, string, string, string]>;
  readonly #insertRole: Statement<[number | bigint, string]>;
  readonly #updatePassword: Statement<[string, string]>;
  readonly #delete: Statement<[string]>;
  readonly #count: Statement<[], { n: number }>;

  constructor(db: Database) {
    this.#db = db;
    this.#byLogin = db.prepare(`${selectUser} WHERE u.login = ?`);
    this.#all = db.prepare(`${selectUser} ORDER BY u.login`);
    this.#insert = db.prepare(
      'INSERT INTO users (login, display_name, password_hash, created_at) VALUES (?, ?, ?, ?)',
    );
    this.#insertRole = db.prepare('INSERT INTO user_roles (user_id, role) VALUES (?, ?)');
    this.#updatePassword = db.prepare('UPDATE users SET password_hash = ? WHERE login = ?');
    this.#delete = db.prepare('DELETE FROM users WHERE login = ?');
    this.#count = db.prepare('SELECT count(*) AS n FROM users');
  }

  /** Adds a user; StoreError 'invalid' for a bad value, 'duplicate' when the login is taken. */
  add(user: NewUser): User {
    const displayName = user.displayName ?? user.login;
    const roles = roleOrder.filter((role) => user.roles.includes(role));
    invalidUnless(
      [`login ${JSON.stringify(user.login)}`, loginProblem(user.login)],
      ['password', userPasswordProblem(user.password)],
      ['name', displayNameProblem(displayName)],
      ['roles', rolesProblem(user.roles)],
    );
    // Hash before taking the write lock: scrypt is slow on purpose, and a
    // running switchboard must not wait for it.
    const hash = hashPassword(user.password);
    const createdAt = new Date().toISOString();
    this.#db.transaction(() => {
      let id: number | bigint;
      try {
        id = this.#insert.run(user.login, displayName, hash, createdAt).lastInsertRowid;
      } catch (error) {
        throw duplicateOr(error, `user ${user.login} already exists`);
      }
      for (const role of roles) this.#insertRole.run(id, role);
    })();
    return { login: user.login, displayName, roles, createdAt };
  }

  getUser(login: string): User | undefined {
    const row = this.#byLogin.get(login);
    return row && toUser(row);
  }

  /** Users ordered by login. */
  list(): User[] {
    return this.#all.all().map(toUser);
  }

  count(): number {
    return this.#count.get()!.n;
  }

  /**
   * The user when login and password match, else undefined. An unknown login
   * costs the same scrypt time as a known one, so response times do not tell
   * which logins exist. Blocks the thread for the scrypt time: for one-shot
   * commands; servers use verify.
   */
  verifySync(login: string, password: string): User | undefined {
    const row = this.#byLogin.get(login);
    const matches = verifyPassword(password, row?.password_hash ?? unmatchableHash);
    return row && matches ? toUser(row) : undefined;
  }

  /** verifySync with scrypt off the main thread. */
  async verify(login: string, password: string): Promise<User | undefined> {
    const row = this.#byLogin.get(login);
    const matches = await verifyPasswordAsync(password, row?.password_hash ?? unmatchableHash);
    if (!row || !matches) return undefined;
    // The user may have been removed or changed while scrypt ran.
    const current = this.#byLogin.get(login);
    return current && current.password_hash === row.password_hash ? toUser(current) : undefined;
  }

  /** StoreError 'invalid' for a too short password, 'not-found' for an unknown login. */
  setPassword(login: string, password: string): void {
    invalidUnless(['password', userPasswordProblem(password)]);
    const hash = hashPassword(password);
    if (this.#updatePassword.run(hash, login).changes === 0) throw notFound(login);
  }

  /** StoreError 'not-found' for an unknown login. */
  remove(login: string): void {
    // Roles go with the user (ON DELETE CASCADE).
    if (this.#delete.run(login).changes === 0) throw notFound(login);
  }
}

function toUser(row: UserRow): User {
  const stored = row.roles?.split(',') ?? [];
  return {
    login: row.login,
    displayName: row.display_name,
    roles: roleOrder.filter((role) => stored.includes(role)),
    createdAt: row.created_at,
  };
}

function notFound(login: string): StoreError {
  return new StoreError('not-found', `no user ${login}`);
}
