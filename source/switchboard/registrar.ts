// The switchboard's registrar: phones REGISTER their extensions here, prove
// their password with Digest, and are then kept track of until their
// registration expires or they stop answering OPTIONS pings. It owns the
// bindings (extension -> contacts) and publishes each extension's
// RegistrationState ('registered' | 'unreachable' | 'none') with a 'change'
// event when, and only when, it changes.
//
// The pbx wires it in with `srf.register((req, res) => registrar.handleRegister(req, res))`
// and calls start() / stop() for its timers. Passwords come from the
// PhoneDirectory on every REGISTER, so a changed password applies at once.
//
// Refusals follow RFC 3261 10.3: every REGISTER without credentials gets the
// same 401 challenge, so an unknown extension is told apart from a wrong
// password only by a 403 after a full Digest exchange; an address that keeps
// failing is refused outright for the rest of its window (AuthLimiter).
import { EventEmitter } from 'node:events';
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import type { Phone, PhoneDirectory } from '../store/types.js';
import { AuthLimiter } from './auth-limiter.js';
import {
  algorithmOf,
  checkNonce,
  createNonce,
  DIGEST_ALGORITHMS,
  digestResponse,
  formatChallenge,
  newNonceSecret,
  parseAuthorization,
  sameDigest,
  type AuthCredentials,
  type DigestAlgorithm,
} from './digest.js';
import type { Binding, RegistrationState, RegistrationView } from './registration-state.js';
import { decideExpires, isZeroExpires, parseContacts, userOf, type ExpiresLimits } from './registration-rules.js';

export interface RegistrarOptions {
  /** The switchboard's drachtio-srf app: used to send OPTIONS pings. */
  srf: Srf;
  phones: PhoneDirectory;
  /** Digest realm phones are challenged with, e.g. "taxi.example". */
  realm: string;
  /**
   * Algorithms offered, one WWW-Authenticate each, in this order. Default
   * ['MD5', 'SHA-256']: many phones (and SIPp) answer only the first challenge.
   */
  algorithms?: DigestAlgorithm[];
  /** Shortest registration accepted, seconds (shorter gets 423). Default 60. */
  minExpires?: number;
  /** Longest registration granted, seconds (longer is cut down). Default 3600. */
  maxExpires?: number;
  /** How long a nonce may be used; older ones get 401 with stale=true. Default 5 min. */
  nonceLifetimeMs?: number;
  /** Failed attempts from one address that make it refused. Default 5. */
  authFailLimit?: number;
  /** The window those failures are counted in, and the refusal lasts. Default 60 s. */
  authFailWindowMs?: number;
  /** Interval between OPTIONS pings to each binding. Default 30 s. */
  optionsPingMs?: number;
  /**
   * A ping not answered within this time counts as unanswered. Default
   * min(optionsPingMs, 10 s): time for four UDP retransmissions at T1 = 500 ms,
   * and well before the SIP server's own 32 s transaction timeout.
   */
  pingTimeoutMs?: number;
  /** Pings outstanding at once, across all bindings. Default 100. */
  maxPingsInFlight?: number;
  /** Contacts one extension may have; the soonest to expire give way. Default 10. */
  maxBindingsPerExtension?: number;
  log: Logger;
  /** Clock in milliseconds since the epoch (tests inject one). Default Date.now. */
  now?: () => number;
}

/** What the registrar reads from a REGISTER (drachtio-srf's SrfRequest has it all). */
export interface RegisterRequest {
  method: string;
  uri: string;
  source_address: string;
  source_port: number | string;
  protocol: string;
  get(name: string): string | undefined;
}

/** How the registrar answers (drachtio-srf's SrfResponse). */
export interface RegisterResponse {
  send(status: number, opts?: { headers?: Record<string, string> }): void;
}

interface BindingRecord extends Binding {
  /** When the next OPTIONS ping is due. */
  nextPingAt: number;
  /** The ping in flight, if any. */
  pingId?: number;
}

interface PendingPing {
  binding: BindingRecord;
  deadline: number;
}

type Refusal = 'unknown extension' | 'wrong password' | 'identity mismatch';

// drachtio-srf's typings do not describe request(uri, opts, callback).
type SrfRequestFn = (
  uri: string,
  opts: { method: string; proxy?: string; headers?: Record<string, string> },
  callback: (err: (Error & { code?: string }) | null, req: { on(event: 'response', fn: (res: { status: number }) => void): void }) => void,
) => void;

/** srf.request errors that mean "we are not connected to a SIP server", not "the phone is gone". */
const OUR_CONNECTION_ERRORS = new Set(['EINVALIDSOCKET', 'ESOCKETDESTROYED']);

/** Status codes the SIP server makes up itself when nothing came back (timeout, transport failure). */
const NO_ANSWER = new Set([408, 503]);

const MAX_NONCE_COUNTS = 100_000;

export class Registrar extends EventEmitter implements RegistrationView {
  private readonly srf: Srf;
  private readonly phones: PhoneDirectory;
  private readonly realm: string;
  private readonly algorithms: DigestAlgorithm[];
  private readonly limits: ExpiresLimits;
  private readonly nonceLifetimeMs: number;
  private readonly optionsPingMs: number;
  private readonly pingTimeoutMs: number;
  private readonly maxPingsInFlight: number;
  private readonly maxBindingsPerExtension: number;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly secret = newNonceSecret();
  private readonly limiter: AuthLimiter;

  /** extension -> contact URI -> binding. */
  private readonly table = new Map<string, Map<string, BindingRecord>>();
  /** The state last published per extension ('none' is not stored). */
  private readonly published = new Map<string, RegistrationState>();
  /** Highest nonce count accepted per nonce, to refuse replays. */
  private readonly nonceCounts = new Map<string, { nc: number; issuedAt: number }>();
  private readonly pings = new Map<number, PendingPing>();
  private pingSeq = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(opts: RegistrarOptions) {
    super();
    this.srf = opts.srf;
    this.phones = opts.phones;
    this.realm = opts.realm;
    this.log = opts.log;
    this.now = opts.now ?? Date.now;
    this.algorithms = [...(opts.algorithms ?? ['MD5', 'SHA-256'])];
    const minExpires = opts.minExpires ?? 60;
    const maxExpires = opts.maxExpires ?? 3600;
    this.limits = { min: minExpires, max: maxExpires, default: Math.max(minExpires, Math.min(3600, maxExpires)) };
    this.nonceLifetimeMs = opts.nonceLifetimeMs ?? 5 * 60_000;
    this.optionsPingMs = opts.optionsPingMs ?? 30_000;
    this.pingTimeoutMs = opts.pingTimeoutMs ?? Math.min(this.optionsPingMs, 10_000);
    this.maxPingsInFlight = opts.maxPingsInFlight ?? 100;
    this.maxBindingsPerExtension = opts.maxBindingsPerExtension ?? 10;

    const problems: string[] = [];
    if (!this.realm || /["\\\r\n]/.test(this.realm)) problems.push(`realm must be a plain non-empty string, got ${JSON.stringify(this.realm)}`);
    if (this.algorithms.length === 0) problems.push('algorithms must name at least one of MD5, SHA-256');
    for (const a of this.algorithms) if (!DIGEST_ALGORITHMS.includes(a)) problems.push(`unsupported digest algorithm ${a}`);
    if (new Set(this.algorithms).size !== this.algorithms.length) problems.push('algorithms must not repeat');
    if (!Number.isInteger(minExpires) || minExpires < 1) problems.push(`minExpires must be a positive whole number of seconds, got ${minExpires}`);
    if (!Number.isInteger(maxExpires) || maxExpires < minExpires) problems.push(`maxExpires must be a whole number of seconds >= minExpires, got ${maxExpires}`);
    for (const [name, value] of Object.entries({
      nonceLifetimeMs: this.nonceLifetimeMs,
      optionsPingMs: this.optionsPingMs,
      pingTimeoutMs: this.pingTimeoutMs,
      maxPingsInFlight: this.maxPingsInFlight,
      maxBindingsPerExtension: this.maxBindingsPerExtension,
    })) {
      if (!(value > 0)) problems.push(`${name} must be positive, got ${value}`);
    }
    if (problems.length) throw new Error(`invalid registrar options: ${problems.join('; ')}`);
    this.limiter = new AuthLimiter({ limit: opts.authFailLimit ?? 5, windowMs: opts.authFailWindowMs ?? 60_000 });
  }

  // ------------------------------------------------------------ the view

  state(extension: string): RegistrationState {
    const bindings = this.table.get(extension);
    if (!bindings || bindings.size === 0) return 'none';
    for (const b of bindings.values()) if (b.reachable) return 'registered';
    return 'unreachable';
  }

  bindings(extension: string): Binding[] {
    return [...(this.table.get(extension)?.values() ?? [])].map(copyOf);
  }

  allBindings(): Binding[] {
    const all: Binding[] = [];
    for (const bindings of this.table.values()) for (const b of bindings.values()) all.push(copyOf(b));
    return all;
  }

  // ------------------------------------------------------------ timers

  /** Starts the timer that expires bindings and sends OPTIONS pings. */
  start(): void {
    if (this.timer) return;
    const tickMs = Math.max(20, Math.min(1_000, Math.floor(this.optionsPingMs / 4)));
    this.timer = setInterval(() => {
      try {
        this.sweep();
      } catch (err) {
        this.log.error({ err }, 'registrar sweep failed');
      }
    }, tickMs);
    this.timer.unref();
  }

  /** Stops the timer; pings still outstanding are ignored when they come back. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const p of this.pings.values()) p.binding.pingId = undefined;
    this.pings.clear();
  }

  /**
   * One round of housekeeping at the current time: drops expired bindings,
   * gives up on pings past their deadline, and sends the pings that are due
   * (oldest due first, never more than maxPingsInFlight outstanding). The
   * timer calls it; tests with an injected clock call it directly.
   */
  sweep(): void {
    const now = this.now();
    const expired = new Set<string>();
    for (const [extension, bindings] of this.table) {
      for (const [contact, b] of bindings) {
        if (b.expiresAt > now) continue;
        bindings.delete(contact);
        if (b.pingId !== undefined) this.pings.delete(b.pingId);
        expired.add(extension);
        this.log.debug({ extension, contact }, 'binding expired');
      }
      if (bindings.size === 0) this.table.delete(extension);
    }
    for (const extension of expired) this.publish(extension, 'expired');

    for (const [id, p] of this.pings) {
      if (p.deadline <= now) this.pingDone(id, false, 'no answer in time');
    }

    const due: BindingRecord[] = [];
    for (const bindings of this.table.values()) {
      for (const b of bindings.values()) if (b.pingId === undefined && b.nextPingAt <= now) due.push(b);
    }
    due.sort((a, b) => a.nextPingAt - b.nextPingAt);
    for (const b of due.slice(0, Math.max(0, this.maxPingsInFlight - this.pings.size))) this.ping(b, now);

    this.limiter.prune(now);
    for (const [nonce, seen] of this.nonceCounts) {
      if (now - seen.issuedAt > this.nonceLifetimeMs) this.nonceCounts.delete(nonce);
    }
  }

  // ------------------------------------------------------------ REGISTER

  /** Answers one REGISTER (for srf.register). Never throws. */
  handleRegister(req: RegisterRequest, res: RegisterResponse): void {
    let answered = false;
    const send = (status: number, headers?: Record<string, string>) => {
      answered = true;
      res.send(status, headers ? { headers } : undefined);
    };
    try {
      this.register(req, send);
    } catch (err) {
      this.log.error({ err, from: req.source_address }, 'REGISTER handling failed');
      if (!answered) {
        try {
          res.send(500);
        } catch {
          // the connection to the SIP server is gone; nothing to answer on
        }
      }
    }
  }

  private register(req: RegisterRequest, send: (status: number, headers?: Record<string, string>) => void): void {
    const now = this.now();
    const address = req.source_address;
    if (this.limiter.isRefused(address, now)) {
      this.log.debug({ address }, 'REGISTER from a refused address');
      return send(403);
    }

    const credentials = this.credentialsFor(req.get('Authorization'));
    if (!credentials) return this.challenge(send, false);
    const p = credentials.params;
    const algorithm = algorithmOf(p.algorithm);
    if (!algorithm || !this.algorithms.includes(algorithm)) return this.challenge(send, false);
    if (!p.username || !p.nonce || !p.uri || !p.response || p.qop?.toLowerCase() !== 'auth' || !/^[0-9a-f]{8}$/i.test(p.nc ?? '') || !p.cnonce) {
      this.log.debug({ address }, 'REGISTER with incomplete Digest credentials');
      return send(400);
    }
    // The digest covers the uri parameter: it must name this very request (RFC 7616 3.4.6).
    if (p.uri.toLowerCase() !== req.uri.toLowerCase()) {
      this.log.debug({ address, uri: p.uri, requestUri: req.uri }, 'Digest uri differs from the request-URI');
      return send(400);
    }

    const extension = p.username;
    const phone = this.phones.getPhone(extension);
    const sameIdentity = userOf(req.get('To')) === extension && userOf(req.get('From')) === extension;
    // The digest is worked out even for an unknown extension, so the answer
    // takes as long either way and timing does not tell which ones exist.
    const expected = digestResponse({
      algorithm,
      username: extension,
      realm: this.realm,
      password: phone?.password ?? this.secret.toString('hex'),
      method: req.method,
      uri: p.uri,
      nonce: p.nonce,
      qop: 'auth',
      nc: p.nc!,
      cnonce: p.cnonce,
    });
    const correct = sameDigest(expected, p.response) && phone !== undefined && sameIdentity;

    // A nonce that is too old, not ours (e.g. from before a restart), or
    // already used with this count: a new challenge, saying "stale" when the
    // password was right, so the phone retries at once without asking anyone.
    const verdict = checkNonce(this.secret, this.realm, p.nonce, now, this.nonceLifetimeMs);
    if (verdict.kind !== 'fresh') return this.challenge(send, correct);
    const nc = parseInt(p.nc!, 16);
    const seen = this.nonceCounts.get(p.nonce);
    if (correct && seen && nc <= seen.nc) return this.challenge(send, true);

    if (!correct) {
      const reason: Refusal = !phone ? 'unknown extension' : !sameIdentity ? 'identity mismatch' : 'wrong password';
      return this.refuse(send, address, extension, reason, now);
    }
    this.rememberNonceCount(p.nonce, nc, verdict.issuedAt);
    this.bind(req, send, phone!, now);
  }

  /** The Digest credentials meant for our realm, if the request has any. */
  private credentialsFor(header: string | undefined): AuthCredentials | undefined {
    if (!header) return undefined;
    return parseAuthorization(header).find((c) => c.scheme.toLowerCase() === 'digest' && c.params.realm === this.realm);
  }

  private challenge(send: (status: number, headers?: Record<string, string>) => void, stale: boolean): void {
    const nonce = createNonce(this.secret, this.realm, this.now());
    const challenges = this.algorithms.map((algorithm) => formatChallenge({ realm: this.realm, nonce, algorithm, stale }));
    // drachtio-srf folds a header given twice into one comma-separated line,
    // which RFC 3261 7.3.1 forbids for WWW-Authenticate: write real header lines.
    send(401, { 'WWW-Authenticate': challenges.join('\r\nWWW-Authenticate: ') });
  }

  private refuse(
    send: (status: number) => void,
    address: string,
    extension: string,
    reason: Refusal,
    now: number,
  ): void {
    this.log.info({ extension, address, reason }, 'registration refused');
    if (this.limiter.recordFailure(address, now)) {
      const until = this.limiter.refusedUntil(address, now);
      this.log.warn({ address, until: until === undefined ? undefined : new Date(until).toISOString() }, 'registration attempts refused');
    }
    send(403);
  }

  private rememberNonceCount(nonce: string, nc: number, issuedAt: number): void {
    if (!this.nonceCounts.has(nonce) && this.nonceCounts.size >= MAX_NONCE_COUNTS) {
      const oldest = this.nonceCounts.keys().next().value;
      if (oldest !== undefined) this.nonceCounts.delete(oldest);
    }
    this.nonceCounts.set(nonce, { nc, issuedAt });
  }

  /** The authenticated part: add, refresh or remove this extension's bindings. */
  private bind(req: RegisterRequest, send: (status: number, headers?: Record<string, string>) => void, phone: Phone, now: number): void {
    const extension = phone.extension;
    const contacts = parseContacts(req.get('Contact'));
    const expiresHeader = req.get('Expires');
    if (!contacts) return send(400);

    if (contacts === '*') {
      // RFC 3261 10.3 step 6: the wildcard only with Expires: 0.
      if (!isZeroExpires(expiresHeader)) return send(400);
      this.removeAll(extension);
      send(200, this.okHeaders(extension, now));
      this.publish(extension, 'unregistered');
      return;
    }

    const decisions = contacts.map((c) => ({ contact: c.uri, decision: decideExpires(c.expires, expiresHeader, this.limits) }));
    if (decisions.some((d) => d.decision.kind === 'too-brief')) {
      return send(423, { 'Min-Expires': String(this.limits.min) });
    }

    const transport = req.protocol.toLowerCase();
    if (contacts.length > 0 && transport !== 'udp' && transport !== 'tcp') {
      this.log.warn({ extension, transport }, 'REGISTER over a transport the registrar cannot ping');
      return send(400);
    }
    const source = { transport: transport as 'udp' | 'tcp', address: req.source_address, port: Number(req.source_port) };
    const userAgent = req.get('User-Agent');

    let bindings = this.table.get(extension);
    for (const { contact, decision } of decisions) {
      if (decision.kind === 'remove') {
        const gone = bindings?.get(contact);
        if (gone) {
          bindings!.delete(contact);
          if (gone.pingId !== undefined) this.pings.delete(gone.pingId);
        }
        continue;
      }
      if (decision.kind !== 'bind') continue;
      if (!bindings) {
        bindings = new Map();
        this.table.set(extension, bindings);
      }
      const existing = bindings.get(contact);
      const expiresAt = now + decision.seconds * 1000;
      if (existing) {
        // A refresh: the phone just spoke from here, so it is reachable here.
        existing.source = source;
        existing.expiresAt = expiresAt;
        existing.reachable = true;
        if (userAgent) existing.userAgent = userAgent;
        continue;
      }
      bindings.set(contact, {
        extension,
        contact,
        source,
        expiresAt,
        ...(userAgent ? { userAgent } : {}),
        reachable: true,
        // The first ping lands somewhere in the second half of the interval,
        // so phones that registered together are not pinged together.
        nextPingAt: now + Math.round(this.optionsPingMs * (0.5 + 0.5 * Math.random())),
      });
      this.log.debug({ extension, contact, source }, 'binding added');
    }
    if (bindings) this.trim(bindings);
    if (bindings?.size === 0) this.table.delete(extension);

    send(200, this.okHeaders(extension, now));
    this.publish(extension, 'unregistered');
  }

  /** Keeps at most maxBindingsPerExtension, dropping those that expire first. */
  private trim(bindings: Map<string, BindingRecord>): void {
    if (bindings.size <= this.maxBindingsPerExtension) return;
    const byExpiry = [...bindings.values()].sort((a, b) => a.expiresAt - b.expiresAt);
    for (const b of byExpiry.slice(0, bindings.size - this.maxBindingsPerExtension)) {
      bindings.delete(b.contact);
      if (b.pingId !== undefined) this.pings.delete(b.pingId);
    }
  }

  private removeAll(extension: string): void {
    for (const b of this.table.get(extension)?.values() ?? []) {
      if (b.pingId !== undefined) this.pings.delete(b.pingId);
    }
    this.table.delete(extension);
  }

  /** 200 OK lists every current binding with its remaining lifetime (RFC 3261 10.3 step 8). */
  private okHeaders(extension: string, now: number): Record<string, string> {
    const headers: Record<string, string> = { Date: new Date(now).toUTCString() };
    const contacts = [...(this.table.get(extension)?.values() ?? [])].map(
      (b) => `<${b.contact}>;expires=${Math.max(0, Math.ceil((b.expiresAt - now) / 1000))}`,
    );
    if (contacts.length) headers.Contact = contacts.join(', ');
    return headers;
  }

  // ------------------------------------------------------------ state

  /**
   * Publishes the extension's state if it differs from the last one
   * published. `gone` says why an extension went to 'none'.
   */
  private publish(extension: string, gone: 'unregistered' | 'expired'): void {
    const state = this.state(extension);
    const before = this.published.get(extension) ?? 'none';
    if (state === before) return;
    if (state === 'none') this.published.delete(extension);
    else this.published.set(extension, state);
    if (state === 'registered') {
      const contacts = this.bindings(extension).map((b) => b.contact);
      this.log.info({ extension, contacts }, 'extension registered');
    } else if (state === 'unreachable') {
      this.log.info({ extension }, 'extension unreachable');
    } else {
      this.log.info({ extension, reason: gone }, 'extension unregistered');
    }
    this.emit('change', extension, state);
  }

  // ------------------------------------------------------------ OPTIONS pings

  private ping(b: BindingRecord, now: number): void {
    const id = ++this.pingSeq;
    b.pingId = id;
    this.pings.set(id, { binding: b, deadline: now + this.pingTimeoutMs });
    const host = b.source.address.includes(':') ? `[${b.source.address}]` : b.source.address;
    // Sent to the contact URI, but by way of the address the REGISTER came
    // from: behind NAT that is the only address that reaches the phone.
    const proxy = `sip:${host}:${b.source.port};transport=${b.source.transport}`;
    const request = this.srf.request as unknown as SrfRequestFn;
    try {
      request.call(
        this.srf,
        b.contact,
        { method: 'OPTIONS', proxy, headers: { From: '<sip:switchboard@localhost>', To: `<${b.contact}>` } },
        (err, sent) => {
          if (err) {
            if (err.code && OUR_CONNECTION_ERRORS.has(err.code)) return this.pingNotSent(id, err);
            return this.pingDone(id, false, err.message);
          }
          sent.on('response', (res) => {
            if (res.status < 200) return;
            // Any answer at all, even 404 or 405, shows the phone is there.
            this.pingDone(id, !NO_ANSWER.has(res.status), `status ${res.status}`);
          });
        },
      );
    } catch (err) {
      this.pingNotSent(id, err as Error);
    }
  }

  /** The ping never left (we have no SIP server): not the phone's fault; try again next round. */
  private pingNotSent(id: number, err: Error): void {
    const p = this.pings.get(id);
    if (!p) return;
    this.pings.delete(id);
    if (p.binding.pingId === id) {
      p.binding.pingId = undefined;
      p.binding.nextPingAt = this.now() + this.optionsPingMs;
    }
    this.log.debug({ err: err.message, extension: p.binding.extension }, 'OPTIONS ping not sent');
  }

  private pingDone(id: number, answered: boolean, how: string): void {
    const p = this.pings.get(id);
    if (!p) return; // timed out already, binding gone, or registrar stopped
    this.pings.delete(id);
    const b = p.binding;
    if (b.pingId !== id) return;
    b.pingId = undefined;
    b.nextPingAt = this.now() + this.optionsPingMs;
    if (this.table.get(b.extension)?.get(b.contact) !== b) return;
    if (b.reachable === answered) return;
    b.reachable = answered;
    this.log.debug({ extension: b.extension, contact: b.contact, answered, how }, 'binding reachability changed');
    this.publish(b.extension, 'unregistered');
  }
}

function copyOf(b: BindingRecord): Binding {
  return {
    extension: b.extension,
    contact: b.contact,
    source: { ...b.source },
    expiresAt: b.expiresAt,
    ...(b.userAgent !== undefined ? { userAgent: b.userAgent } : {}),
    reachable: b.reachable,
  };
}
