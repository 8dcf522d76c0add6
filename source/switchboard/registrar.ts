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
// The Digest exchange itself (challenge, credentials, nonces, the per-address
// lockout) is the DigestGuard's, shared with the INVITE path so both count
// failures together; the registrar asks as a registrar: 401 / Authorization.
import { EventEmitter } from 'node:events';
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import type { Phone, PhoneDirectory } from '../store/types.js';
import { AS_REGISTRAR, DigestGuard, type DigestGuardOptions } from './digest-guard.js';
import type { Binding, RegistrationState, RegistrationView } from './registration-state.js';
import { decideExpires, isZeroExpires, parseContacts, userOf, type ExpiresLimits } from './registration-rules.js';

/** The Digest settings of a guard the registrar makes for itself (see RegistrarOptions.guard). */
type OwnGuardOptions = Omit<DigestGuardOptions, 'phones' | 'now'>;
const OWN_GUARD_OPTIONS = ['realm', 'algorithms', 'nonceLifetimeMs', 'authFailLimit', 'authFailWindowMs'] as const satisfies ReadonlyArray<keyof OwnGuardOptions>;

export interface RegistrarOptions extends Partial<OwnGuardOptions> {
  /** The switchboard's drachtio-srf app: used to send OPTIONS pings. */
  srf: Srf;
  phones: PhoneDirectory;
  /**
   * The Digest guard shared with the INVITE path, so failures at either
   * count towards one lockout. Without one (a registrar on its own, as in
   * tests) it makes its own from `realm` and the other DigestGuardOptions.
   */
  guard?: DigestGuard;
  /** Shortest registration accepted, seconds (shorter gets 423). Default 60. */
  minExpires?: number;
  /** Longest registration granted, seconds (longer is cut down). Default 3600. */
  maxExpires?: number;
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

export class Registrar extends EventEmitter implements RegistrationView {
  private readonly srf: Srf;
  private readonly phones: PhoneDirectory;
  private readonly guard: DigestGuard;
  private readonly limits: ExpiresLimits;
  private readonly optionsPingMs: number;
  private readonly pingTimeoutMs: number;
  private readonly maxPingsInFlight: number;
  private readonly maxBindingsPerExtension: number;
  private readonly log: Logger;
  private readonly now: () => number;

  /** extension -> contact URI -> binding. */
  private readonly table = new Map<string, Map<string, BindingRecord>>();
  /** The state last published per extension ('none' is not stored). */
  private readonly published = new Map<string, RegistrationState>();
  private readonly pings = new Map<number, PendingPing>();
  private pingSeq = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(opts: RegistrarOptions) {
    super();
    this.srf = opts.srf;
    this.phones = opts.phones;
    this.log = opts.log;
    this.now = opts.now ?? Date.now;
    if (opts.guard) {
      // Two sets of digest settings would leave one of them silently unused.
      const ignored = OWN_GUARD_OPTIONS.filter((name) => opts[name] !== undefined);
      if (ignored.length) throw new Error(`invalid registrar options: ${ignored.join(', ')} belong to the guard given`);
      this.guard = opts.guard;
    } else {
      this.guard = new DigestGuard({
        phones: opts.phones,
        realm: opts.realm ?? '',
        algorithms: opts.algorithms,
        nonceLifetimeMs: opts.nonceLifetimeMs,
        authFailLimit: opts.authFailLimit,
        authFailWindowMs: opts.authFailWindowMs,
        now: this.now,
      });
    }
    const minExpires = opts.minExpires ?? 60;
    const maxExpires = opts.maxExpires ?? 3600;
    this.limits = { min: minExpires, max: maxExpires, default: Math.max(minExpires, Math.min(3600, maxExpires)) };
    this.optionsPingMs = opts.optionsPingMs ?? 30_000;
    this.pingTimeoutMs = opts.pingTimeoutMs ?? Math.min(this.optionsPingMs, 10_000);
    this.maxPingsInFlight = opts.maxPingsInFlight ?? 100;
    this.maxBindingsPerExtension = opts.maxBindingsPerExtension ?? 10;

    const problems: string[] = [];
    if (!Number.isInteger(minExpires) || minExpires < 1) problems.push(`minExpires must be a positive whole number of seconds, got ${minExpires}`);
    if (!Number.isInteger(maxExpires) || maxExpires < minExpires) problems.push(`maxExpires must be a whole number of seconds >= minExpires, got ${maxExpires}`);
    for (const [name, value] of Object.entries({
      optionsPingMs: this.optionsPingMs,
      pingTimeoutMs: this.pingTimeoutMs,
      maxPingsInFlight: this.maxPingsInFlight,
      maxBindingsPerExtension: this.maxBindingsPerExtension,
    })) {
      if (!(value > 0)) problems.push(`${name} must be positive, got ${value}`);
    }
    if (problems.length) throw new Error(`invalid registrar options: ${problems.join('; ')}`);
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

    // The guard has no timer of its own; the registrar's sweep keeps it small.
    this.guard.prune();
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
    const address = req.source_address;
    // A phone registers only itself: To and From name the extension it proves.
    const admission = this.guard.admit(req, AS_REGISTRAR, (extension) => userOf(req.get('To')) === extension && userOf(req.get('From')) === extension);
    switch (admission.kind) {
      case 'admitted':
        return this.bind(req, send, admission.phone, this.now());
      case 'challenge':
        return send(admission.status, admission.headers);
      case 'refused':
        if (admission.counted) {
          this.log.info({ extension: admission.extension, address, reason: admission.reason }, 'registration refused');
        } else {
          this.log.debug({ extension: admission.extension, address, reason: admission.reason }, 'REGISTER refused');
        }
        if (admission.lockedOutUntil !== undefined) {
          this.log.warn({ address, until: new Date(admission.lockedOutUntil).toISOString() }, 'registration attempts refused');
        }
        return send(admission.status);
    }
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
