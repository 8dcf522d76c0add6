// Login tokens: what a console gets for a good password and shows on every
// request after. Random, kept in memory only (a switchboard restart logs
// everyone out, and consoles log in again), expiring after a working shift.
// The map is keyed by a hash of the token, so nothing kept here can be replayed.
import { createHash, randomBytes } from 'node:crypto';

export const defaultTokenTtlMs = 12 * 60 * 60 * 1000;

export interface LoginSession {
  /** Stable name for this login session that is not the token: what logs and sockets refer to. */
  id: string;
  login: string;
  expiresAt: number;
}

export class LoginTokens {
  readonly #now: () => number;
  readonly #ttlMs: number;
  readonly #sessions = new Map<string, LoginSession>();

  constructor(options: { now: () => number; ttlMs?: number }) {
    this.#now = options.now;
    this.#ttlMs = options.ttlMs ?? defaultTokenTtlMs;
  }

  issue(login: string): { token: string; session: LoginSession } {
    const token = randomBytes(32).toString('base64url');
    const session = { id: tokenId(token), login, expiresAt: this.#now() + this.#ttlMs };
    this.#sessions.set(session.id, session);
    return { token, session };
  }

  /** The session a token stands for, while it has not expired or been revoked. */
  resolve(token: string): LoginSession | undefined {
    const session = this.#sessions.get(tokenId(token));
    if (!session) return undefined;
    if (this.#now() >= session.expiresAt) {
      this.#sessions.delete(session.id);
      return undefined;
    }
    return session;
  }

  /** Still valid? For long-lived connections that resolved their token once. */
  isValid(session: LoginSession): boolean {
    return this.#sessions.get(session.id) === session && this.#now() < session.expiresAt;
  }

  revoke(session: LoginSession): void {
    this.#sessions.delete(session.id);
  }

  /** Forgets expired sessions. */
  prune(): void {
    const now = this.#now();
    for (const [id, session] of this.#sessions) if (now >= session.expiresAt) this.#sessions.delete(id);
  }
}

function tokenId(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
