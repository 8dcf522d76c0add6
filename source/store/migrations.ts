// The schema, as an ordered list of migrations. The database's
// `PRAGMA user_version` is the number of migrations applied; opening runs the
// missing ones, each in its own transaction together with its version bump,
// so a crash leaves the database at a known version. Never edit a released
// migration: append a new one.
//
// Timestamps are ISO 8601 UTC text with milliseconds (sortable, readable in
// the sqlite3 shell). The call log names stations, extensions and logins as
// plain text rather than foreign keys: history must survive a phone or user
// being removed.
import type { Database } from 'better-sqlite3';
import { StoreError } from './errors.js';

export interface Migration {
  /** Why the schema changed, for the log and for readers of this file. */
  description: string;
  up(db: Database): void;
}

export const migrations: readonly Migration[] = [
  {
    description: 'users, phones and the call log',
    up(db) {
      db.exec(`
        CREATE TABLE users (
          id            INTEGER PRIMARY KEY,
          login         TEXT NOT NULL UNIQUE,
          display_name  TEXT NOT NULL,
          password_hash TEXT NOT NULL,
          created_at    TEXT NOT NULL
        ) STRICT;

        CREATE TABLE user_roles (
          user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
          role    TEXT NOT NULL CHECK (role IN ('dispatcher', 'configure')),
          PRIMARY KEY (user_id, role)
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE phones (
          id           INTEGER PRIMARY KEY,
          extension    TEXT NOT NULL UNIQUE
                       CHECK (length(extension) BETWEEN 2 AND 6 AND extension NOT GLOB '*[^0-9]*'),
          -- In clear: SIP digest authentication needs it (or an MD5/SHA-256
          -- hash per realm and algorithm, which changes with --domain).
          sip_password TEXT NOT NULL,
          display_name TEXT NOT NULL,
          kind         TEXT NOT NULL CHECK (kind IN ('headset', 'desk', 'android')),
          created_at   TEXT NOT NULL
        ) STRICT;

        CREATE TABLE calls (
          id                    INTEGER PRIMARY KEY,
          -- The caller's SIP Call-ID, to match log lines and recordings.
          call_id               TEXT NOT NULL,
          caller_number         TEXT,
          arrived_at            TEXT NOT NULL,
          answered_at           TEXT,
          ended_at              TEXT,
          outcome               TEXT NOT NULL DEFAULT 'in-progress'
                                CHECK (outcome IN ('in-progress', 'answered', 'abandoned', 'overflow')),
          answered_by_station   TEXT,
          answered_by_extension TEXT,
          answered_by_login     TEXT,
          wait_ms               INTEGER CHECK (wait_ms >= 0),
          talk_ms               INTEGER CHECK (talk_ms >= 0),
          recording_file        TEXT
        ) STRICT;
        CREATE INDEX calls_arrived_at ON calls (arrived_at);
        CREATE INDEX calls_call_id ON calls (call_id);

        CREATE TABLE call_offers (
          id         INTEGER PRIMARY KEY,
          call_id    INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
          station    TEXT,
          extension  TEXT NOT NULL,
          offered_at TEXT NOT NULL,
          -- NULL while the station is still ringing.
          result     TEXT CHECK (result IN ('answered', 'rejected', 'timeout', 'busy', 'unreachable', 'cancelled')),
          ended_at   TEXT
        ) STRICT;
        CREATE INDEX call_offers_call_id ON call_offers (call_id);
      `);
    },
  },
];

/**
 * Brings the database to the latest version of `list`. Safe when several
 * processes open a new database at once: each step takes the write lock
 * (BEGIN IMMEDIATE) and re-reads the version inside it, so a step another
 * process already applied is skipped. Returns the resulting version.
 */
export function migrate(db: Database, list: readonly Migration[] = migrations): number {
  const readVersion = () => db.pragma('user_version', { simple: true }) as number;
  const found = readVersion();
  if (found > list.length) {
    throw new StoreError(
      'incompatible',
      `the database ${db.name} has schema version ${found}, newer than this program knows (${list.length}); ` +
        'upgrade dispatcher-console, or use another --data directory',
    );
  }
  for (let version = found + 1; version <= list.length; version++) {
    const step = db.transaction(() => {
      if (readVersion() >= version) return;
      list[version - 1]!.up(db);
      // PRAGMA takes no parameters; version is an integer we computed.
      db.pragma(`user_version = ${version}`);
    });
    step.immediate();
  }
  return readVersion();
}
