// A SIP phone in this process: the embedded SIP server on a local address
// (its control port on loopback, with a random secret), drachtio-srf as the
// application on top, and the embedded media engine for RTP. It registers
// extensions, places calls and takes incoming ones. It owns all of that and
// takes it down in stop(): calls hung up, registrations withdrawn, sockets
// closed, timers cleared.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import Srf from 'drachtio-srf';
import { pino, type Logger } from 'pino';
import { MediaEngine } from '../media/engine.js';
import type { RtpEndpoint } from '../media/endpoint.js';
import { SdpError } from '../media/sdp.js';
import type { SoundName } from '../media/sound.js';
import { createSipServer, type SipServer } from '../sip-server/index.js';
import { PhoneCall, type SipDialog } from './call.js';
import { authorizationValue, readChallenges, type Credentials } from './digest-credentials.js';
import { Registration, type RegisterOutcome } from './registration.js';
import { serverUri, type IncomingRequest, type IncomingResponse } from './sip-types.js';

export class PhoneError extends Error {
  override name = 'PhoneError';
}

export interface PhoneAgentOptions {
  /** Address SIP and RTP bind to (and that the SDP advertises). */
  localAddress: string;
  /** SIP port (UDP and TCP); 0, the default, picks a free one. */
  sipPort?: number;
  /** RTP port range (default 40000-49999, apart from the switchboard's default range). */
  rtpPorts?: { min: number; max: number };
  /** SIP timer T1 of the embedded server, ms (default 500). */
  t1?: number;
  log?: Logger;
}

export type CallOutcome =
  | { kind: 'answered'; call: PhoneCall }
  /** A final non-2xx answer (or the SIP server's own 408/503 when nothing came back). */
  | { kind: 'failed'; status: number; reason: string }
  /** We gave up (abort signal or ring timeout) before an answer: CANCEL sent. */
  | { kind: 'cancelled'; reason: string };

export interface PlaceCallOptions {
  /** Our user in From (an extension, or a passenger's number). */
  from: string;
  /** Domain in From; default the target's host. */
  fromHost?: string;
  transport?: 'udp' | 'tcp';
  /** Answers one 401/407 challenge with these. */
  credentials?: Credentials;
  /** Cancels the call if it is not answered by then. */
  ringTimeoutMs?: number;
  /** Aborting before the answer cancels the call; after it, hangs up. */
  signal?: AbortSignal;
  /** Played to the peer once answered (looped). */
  sound?: SoundName | string;
}

/** An incoming call waiting for our decision. */
export interface IncomingInvite {
  /** The caller's number (user part of From). */
  from: string;
  /** The dialled user part. */
  to: string;
  callId: string;
  /** True once the caller cancelled. */
  readonly cancelled: boolean;
  /** Called when the caller cancels before we answer. */
  onCancel(fn: () => void): void;
  ringing(): void;
  answer(sound?: SoundName | string): Promise<PhoneCall | undefined>;
  reject(status: number): void;
}

export type IncomingHandler = (invite: IncomingInvite) => void;

interface UacError {
  status?: number;
  reason?: string;
  message?: string;
  res?: { get(name: string): string | undefined; status: number };
}

type CreateUac = (uri: string, opts: object, progress: { cbRequest?: (err: unknown, req: { cancel(): void; get(n: string): string | undefined }) => void }) => Promise<SipDialog>;
type CreateUas = (req: IncomingRequest, res: IncomingResponse, opts: { localSdp: string }) => Promise<SipDialog>;

export class PhoneAgent {
  readonly localAddress: string;
  readonly sipPort: number;
  readonly media: MediaEngine;
  readonly #srf: Srf;
  readonly #server: SipServer;
  readonly #log: Logger;
  readonly #calls = new Set<PhoneCall>();
  readonly #registrations = new Set<Registration>();
  readonly #pending = new Set<() => void>();
  #incoming: IncomingHandler | undefined;
  #stopping: Promise<void> | undefined;

  private constructor(o: { server: SipServer; srf: Srf; media: MediaEngine; log: Logger; localAddress: string }) {
    this.#server = o.server;
    this.#srf = o.srf;
    this.media = o.media;
    this.#log = o.log;
    this.localAddress = o.localAddress;
    this.sipPort = o.server.endpoints[0]!.port;
    this.#srf.use('options', (_req: unknown, res: IncomingResponse) => res.send(200));
    this.#srf.use('invite', (req: IncomingRequest, res: IncomingResponse) => this.#onInvite(req, res));
  }

  /** Binds SIP (UDP and TCP) and RTP on `localAddress`. Throws PhoneError when it cannot. */
  static async start(options: PhoneAgentOptions): Promise<PhoneAgent> {
    const log = options.log ?? pino({ level: 'silent' });
    const host = options.localAddress.includes(':') ? `[${options.localAddress}]` : options.localAddress;
    const secret = randomBytes(18).toString('base64url');
    let server: SipServer;
    try {
      server = await createSipServer({
        contacts: [`sip:${host}:${options.sipPort ?? 0};transport=udp,tcp`],
        admin: { address: '127.0.0.1', port: 0 },
        secret,
        t1: options.t1,
        logger: log.child({ component: 'phone-sip' }),
      });
    } catch (err) {
      throw new PhoneError(`cannot bind SIP on ${host}:${options.sipPort ?? 0}: ${(err as Error).message}`);
    }
    const media = new MediaEngine({ bindAddress: options.localAddress, ports: options.rtpPorts ?? { min: 40000, max: 49999 }, reserve: 2, log: log.child({ component: 'phone-media' }) });
    const srf = new Srf();
    try {
      await media.start();
      srf.connect({ host: server.control.address, port: server.control.port, secret });
      let timer: NodeJS.Timeout | undefined;
      try {
        const [err] = (await Promise.race([
          once(srf, 'connect'),
          new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('no answer from its own SIP server')), 5000))),
        ])) as [Error | null];
        if (err) throw err;
      } finally {
        clearTimeout(timer);
      }
    } catch (err) {
      srf.disconnect();
      await Promise.all([server.close(), media.close()]);
      throw new PhoneError(`phone could not start: ${(err as Error).message}`);
    }
    srf.on('error', (err: Error) => log.warn({ err: err.message }, 'phone lost its SIP server connection'));
    return new PhoneAgent({ server, srf, media, log, localAddress: options.localAddress });
  }

  /** Live calls. */
  get calls(): ReadonlySet<PhoneCall> {
    return this.#calls;
  }

  /** Registers `extension` at `server` and keeps it registered until stop(). */
  async register(o: { server: { host: string; port: number; transport: 'udp' | 'tcp' }; extension: string; password: string; expires?: number; answerTimeoutMs?: number }): Promise<{ registration: Registration; outcome: RegisterOutcome }> {
    this.#assertRunning();
    const registration = new Registration({ srf: this.#srf, ...o, log: this.#log.child({ component: 'registration', extension: o.extension }) });
    this.#registrations.add(registration);
    const outcome = await registration.start();
    return { registration, outcome };
  }

  /** Who decides about incoming calls; without one they are refused with 486. */
  onIncoming(handler: IncomingHandler | undefined): void {
    this.#incoming = handler;
  }

  /** Calls `target` (a SIP URI) with our media offer. */
  async call(target: string, o: PlaceCallOptions): Promise<CallOutcome> {
    this.#assertRunning();
    const parsed = Srf.parseUri(target);
    if (!parsed?.host) throw new PhoneError(`not a SIP URI: ${target}`);
    const transport = o.transport ?? (String(parsed.params?.transport ?? '').toLowerCase() === 'tcp' ? 'tcp' : 'udp');
    const fromHost = o.fromHost ?? parsed.host;
    const headers: Record<string, string> = {
      From: `<sip:${o.from}@${fromHost.includes(':') ? `[${fromHost}]` : fromHost}>;tag=${randomBytes(6).toString('hex')}`,
      'Call-ID': randomBytes(12).toString('hex'),
      Contact: `<sip:${o.from}@localhost${transport === 'tcp' ? ';transport=tcp' : ''}>`,
    };
    const { endpoint, localSdp } = this.media.offer();
    let first = await this.#invite(target, { localSdp, headers: { ...headers, CSeq: '1 INVITE' } }, o);
    if (first.kind === 'challenged' && o.credentials && !o.signal?.aborted) {
      const challenge = readChallenges(first.challenge)[0];
      if (challenge) {
        const value = authorizationValue(challenge, o.credentials, 'INVITE', target);
        first = await this.#invite(target, { localSdp, headers: { ...headers, CSeq: '2 INVITE', [first.status === 407 ? 'Proxy-Authorization' : 'Authorization']: value } }, o);
      }
    }
    if (first.kind !== 'answered') {
      this.media.release(endpoint);
      if (first.kind === 'challenged') return { kind: 'failed', status: first.status, reason: first.reason };
      return first;
    }
    return this.#established(first.dialog, endpoint, 'outgoing', target, o.sound, o.signal);
  }

  #invite(
    target: string,
    request: { localSdp: string; headers: Record<string, string> },
    o: PlaceCallOptions,
  ): Promise<{ kind: 'answered'; dialog: SipDialog } | { kind: 'challenged'; status: number; reason: string; challenge: string | undefined } | Exclude<CallOutcome, { kind: 'answered' }>> {
    return new Promise((resolve) => {
      let sent: { cancel(): void } | undefined;
      let cancelledFor: string | undefined;
      const cancel = (why: string) => {
        if (cancelledFor) return;
        cancelledFor = why;
        try {
          sent?.cancel();
        } catch {
          /* already answered: the answer handler hangs up */
        }
      };
      const timer = o.ringTimeoutMs === undefined ? undefined : setTimeout(() => cancel(`not answered within ${o.ringTimeoutMs} ms`), o.ringTimeoutMs);
      const onAbort = () => cancel('given up by the caller');
      o.signal?.addEventListener('abort', onAbort, { once: true });
      const stopPending = () => cancel('phone stopping');
      this.#pending.add(stopPending);
      const done = () => {
        clearTimeout(timer);
        o.signal?.removeEventListener('abort', onAbort);
        this.#pending.delete(stopPending);
      };
      (this.#srf.createUAC as unknown as CreateUac)(target, { localSdp: request.localSdp, headers: request.headers }, {
        cbRequest: (_err, req) => {
          sent = req;
          if (cancelledFor) req?.cancel();
        },
      }).then(
        (dialog) => {
          done();
          if (cancelledFor) {
            // The answer crossed our CANCEL: the call is not wanted any more.
            if (dialog.connected !== false) void dialog.destroy().catch(() => undefined);
            return resolve({ kind: 'cancelled', reason: cancelledFor });
          }
          resolve({ kind: 'answered', dialog });
        },
        (err: UacError) => {
          done();
          const status = err.status ?? 0;
          if (cancelledFor) return resolve({ kind: 'cancelled', reason: cancelledFor });
          if (status === 401 || status === 407) {
            return resolve({ kind: 'challenged', status, reason: `${status} ${err.reason ?? ''}`.trim(), challenge: err.res?.get(status === 407 ? 'Proxy-Authenticate' : 'WWW-Authenticate') });
          }
          resolve({ kind: 'failed', status, reason: status ? `${status} ${err.reason ?? ''}`.trim() : (err.message ?? String(err)) });
        },
      );
    });
  }

  #established(dialog: SipDialog, endpoint: RtpEndpoint, direction: 'outgoing' | 'incoming', peer: string, sound: string | undefined, signal?: AbortSignal): CallOutcome {
    try {
      if (direction === 'outgoing') endpoint.complete(dialog.remote.sdp);
    } catch (err) {
      this.media.release(endpoint);
      if (dialog.connected !== false) void dialog.destroy().catch(() => undefined);
      return { kind: 'failed', status: 488, reason: `unusable answer SDP: ${(err as Error).message}` };
    }
    const call = new PhoneCall({ dialog, endpoint, engine: this.media, direction, peer });
    this.#calls.add(call);
    void call.ended.then(() => this.#calls.delete(call));
    if (sound) call.play(sound);
    if (signal) {
      const onAbort = () => void call.hangUp();
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        void call.ended.then(() => signal.removeEventListener('abort', onAbort));
      }
    }
    return { kind: 'answered', call };
  }

  #onInvite(req: IncomingRequest, res: IncomingResponse): void {
    const handler = this.#incoming;
    if (!handler || this.#stopping) return void res.send(486);
    let cancelled = false;
    let decided = false;
    const cancelListeners: Array<() => void> = [];
    req.on('cancel', () => {
      cancelled = true;
      this.#pending.delete(dropPending);
      for (const fn of cancelListeners) fn();
    });
    // A phone stopping while it rings says so to the caller.
    const dropPending = () => {
      if (!decided) {
        decided = true;
        res.send(480);
      }
    };
    this.#pending.add(dropPending);
    const userOf = (value: string | undefined) => /sips?:([^@;>]+)@/.exec(value ?? '')?.[1] ?? '';
    const invite: IncomingInvite = {
      from: req.callingNumber || userOf(req.get('From')) || 'anonymous',
      to: userOf(req.uri.startsWith('sip') ? `<${req.uri}>` : req.get('To')),
      callId: req.get('Call-ID') ?? '',
      get cancelled() {
        return cancelled;
      },
      onCancel: (fn) => cancelListeners.push(fn),
      ringing: () => {
        if (!decided && !cancelled) res.send(180);
      },
      reject: (status) => {
        if (decided || cancelled) return;
        decided = true;
        this.#pending.delete(dropPending);
        res.send(status);
      },
      answer: async (sound) => {
        if (decided || cancelled || this.#stopping) return undefined;
        decided = true;
        this.#pending.delete(dropPending);
        let answered: { endpoint: RtpEndpoint; localSdp: string };
        try {
          answered = this.media.answer(req.body);
        } catch (err) {
          res.send(err instanceof SdpError ? 488 : 500);
          return undefined;
        }
        let dialog: SipDialog;
        try {
          dialog = await (this.#srf.createUAS as unknown as CreateUas)(req, res, { localSdp: answered.localSdp });
        } catch (err) {
          this.#log.debug({ err }, 'incoming call could not be answered');
          this.media.release(answered.endpoint);
          return undefined;
        }
        const outcome = this.#established(dialog, answered.endpoint, 'incoming', invite.from, sound);
        return outcome.kind === 'answered' ? outcome.call : undefined;
      },
    };
    try {
      handler(invite);
    } catch (err) {
      this.#log.error({ err }, 'incoming call handler failed');
      invite.reject(500);
    }
  }

  #assertRunning(): void {
    if (this.#stopping) throw new PhoneError('the phone is stopped');
  }

  /** Hangs up, unregisters, closes every socket. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      for (const drop of [...this.#pending]) drop();
      this.#pending.clear();
      await Promise.all([...this.#calls].map((c) => c.hangUp()));
      await Promise.all([...this.#registrations].map((r) => r.stop()));
      this.#srf.disconnect();
      await this.#server.close();
      await this.media.close();
    })();
    return this.#stopping;
  }
}

export { serverUri };
