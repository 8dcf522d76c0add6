// The station board: for every extension, whether a console holds it, whether
// the dispatcher is ready, what the registrar says about the phone and whether
// the call distribution has it busy, and from all that whether the station may
// be offered a caller right now. Pure logic: time comes from the injected
// clock, the API server feeds console events in and calls tick() on a timer.
//
// A console's session is a lease: each heartbeat renews it, and when no
// heartbeat arrives for `leaseMs` the station stops being eligible even though
// nobody told us the console is gone (crash, cable cut, frozen machine).
import { EventEmitter } from 'node:events';
import type { RegistrationState, RegistrationView } from './registration-state.js';

export const defaultLeaseMs = 3000;
/** The pause reason the call distribution sets after offers went unanswered. */
export const missedCallsPause = 'missed-calls';

/** Why a station may not be offered a caller, most fundamental first. */
export const ineligibleReasons = [
  'no-console',
  'lease-expired',
  'paused',
  'not-registered',
  'phone-unreachable',
  'in-call',
  'wrap-up',
] as const;
export type IneligibleReason = (typeof ineligibleReasons)[number];
export type Eligibility = { eligible: true } | { eligible: false; reason: IneligibleReason };

/** The call a station is on, as its dispatcher's console shows it. */
export interface StationCall {
  /** A passenger from the queue, the `*60` self-test, or another station dialled directly. */
  kind: 'passenger' | 'self-test' | 'station';
  /** The passenger's number, the other extension, or `*60`. */
  peer: string;
  /** The queue's id of the passenger (kind `passenger` only). */
  callerId?: string;
  /** When the call was connected (ms since the epoch). */
  since: number;
  recording: boolean;
}

/** The console holding a station and the dispatcher logged in at it. */
export interface ConsoleIdentity {
  /** One per console connection; a reconnecting console gets a new one. */
  consoleId: string;
  login: string;
  displayName: string;
}

export interface StationSnapshot {
  extension: string;
  session:
    | (ConsoleIdentity & {
        lastHeartbeatAt: number;
        leaseExpiresAt: number;
        /** false once the lease lapsed; a heartbeat from the same console revives it. */
        alive: boolean;
      })
    | undefined;
  ready: boolean;
  /** Set while not ready: the dispatcher's words, or `missed-calls`. */
  pauseReason: string | undefined;
  registration: RegistrationState;
  inCall: boolean;
  /** What the station is talking to while in a call. */
  call: StationCall | undefined;
  wrapUpUntil: number | undefined;
  eligibility: Eligibility;
}

export type BindResult =
  | { outcome: 'bound'; replaced: ConsoleIdentity | undefined }
  | { outcome: 'taken'; heldBy: ConsoleIdentity };

export interface StationBoardOptions {
  now: () => number;
  leaseMs?: number;
}

interface Station {
  extension: string;
  session: (ConsoleIdentity & { lastHeartbeatAt: number }) | undefined;
  ready: boolean;
  pauseReason: string | undefined;
  registration: RegistrationState;
  call: StationCall | undefined;
  wrapUpUntil: number | undefined;
  /** What the last 'change' said, to report each change once. */
  reported: string | undefined;
}

interface StationBoardEvents {
  /** Anything but the heartbeat time changed, including eligibility by the passing of time (seen at tick). */
  change: [station: StationSnapshot];
}

export class StationBoard extends EventEmitter<StationBoardEvents> {
  readonly leaseMs: number;
  readonly #now: () => number;
  readonly #stations = new Map<string, Station>();
  /** #stations in extension order; rebuilt only when a station is added (snapshot() runs on every console push). */
  #ordered: Station[] | undefined;
  #registrations: { view: RegistrationView; listener: (extension: string, state: RegistrationState) => void } | undefined;

  constructor(options: StationBoardOptions) {
    super();
    this.#now = options.now;
    this.leaseMs = options.leaseMs ?? defaultLeaseMs;
    if (!Number.isFinite(this.leaseMs) || this.leaseMs <= 0) throw new RangeError(`leaseMs must be positive, got ${options.leaseMs}`);
  }

  /** Takes registration states from the registrar from now on. One view per board. */
  followRegistrations(view: RegistrationView): void {
    if (this.#registrations?.view === view) return;
    if (this.#registrations) throw new Error('the station board already follows another registration view');
    const listener = (extension: string, state: RegistrationState) => this.setRegistration(extension, state);
    view.on('change', listener);
    this.#registrations = { view, listener };
    for (const station of this.#stations.values()) this.setRegistration(station.extension, view.state(station.extension));
  }

  /** Stops following the registration view (the board keeps its last states). */
  close(): void {
    if (!this.#registrations) return;
    this.#registrations.view.off('change', this.#registrations.listener);
    this.#registrations = undefined;
  }

  /**
   * A console asks to hold the extension. Another console's live session keeps
   * it unless `takeover` is set; a lapsed one gives way without asking. The new
   * session starts paused: the dispatcher says when they are ready.
   */
  bind(extension: string, holder: ConsoleIdentity, options: { takeover?: boolean } = {}): BindResult {
    const station = this.#station(extension);
    const held = station.session;
    if (held?.consoleId === holder.consoleId) {
      held.lastHeartbeatAt = this.#now();
      this.#report(station);
      return { outcome: 'bound', replaced: undefined };
    }
    if (held && this.#alive(held) && !options.takeover) return { outcome: 'taken', heldBy: identity(held) };
    station.session = { ...identity(holder), lastHeartbeatAt: this.#now() };
    station.ready = false;
    station.pauseReason = undefined;
    this.#report(station);
    return { outcome: 'bound', replaced: held && identity(held) };
  }

  /** The console let go (or its connection closed). Ignored unless it still holds the station. */
  unbind(extension: string, consoleId: string): boolean {
    const station = this.#stations.get(extension);
    if (station?.session?.consoleId !== consoleId) return false;
    station.session = undefined;
    station.ready = false;
    station.pauseReason = undefined;
    this.#report(station);
    return true;
  }

  /** Renews the lease. false when the console no longer holds the station. */
  heartbeat(extension: string, consoleId: string): boolean {
    const station = this.#stations.get(extension);
    if (station?.session?.consoleId !== consoleId) return false;
    station.session.lastHeartbeatAt = this.#now();
    this.#report(station);
    return true;
  }

  /** The dispatcher is ready for callers. false without a console session. */
  setReady(extension: string): boolean {
    const station = this.#stations.get(extension);
    if (!station?.session) return false;
    station.ready = true;
    station.pauseReason = undefined;
    this.#report(station);
    return true;
  }

  /** Not ready: the dispatcher's reason, or `missed-calls` from the call distribution. */
  pause(extension: string, reason: string): boolean {
    const station = this.#stations.get(extension);
    if (!station?.session) return false;
    station.ready = false;
    station.pauseReason = reason;
    this.#report(station);
    return true;
  }

  setRegistration(extension: string, state: RegistrationState): void {
    const station = this.#station(extension);
    station.registration = state;
    this.#report(station);
  }

  /** The station is on a call (what it is, for the consoles to show), or no longer: `false`. */
  setInCall(extension: string, call: StationCall | boolean): void {
    const station = this.#station(extension);
    station.call = call === false ? undefined : call === true ? { kind: 'passenger', peer: '', since: this.#now(), recording: false } : { ...call };
    this.#report(station);
  }

  /** Wrap-up after a call until the given time; undefined ends it at once. */
  setWrapUp(extension: string, untilMs: number | undefined): void {
    const station = this.#station(extension);
    station.wrapUpUntil = untilMs !== undefined && untilMs > this.#now() ? untilMs : undefined;
    this.#report(station);
  }

  eligibility(extension: string): Eligibility {
    const station = this.#stations.get(extension);
    return station ? this.#eligibility(station) : { eligible: false, reason: 'no-console' };
  }

  station(extension: string): StationSnapshot | undefined {
    const station = this.#stations.get(extension);
    return station && this.#snapshot(station);
  }

  /** Every station the board knows, by extension. */
  snapshot(): StationSnapshot[] {
    this.#ordered ??= [...this.#stations.values()].sort((a, b) => extensionOrder.compare(a.extension, b.extension));
    return this.#ordered.map((station) => this.#snapshot(station));
  }

  /** Applies the passing of time: lapsed leases, finished wrap-ups. Reports what changed. */
  tick(): void {
    for (const station of this.#stations.values()) this.#report(station);
  }

  #station(extension: string): Station {
    let station = this.#stations.get(extension);
    if (!station) {
      station = {
        extension,
        session: undefined,
        ready: false,
        pauseReason: undefined,
        registration: this.#registrations?.view.state(extension) ?? 'none',
        call: undefined,
        wrapUpUntil: undefined,
        reported: undefined,
      };
      this.#stations.set(extension, station);
      this.#ordered = undefined;
    }
    return station;
  }

  #alive(session: { lastHeartbeatAt: number }): boolean {
    return this.#now() - session.lastHeartbeatAt < this.leaseMs;
  }

  #eligibility(station: Station): Eligibility {
    const reason = this.#reason(station);
    return reason ? { eligible: false, reason } : { eligible: true };
  }

  #reason(station: Station): IneligibleReason | undefined {
    if (!station.session) return 'no-console';
    if (!this.#alive(station.session)) return 'lease-expired';
    if (!station.ready) return 'paused';
    if (station.registration === 'none') return 'not-registered';
    if (station.registration === 'unreachable') return 'phone-unreachable';
    if (station.call) return 'in-call';
    if (station.wrapUpUntil !== undefined && this.#now() < station.wrapUpUntil) return 'wrap-up';
    return undefined;
  }

  #snapshot(station: Station): StationSnapshot {
    const { session } = station;
    return {
      extension: station.extension,
      session: session && {
        ...identity(session),
        lastHeartbeatAt: session.lastHeartbeatAt,
        leaseExpiresAt: session.lastHeartbeatAt + this.leaseMs,
        alive: this.#alive(session),
      },
      ready: station.ready,
      pauseReason: station.pauseReason,
      registration: station.registration,
      inCall: station.call !== undefined,
      call: station.call && { ...station.call },
      wrapUpUntil: station.wrapUpUntil,
      eligibility: this.#eligibility(station),
    };
  }

  /** Emits 'change' when the station differs from what was last reported, heartbeat times aside:
   *  a heartbeat alone is not news, and would flood every console once a second per station. */
  #report(station: Station): void {
    if (station.wrapUpUntil !== undefined && this.#now() >= station.wrapUpUntil) station.wrapUpUntil = undefined;
    // Every heartbeat and every tick (each station, four times a second) comes
    // through here: compare a flat list of what a snapshot shows, and build the
    // snapshot only when it changed.
    const { session, call } = station;
    const comparable = JSON.stringify([
      station.ready,
      station.pauseReason ?? null,
      station.registration,
      call ? [call.kind, call.peer, call.callerId ?? null, call.since, call.recording] : null,
      station.wrapUpUntil ?? null,
      this.#reason(station) ?? null,
      session ? [session.consoleId, session.login, session.displayName, this.#alive(session)] : null,
    ]);
    if (comparable === station.reported) return;
    station.reported = comparable;
    this.emit('change', this.#snapshot(station));
  }
}

/** One collator for every comparison: localeCompare with options builds a new one per call. */
const extensionOrder = new Intl.Collator('en', { numeric: true });

function identity(holder: ConsoleIdentity): ConsoleIdentity {
  return { consoleId: holder.consoleId, login: holder.login, displayName: holder.displayName };
}
