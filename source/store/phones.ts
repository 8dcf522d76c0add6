// Phones: the extensions allowed to register, with their SIP digest
// passwords. The registrar reads this on every REGISTER (no cache), so a
// phone added or removed by `dispatcher admin` counts at once.
import type { Database, Statement } from 'better-sqlite3';
import { duplicateOr, invalidUnless, StoreError } from './errors.js';
import type { Phone, PhoneDirectory, PhoneKind } from './types.js';
import {
  defaultPhoneKind,
  displayNameProblem,
  extensionProblem,
  phoneKindProblem,
  sipPasswordProblem,
} from './validation.js';

export interface NewPhone {
  extension: string;
  password: string;
  /** Defaults to "Extension <number>". */
  displayName?: string;
  /** Defaults to desk. */
  kind?: PhoneKind;
}

interface PhoneRow {
  extension: string;
  sip_password: string;
  display_name: string;
  kind: PhoneKind;
  created_at: string;
}

const selectPhone = 'SELECT extension, sip_password, display_name, kind, created_at FROM phones';

export class PhoneRepository implements PhoneDirectory {
  readonly #byExtension: Statement<[string], PhoneRow>;
  readonly #all: Statement<[], PhoneRow>;
  readonly #insert: Statement<[string, string, string, string, string]>;
  readonly #delete: Statement<[string]>;

  constructor(db: Database) {
    this.#byExtension = db.prepare(`${selectPhone} WHERE extension = ?`);
    // Numeric order: 99 before 100.
    this.#all = db.prepare(`${selectPhone} ORDER BY length(extension), extension`);
    this.#insert = db.prepare(
      'INSERT INTO phones (extension, sip_password, display_name, kind, created_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.#delete = db.prepare('DELETE FROM phones WHERE extension = ?');
  }

  /** Adds a phone; StoreError 'invalid' for a bad value, 'duplicate' when the extension is taken. */
  add(phone: NewPhone): Phone {
    const displayName = phone.displayName ?? `Extension ${phone.extension}`;
    const kind = phone.kind ?? defaultPhoneKind;
    invalidUnless(
      [`extension ${JSON.stringify(phone.extension)}`, extensionProblem(phone.extension)],
      ['SIP password', sipPasswordProblem(phone.password)],
      ['name', displayNameProblem(displayName)],
      [`kind ${JSON.stringify(kind)}`, phoneKindProblem(kind)],
    );
    const createdAt = new Date().toISOString();
    try {
      this.#insert.run(phone.extension, phone.password, displayName, kind, createdAt);
    } catch (error) {
      throw duplicateOr(error, `extension ${phone.extension} already exists`);
    }
    return { extension: phone.extension, password: phone.password, displayName, kind, createdAt };
  }

  getPhone(extension: string): Phone | undefined {
    const row = this.#byExtension.get(extension);
    return row && toPhone(row);
  }

  /** Phones in extension order. */
  list(): Phone[] {
    return this.#all.all().map(toPhone);
  }

  /** StoreError 'not-found' for an unknown extension. */
  remove(extension: string): void {
    if (this.#delete.run(extension).changes === 0) {
      throw new StoreError('not-found', `no phone with extension ${extension}`);
    }
  }
}

function toPhone(row: PhoneRow): Phone {
  return {
    extension: row.extension,
    password: row.sip_password,
    displayName: row.display_name,
    kind: row.kind,
    createdAt: row.created_at,
  };
}
