// The one error type the store throws for expected failures, with a code the
// callers branch on (the admin command maps it to an exit code, the console
// API to an HTTP status). Anything else thrown from the store is a bug or an
// environment problem (disk full, permissions) and is reported as such.

export type StoreErrorCode =
  /** The login or extension is already taken. */
  | 'duplicate'
  /** No user or phone with that login or extension. */
  | 'not-found'
  /** A value breaks a rule (login shape, password length, kind...). */
  | 'invalid'
  /** The database was written by a newer version of this program. */
  | 'incompatible';

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function isStoreError(error: unknown, code?: StoreErrorCode): error is StoreError {
  return error instanceof StoreError && (code === undefined || error.code === code);
}

/** Throws StoreError 'invalid' naming every value with a problem, or returns. */
export function invalidUnless(...checks: [subject: string, problem: string | undefined][]): void {
  const found = checks.flatMap(([subject, problem]) => (problem === undefined ? [] : [`${subject}: ${problem}`]));
  if (found.length > 0) throw new StoreError('invalid', found.join('; '));
}

/** A UNIQUE violation becomes StoreError 'duplicate'; anything else is passed on. */
export function duplicateOr(error: unknown, message: string): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' ? new StoreError('duplicate', message) : error;
}
