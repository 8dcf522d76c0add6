// Opens the switchboard's SQLite database in a data directory and hands out
// the repositories. `dispatcher admin` and a running `dispatcher pbx` open the
// same file at the same time: WAL lets readers and one writer work together,
// busy_timeout makes a writer wait for the other instead of failing.
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from './errors.js';
import { CallLog } from './calls.js';
import { startBackgroundCheckpoints, type BackgroundCheckpoints } from './checkpoints.js';
import { migrate } from './migrations.js';
import { PhoneRepository } from './phones.js';
import { UserRepository } from './users.js';

export const databaseFileName = 'dispatcher.db';
/** How long a write waits for another process's write to finish. Writes are tiny; this is generous. */
export const busyTimeoutMs = 5000;

export interface Store {
  readonly users: UserRepository;
  readonly phones: PhoneRepository;
  readonly calls: CallLog;
  /** Absolute path of the database file. */
  readonly file: string;
  /** The schema version after migrations: PRAGMA user_version. */
  readonly schemaVersion: number;
  /** Closes the connection; the repositories are unusable afterwards. Safe to call twice. */
  close(): void;
  /**
   * Moves WAL checkpoints to a worker thread (for a long-running writer, the
   * pbx: see checkpoints.ts). close() stops it.
   */
  checkpointInBackground(options?: { onError?: (message: string) => void }): void;
}

/**
 * Opens (creating when needed) `dispatcher.db` in dataDir and migrates it to
 * the current schema. Throws StoreError 'incompatible' when the database is
 * newer than this program; other errors (permissions, a corrupt file) are
 * passed on as they come.
 */
export function openStore(dataDir: string): Store {
  const dir = path.resolve(dataDir);
  // Owner only: the database holds SIP passwords in clear.
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, databaseFileName);
  // Create the file ourselves so its mode is 0600 (SQLite would follow the
  // umask); SQLite gives its -wal and -shm files the same mode. An empty file
  // is a valid empty database. Mode only applies when the file is new.
  closeSync(openSync(file, 'a', 0o600));

  const db = new Database(file);
  try {
    // busy_timeout first: switching to WAL needs a lock another process may hold.
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') {
      throw new StoreError('incompatible', `${file}: SQLite could not use WAL mode here (got ${String(mode)})`);
    }
    // Safe with WAL: a power cut may lose the last commits, never corrupt.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    const schemaVersion = migrate(db);
    const users = new UserRepository(db);
    const phones = new PhoneRepository(db);
    const calls = new CallLog(db);
    let checkpoints: BackgroundCheckpoints | undefined;
    return {
      users,
      phones,
      calls,
      file,
      schemaVersion,
      close() {
        // The worker's connection closes on its own; ours goes now.
        void checkpoints?.stop();
        checkpoints = undefined;
        if (db.open) db.close();
      },
      checkpointInBackground(options = {}) {
        checkpoints ??= startBackgroundCheckpoints(db, options);
      },
    };
  } catch (error) {
    db.close();
    throw error;
  }
}
