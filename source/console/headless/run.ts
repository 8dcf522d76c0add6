// The kiosk console: no screen, one JSON line per event on stdout. Logs in
// with --user/--password (or $DISPATCHER_PASSWORD) or the stored token, binds
// the extension, sets ready unless --paused, and on SIGTERM/SIGINT releases
// the station before exiting 0. Bad credentials exit 1 with a message on stderr.
import { logIn, type LoginOutcome } from '../client/api.js';
import { StationSession, type Relogin } from '../client/session.js';
import type { SettingsFile } from '../settings.js';
import { describeChanges, type HeadlessEvent } from './events.js';

export interface HeadlessOptions {
  server: string;
  settings: SettingsFile;
  user: string | undefined;
  password: string | undefined;
  extension: string | undefined;
  paused: boolean;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  /** Resolves when the kiosk should stop (SIGTERM or SIGINT in production). */
  stopSignal: Promise<unknown>;
}

export async function runHeadless(o: HeadlessOptions): Promise<number> {
  const print = (event: HeadlessEvent) => o.out.write(`${JSON.stringify({ at: new Date().toISOString(), ...event })}\n`);
  const fail = (message: string) => {
    o.err.write(`dispatcher: ${message}\n`);
    return 1;
  };
  const stored = o.settings.read();
  const extension = o.extension ?? stored.extension;
  if (!extension) return fail('no extension for this station: give --extension (it is remembered)');

  let token: string;
  let relogin: Relogin | undefined;
  if (o.user !== undefined) {
    if (o.password === undefined) return fail('--user needs --password or $DISPATCHER_PASSWORD');
    const { user, password } = { user: o.user, password: o.password };
    const outcome = await logIn(o.server, user, password);
    if (!outcome.ok) return fail(loginFailure(outcome, o.server));
    token = outcome.response.token;
    o.settings.update({ server: o.server, token, login: outcome.response.user.login, extension });
    // Kept in memory only: a switchboard restart forgets tokens, and a kiosk has nobody to type the password again.
    relogin = async () => {
      const again = await logIn(o.server, user, password);
      if (again.ok) return { token: again.response.token };
      return again.reason === 'unreachable' || again.reason === 'bad-answer' ? { retry: true } : { refused: true };
    };
  } else if (stored.token && (stored.server ?? o.server) === o.server) {
    token = stored.token;
    if (o.extension) o.settings.update({ extension });
  } else {
    return fail(`not logged in at ${o.server}: give --user and --password (or $DISPATCHER_PASSWORD)`);
  }

  const session = new StationSession({
    server: o.server,
    token,
    extension,
    ready: !o.paused,
    ...(relogin && { relogin }),
    onToken: (fresh) => o.settings.update({ token: fresh }),
  });
  let previous = session.getSnapshot();
  let previousRefusal = previous.refusal;
  let ended: (code: number) => void = () => {};
  const fatal = new Promise<number>((resolve) => (ended = resolve));
  session.subscribe(() => {
    const next = session.getSnapshot();
    for (const event of describeChanges(previous, next, Date.now())) print(event);
    previous = next;
    if (next.sessionEnded) {
      o.err.write('dispatcher: the switchboard no longer accepts this login; start again with --user and --password\n');
      ended(1);
    } else if (next.refusal && next.refusal !== previousRefusal) {
      // A kiosk has nobody to decide a take-over: say who holds the station and
      // leave; the service manager's restart tries again later.
      const holder = next.refusal.heldBy ? ` (held by ${next.refusal.heldBy.login})` : '';
      o.err.write(`dispatcher: the switchboard refused extension ${next.refusal.extension}: ${next.refusal.reason}${holder}\n`);
      ended(1);
    } else if (next.takenOverBy) {
      o.err.write(`dispatcher: station ${extension} was taken over by ${next.takenOverBy.login}\n`);
      ended(1);
    }
    previousRefusal = next.refusal;
  });
  print({ event: 'starting', server: o.server, extension, ready: !o.paused });
  session.start();
  const code = await Promise.race([o.stopSignal.then(() => 0), fatal]);
  await session.stop();
  print({ event: 'stopped', extension });
  return code;
}

function loginFailure(outcome: Exclude<LoginOutcome, { ok: true }>, server: string): string {
  switch (outcome.reason) {
    case 'wrong-password':
      return 'wrong login or password';
    case 'locked-out':
      return `too many failed logins; locked out${outcome.retryAfterSeconds ? ` for ${outcome.retryAfterSeconds} s` : ''}`;
    case 'unreachable':
      return `cannot reach the switchboard at ${server} (${outcome.detail})`;
    case 'bad-answer':
      return `the switchboard at ${server} gave an unexpected answer (${outcome.detail})`;
  }
}
