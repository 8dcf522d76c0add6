// The switchboard's calls: the SIP and media side of the pure queue. Incoming
// INVITEs are routed (queue, *60, station to station, refusals), phones
// proving who they are with Digest (407) first; passengers
// are answered with hold music (or left ringing), fed to the queue, and the
// queue's decisions are carried out: ring a station, stop ringing, bridge and
// record, pause a station, overflow. Every step is written to the call log.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import { createQueue, type CallQueue, type Decision, type QueueEvent } from '../queue/index.js';
import type { QueuedCaller } from '../api/messages.js';
import type { CallLog, OfferResult as LoggedOfferResult } from '../store/calls.js';
import type { PhoneDirectory } from '../store/types.js';
import { AS_PROXY, type Admission, type DigestGuard } from './digest-guard.js';
import { MediaError, type Bridge, type MediaLeg, type Playback, type SwitchboardMedia } from './media-port.js';
import type { Binding, RegistrationView } from './registration-state.js';
import { routeInvite, SELF_TEST_NUMBER, trunkList, type RoutingRules } from './routing.js';
import type { StationBoard, StationSnapshot } from './stations.js';

// drachtio-srf's typings are thin; these are the parts used here.
type SrfReq = Srf.SrfRequest & { source_address: string; on(event: 'cancel', fn: () => void): void; cancel(cb?: () => void): void };
type SrfRes = Srf.SrfResponse;
interface Dialog {
  connected?: boolean;
  remote: { sdp: string };
  on(event: 'destroy', fn: () => void): void;
  destroy(): Promise<unknown>;
}

export interface DistributionOptions {
  srf: Srf;
  /** Where the stations' phones are reached (their bindings). */
  registrations: RegistrationView;
  /** Checks the Digest credentials of INVITEs from phones; the registrar's own, so one lockout covers both. */
  guard: DigestGuard;
  phones: PhoneDirectory;
  board: StationBoard;
  media: SwitchboardMedia;
  calls: CallLog;
  log: Logger;
  queueNumber: string;
  trunks: string[];
  waiting: 'music' | 'ringback';
  strategy: 'longest-idle' | 'ring-all';
  ringTimeoutMs: number;
  missedBeforePause: number;
  wrapUpMs: number;
  overflowAfterMs?: number;
  overflowTo?: string;
  /** Folder for recordings; undefined = no recording. */
  recordingsDir?: string;
  /** Longest `*60` self-test, ms (default 5 minutes). */
  selfTestLimitMs?: number;
  publishQueue(callers: QueuedCaller[]): void;
  now?: () => number;
}

/** One passenger's call, from arrival to the end. */
interface PassengerCall {
  id: string;
  logId: number;
  number: string;
  arrivedAt: number;
  req: SrfReq;
  res: SrfRes;
  /** The caller's dialog once answered (at once with music, at connect with ringback). */
  dialog?: Dialog;
  /** Our answer to the caller, from when it was started (see answerCaller). */
  answering?: Promise<void>;
  /** Connected or overflowing: hold music must not start (again) once the answer lands. */
  holdOver?: boolean;
  leg?: MediaLeg;
  /** The caller's SDP offer, kept for answering later (ringback). */
  remoteSdp: string;
  playback?: Playback;
  bridge?: Bridge;
  station?: { extension: string; dialog: Dialog; leg: MediaLeg };
  answeredAt?: number;
  gone: boolean;
}

interface StationOffer {
  id: string;
  logId: number;
  callerId: string;
  extension: string;
  req?: SrfReq;
  leg?: MediaLeg;
  /** The queue cancelled it: drop whatever the phone does next. */
  cancelled: boolean;
}

const causeOf = (status: number): 'busy' | 'unreachable' | 'rejected' =>
  status === 486 || status === 600 ? 'busy' : status === 408 || status === 480 || status === 404 || status === 503 || status === 410 ? 'unreachable' : 'rejected';

const logResult = (result: string): LoggedOfferResult =>
  (['answered', 'rejected', 'timeout', 'busy', 'unreachable'] as const).includes(result as never) ? (result as LoggedOfferResult) : 'cancelled';

export class CallDistribution {
  private readonly queue: CallQueue;
  private readonly callers = new Map<string, PassengerCall>();
  private readonly offers = new Map<string, StationOffer>();
  /** Last eligibility told to the queue per station: 'eligible' or the reason it is not. */
  private readonly eligible = new Map<string, string>();
  private readonly rules: RoutingRules;
  private readonly now: () => number;
  private readonly log: Logger;
  private timer?: NodeJS.Timeout;
  private nextCallerNo = 1;
  private closed = false;
  /** Call-log writes held back while decisions are carried out (see feed); undefined outside feed. */
  private deferred: Array<() => void> | undefined;
  private readonly onStation = (s: StationSnapshot) => this.stationChanged(s);

  constructor(private readonly o: DistributionOptions) {
    this.now = o.now ?? Date.now;
    this.log = o.log;
    this.rules = { queueNumber: o.queueNumber, trunks: trunkList(o.trunks), selfTestNumber: SELF_TEST_NUMBER };
    this.queue = createQueue({
      strategy: o.strategy,
      ringTimeoutMs: o.ringTimeoutMs,
      missedOffersBeforePause: o.missedBeforePause,
      wrapUpMs: o.wrapUpMs,
      overflowAfterMs: o.overflowAfterMs,
    });
  }

  start(): void {
    const closed = this.o.calls.closeOrphans(this.now());
    if (closed) this.log.warn({ calls: closed }, 'calls left in progress by the previous run were closed as abandoned');
    this.o.board.on('change', this.onStation);
    for (const s of this.o.board.snapshot()) this.stationChanged(s);
    this.o.srf.use('invite', (req, res) => this.onInvite(req as SrfReq, res));
  }

  // ------------------------------------------------------------- routing

  private onInvite(req: SrfReq, res: SrfRes): void {
    if (this.closed) return void res.send(503);
    const dialled = /^sips?:([^@;]+)@/.exec(req.uri)?.[1] ?? '';
    const facts = {
      dialled: decodeURIComponent(dialled),
      sourceAddress: req.source_address,
      caller: undefined,
      extensionExists: (e: string) => this.o.phones.getPhone(e) !== undefined,
    };
    let route = routeInvite(facts, this.rules);
    if (route.kind === 'authenticate') {
      const admission = this.o.guard.admit(req, AS_PROXY);
      if (admission.kind !== 'admitted') return this.turnAway(req, res, dialled, admission);
      route = routeInvite({ ...facts, caller: admission.phone.extension }, this.rules);
    }
    switch (route.kind) {
      case 'authenticate':
        // Cannot happen with a caller given; answer rather than leave the INVITE hanging.
        this.log.error({ dialled }, 'routing asked for a caller it was given');
        return void res.send(500);
      case 'refuse':
        this.log.info({ dialled, from: req.source_address, status: route.status }, `call refused: ${route.reason}`);
        return void res.send(route.status);
      case 'queue':
        return void this.passengerArrived(req, res).catch((err) => this.log.error({ err }, 'passenger call failed'));
      case 'self-test':
        return void this.selfTest(req, res, route.extension).catch((err) => this.log.error({ err }, 'self-test failed'));
      case 'extension':
        return void this.stationToStation(req, res, route.from, route.to).catch((err) => this.log.error({ err }, 'station call failed'));
    }
  }

  /** Answers an INVITE whose caller has not (yet) proved which phone it is. */
  private turnAway(req: SrfReq, res: SrfRes, dialled: string, admission: Exclude<Admission, { kind: 'admitted' }>): void {
    const from = req.source_address;
    if (admission.kind === 'challenge') {
      // The first 407 is every phone call's first step: not worth an info line.
      this.log.debug({ dialled, from, stale: admission.stale, reason: admission.reason }, 'call challenged');
      return void res.send(admission.status, { headers: admission.headers });
    }
    this.log.info({ dialled, from, extension: admission.extension, status: admission.status }, `call refused: ${admission.reason}`);
    if (admission.lockedOutUntil !== undefined) {
      this.log.warn({ address: from, until: new Date(admission.lockedOutUntil).toISOString() }, 'call attempts refused');
    }
    res.send(admission.status);
  }

  // ---------------------------------------------------------- passengers

  private async passengerArrived(req: SrfReq, res: SrfRes): Promise<void> {
    const at = this.now();
    const id = `c${this.nextCallerNo++}`;
    const number = (req as unknown as { callingNumber: string }).callingNumber || 'anonymous';
    const call: PassengerCall = { id, logId: this.o.calls.arrived(req.get('Call-ID') ?? id, number, at), number, arrivedAt: at, req, res, remoteSdp: req.body ?? '', gone: false };
    this.callers.set(id, call);
    this.log.info({ caller: id, number }, 'passenger call arrived');
    req.on('cancel', () => this.callerGone(call));
    if (this.o.waiting === 'ringback') {
      res.send(180);
      return this.feed({ type: 'caller-arrived', callerId: id, number, at });
    }
    let answering: Promise<void>;
    try {
      answering = this.answerCaller(call);
    } catch (err) {
      this.callers.delete(id);
      this.o.calls.ended(call.logId, 'abandoned', { arrivedAt: at }, this.now());
      if (err instanceof MediaError) return void res.send(488);
      throw err;
    }
    // Queued while our 200 OK is on its way, not after the switchboard has
    // heard it went out: the station's INVITE leaves in this same turn, and
    // callers keep their arrival order. connect() waits for the answer.
    this.feed({ type: 'caller-arrived', callerId: id, number, at });
    try {
      await answering;
    } catch (err) {
      if (!call.gone) this.log.warn({ err, caller: id }, 'answering the passenger failed');
      return this.callerGone(call);
    }
    if (call.gone || call.holdOver) return;
    call.playback = this.o.media.play(call.leg!, 'hold', { loop: true });
  }

  /**
   * Answers the caller with our media (music mode at arrival, ringback mode at
   * connect or overflow); started once, awaited by whoever needs the caller's
   * dialog. A bad SDP offer throws MediaError at once, before anything is sent.
   */
  private answerCaller(call: PassengerCall): Promise<void> {
    if (call.answering) return call.answering;
    const { leg, localSdp } = this.o.media.answer(call.remoteSdp);
    call.leg = leg;
    call.answering = (this.o.srf.createUAS(call.req, call.res, { localSdp }) as unknown as Promise<Dialog>).then((dialog) => {
      call.dialog = dialog;
      // Hung up (CANCEL) as our answer crossed it: end the dialog just made.
      if (call.gone) {
        if (dialog.connected !== false) void dialog.destroy().catch(() => {});
        return;
      }
      // A BYE can arrive in the same read as the answer's confirmation.
      if (dialog.connected === false) return this.callerGone(call);
      dialog.on('destroy', () => this.callerGone(call));
    });
    return call.answering;
  }

  private callerGone(call: PassengerCall): void {
    if (call.gone) return;
    call.gone = true;
    call.playback?.stop();
    this.feed({ type: 'caller-hung-up', callerId: call.id, at: this.now() });
  }

  private finishCaller(call: PassengerCall): void {
    call.playback?.stop();
    const release = () => {
      if (call.leg) this.o.media.release(call.leg);
      if (call.station) this.o.media.release(call.station.leg);
    };
    if (call.bridge) void call.bridge.stop().finally(release);
    else release();
    if (!call.gone) {
      call.gone = true;
      if (call.dialog) {
        if (call.dialog.connected !== false) void call.dialog.destroy().catch(() => {});
      } else if (!call.answering) {
        // Never answered (ringback mode): end the INVITE.
        call.res.send(480);
      }
      // else our answer is on its way; answerCaller ends the dialog it makes, as the call is gone.
    }
    if (call.station) {
      const { dialog, extension } = call.station;
      if (dialog.connected !== false) void dialog.destroy().catch(() => {});
      // The queue keeps the wrap-up itself; the board shows it on the consoles.
      if (call.answeredAt !== undefined && this.o.wrapUpMs > 0) this.o.board.setWrapUp(extension, this.now() + this.o.wrapUpMs);
      this.o.board.setInCall(extension, false);
    }
    this.callers.delete(call.id);
  }

  // ------------------------------------------------------------ stations

  private stationChanged(s: StationSnapshot): void {
    // A change of reason matters too: a station in a call whose console
    // then lapses must not get the next caller when the call ends.
    // Wrap-up is the queue's own timer (the board only shows it): to the queue
    // a station in wrap-up is eligible, and it keeps it out of the free line.
    const now = s.eligibility.eligible || s.eligibility.reason === 'wrap-up' ? 'eligible' : s.eligibility.reason;
    if (this.eligible.get(s.extension) === now) return;
    this.eligible.set(s.extension, now);
    if (s.eligibility.eligible) this.feed({ type: 'station-eligible', extension: s.extension, at: this.now() });
    else this.feed({ type: 'station-not-eligible', extension: s.extension, reason: s.eligibility.reason, at: this.now() });
  }

  private reachableBinding(extension: string): Binding | undefined {
    const list = this.o.registrations.bindings(extension).filter((b) => b.reachable);
    return list.sort((a, b) => b.expiresAt - a.expiresAt)[0];
  }

  private ring(offer: StationOffer, call: PassengerCall): void {
    const binding = this.reachableBinding(offer.extension);
    if (!binding) return this.offerFailed(offer, 'unreachable');
    const { leg, localSdp } = this.o.media.offer();
    offer.leg = leg;
    const proxy = `sip:${binding.source.address}:${binding.source.port};transport=${binding.source.transport}`;
    this.o.srf
      .createUAC(binding.contact, { localSdp, proxy, callingNumber: call.number, headers: { 'X-Caller-Id': call.id } } as never, {
        cbRequest: (_err: unknown, req: SrfReq) => {
          offer.req = req;
          if (offer.cancelled) req.cancel();
        },
      } as never)
      .then((dialog) => this.offerAnswered(offer, dialog as unknown as Dialog))
      .catch((err: { status?: number; message?: string }) => {
        if (offer.cancelled) return this.dropOffer(offer);
        this.offerFailed(offer, causeOf(err.status ?? 503));
      });
  }

  private offerAnswered(offer: StationOffer, dialog: Dialog): void {
    if (offer.cancelled || !this.offers.has(offer.id) || dialog.connected === false) {
      // Answered as we stopped ringing: hang up the phone at once.
      if (dialog.connected !== false) void dialog.destroy().catch(() => {});
      return this.dropOffer(offer);
    }
    const call = this.callers.get(offer.callerId);
    if (call) call.station = { extension: offer.extension, dialog, leg: offer.leg! };
    this.o.media.complete(offer.leg!, dialog.remote.sdp);
    dialog.on('destroy', () => {
      if (call && call.station?.dialog === dialog && !call.gone) {
        this.feed({ type: 'call-ended', extension: offer.extension, at: this.now() });
      }
    });
    this.feed({ type: 'offer-answered', offerId: offer.id, at: this.now() });
  }

  private offerFailed(offer: StationOffer, cause: 'busy' | 'unreachable' | 'rejected' | 'timeout'): void {
    this.dropOffer(offer);
    this.feed({ type: 'offer-failed', offerId: offer.id, cause, at: this.now() });
  }

  private dropOffer(offer: StationOffer): void {
    const call = this.callers.get(offer.callerId);
    if (offer.leg && call?.station?.leg !== offer.leg) this.o.media.release(offer.leg);
  }

  // ------------------------------------------------------------- decisions

  /**
   * Hands the event to the queue and carries out its decisions: SIP first,
   * bookkeeping after. Offers (the INVITE to a station) go out before the
   * rest of the batch, e.g. before the previous caller's call is torn down
   * when a station hangs up and takes the next caller; call-log writes wait
   * until every decision of this event (and of events fed meanwhile) is
   * carried out, and run in the order they were made.
   */
  private feed(event: QueueEvent): void {
    if (this.closed) return;
    let decisions: Decision[];
    try {
      decisions = this.queue.handle(event);
    } catch (err) {
      this.log.error({ err, event }, 'queue refused an event');
      return;
    }
    const outer = this.deferred === undefined;
    if (outer) this.deferred = [];
    try {
      for (const d of decisions) if (d.type === 'offer') this.tryCarryOut(d);
      for (const d of decisions) if (d.type !== 'offer') this.tryCarryOut(d);
      this.schedule();
      this.publish();
    } finally {
      if (outer) this.writeDeferred();
    }
  }

  private tryCarryOut(d: Decision): void {
    try {
      this.carryOut(d);
    } catch (err) {
      this.log.error({ err, decision: d }, 'failed to carry out a queue decision');
    }
  }

  /** A call-log write: now, or after the decisions being carried out. */
  private bookkeeping(write: () => void): void {
    if (this.deferred) this.deferred.push(write);
    else write();
  }

  private writeDeferred(): void {
    const writes = this.deferred!;
    this.deferred = undefined;
    for (const write of writes) {
      try {
        write();
      } catch (err) {
        this.log.error({ err }, 'call log write failed');
      }
    }
  }

  private carryOut(d: Decision): void {
    const at = this.now();
    switch (d.type) {
      case 'offer': {
        const call = this.callers.get(d.callerId);
        if (!call) return;
        const offer: StationOffer = { id: d.offerId, logId: 0, callerId: d.callerId, extension: d.extension, cancelled: false };
        this.offers.set(d.offerId, offer);
        // Written before anything else this offer leads to is (its end, a failure found at once): bookkeeping keeps the order.
        this.bookkeeping(() => {
          offer.logId = this.o.calls.offered(call.logId, d.extension, this.o.phones.getPhone(d.extension)?.displayName, at);
        });
        this.ring(offer, call);
        this.log.info({ caller: d.callerId, extension: d.extension }, 'ringing station');
        return;
      }
      case 'cancel-offer': {
        const offer = this.offers.get(d.offerId);
        if (!offer) return;
        offer.cancelled = true;
        offer.req?.cancel();
        return;
      }
      case 'offer-result': {
        const offer = this.offers.get(d.offerId);
        if (offer) this.bookkeeping(() => this.o.calls.offerEnded(offer.logId, logResult(d.result), at));
        this.offers.delete(d.offerId);
        return;
      }
      case 'connect':
        return void this.connect(d.callerId, d.extension).catch((err) => this.log.error({ err }, 'connect failed'));
      case 'pause-station':
        this.log.info({ extension: d.extension }, 'station paused after missed calls');
        this.o.board.pause(d.extension, 'missed-calls');
        return;
      case 'overflow':
        return void this.overflow(d.callerId).catch((err) => this.log.error({ err }, 'overflow failed'));
      case 'caller-done': {
        const call = this.callers.get(d.callerId);
        if (!call) return;
        const times = { arrivedAt: call.arrivedAt, answeredAt: call.answeredAt };
        this.bookkeeping(() => this.o.calls.ended(call.logId, d.outcome, times, at));
        if (d.outcome !== 'overflow') this.finishCaller(call);
        this.log.info({ caller: d.callerId, outcome: d.outcome, waitedMs: d.waitedMs }, 'passenger call ended');
        for (const [id, offer] of this.offers) if (offer.callerId === d.callerId) this.offers.delete(id);
        return;
      }
    }
  }

  private async connect(callerId: string, extension: string): Promise<void> {
    const call = this.callers.get(callerId);
    // The answered offer's phone leg was kept on the call when it answered.
    if (!call || call.station?.extension !== extension) return;
    const at = this.now();
    call.answeredAt = at;
    this.o.board.setInCall(extension, { kind: 'passenger', peer: call.number, callerId, since: at, recording: this.o.recordingsDir !== undefined });
    const login = this.o.board.station(extension)?.session?.login;
    this.bookkeeping(() => this.o.calls.answered(call.logId, { extension, login, station: this.o.phones.getPhone(extension)?.displayName }, call.arrivedAt, at));
    call.holdOver = true;
    call.playback?.stop();
    call.playback = undefined;
    await this.answerCaller(call);
    if (call.gone) return;
    let recordTo: string | undefined;
    if (this.o.recordingsDir) {
      const day = new Date(at).toISOString().slice(0, 10);
      const dir = path.join(this.o.recordingsDir, day);
      mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `${new Date(at).toISOString().replace(/[:.]/g, '-')}-${call.id}-${extension}.wav`);
      recordTo = file;
      this.bookkeeping(() => this.o.calls.recorded(call.logId, file));
    }
    call.bridge = this.o.media.bridge(call.leg!, call.station.leg, recordTo);
    this.log.info({ caller: callerId, extension, waitedMs: at - call.arrivedAt }, 'passenger connected to dispatcher');
  }

  private async overflow(callerId: string): Promise<void> {
    const call = this.callers.get(callerId);
    if (!call || !this.o.overflowTo) return;
    call.holdOver = true;
    call.playback?.stop();
    call.playback = undefined;
    await this.answerCaller(call);
    if (call.gone) return this.finishCaller(call);
    const { leg, localSdp } = this.o.media.offer();
    try {
      const dialog = (await this.o.srf.createUAC(this.o.overflowTo, { localSdp } as never)) as unknown as Dialog;
      this.o.media.complete(leg, dialog.remote.sdp);
      const bridge = this.o.media.bridge(call.leg!, leg);
      const end = () => {
        void bridge.stop().finally(() => this.o.media.release(leg));
        if (dialog.connected !== false) void dialog.destroy().catch(() => {});
        call.station = undefined;
        this.finishCaller(call);
      };
      dialog.on('destroy', end);
      call.dialog?.on('destroy', end);
    } catch (err) {
      this.log.warn({ err, caller: callerId }, 'overflow destination did not answer');
      this.o.media.release(leg);
      this.finishCaller(call);
    }
  }

  private schedule(): void {
    clearTimeout(this.timer);
    const next = this.queue.nextDeadline();
    if (next === undefined || this.closed) return;
    this.timer = setTimeout(() => this.feed({ type: 'tick', at: this.now() }), Math.max(0, next - this.now()));
  }

  private publish(): void {
    const snap = this.queue.snapshot();
    this.o.publishQueue(
      snap.callers.map((c) => ({ id: c.callerId, from: c.number, waitingSince: c.arrivedAt, ringing: c.ringingAt })),
    );
  }

  // --------------------------------------------------- *60 and stations

  private async selfTest(req: SrfReq, res: SrfRes, extension: string): Promise<void> {
    let answered: { leg: MediaLeg; localSdp: string };
    try {
      answered = this.o.media.answer(req.body ?? '');
    } catch (err) {
      if (err instanceof MediaError) return void res.send(488);
      throw err;
    }
    const dialog = (await this.o.srf.createUAS(req, res, { localSdp: answered.localSdp })) as unknown as Dialog;
    this.log.info({ extension }, 'self-test call: playing test music');
    this.o.board.setInCall(extension, { kind: 'self-test', peer: SELF_TEST_NUMBER, since: this.now(), recording: false });
    let over = false;
    const end = () => {
      if (over) return;
      over = true;
      playback.stop();
      this.o.media.release(answered.leg);
      this.o.board.setInCall(extension, false);
      if (dialog.connected !== false) void dialog.destroy().catch(() => {});
    };
    const playback = this.o.media.play(answered.leg, 'test', { loop: true, limitMs: this.o.selfTestLimitMs ?? 5 * 60_000, onEnd: end });
    if (dialog.connected === false) return end();
    dialog.on('destroy', end);
  }

  private async stationToStation(req: SrfReq, res: SrfRes, from: string, to: string): Promise<void> {
    const binding = this.reachableBinding(to);
    if (!binding) return void res.send(480);
    const proxy = `sip:${binding.source.address}:${binding.source.port};transport=${binding.source.transport}`;
    // The station rung sees the extension that proved its password, not what the From header claimed.
    const { uas, uac } = (await this.o.srf.createB2BUA(req, res, binding.contact, { localSdpB: req.body, proxy, callingNumber: from } as never)) as unknown as { uas: Dialog; uac: Dialog };
    const since = this.now();
    this.o.board.setInCall(from, { kind: 'station', peer: to, since, recording: false });
    this.o.board.setInCall(to, { kind: 'station', peer: from, since, recording: false });
    let over = false;
    const end = () => {
      if (over) return;
      over = true;
      for (const d of [uas, uac]) if (d.connected !== false) void d.destroy().catch(() => {});
      this.o.board.setInCall(from, false);
      this.o.board.setInCall(to, false);
    };
    if (uas.connected === false || uac.connected === false) return end();
    uas.on('destroy', end);
    uac.on('destroy', end);
  }

  /** Live counts for health and tests. */
  stats(): { callers: number; offers: number } {
    return { callers: this.callers.size, offers: this.offers.size };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.o.board.off('change', this.onStation);
    for (const call of [...this.callers.values()]) {
      this.o.calls.ended(call.logId, call.answeredAt ? 'answered' : 'abandoned', { arrivedAt: call.arrivedAt, answeredAt: call.answeredAt }, this.now());
      this.finishCaller(call);
    }
  }
}
