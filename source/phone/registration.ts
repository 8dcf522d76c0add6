// One extension's registration at a switchboard: REGISTER with digest
// (answering 401/407 with MD5 or SHA-256, qop=auth), refresh before it
// expires, and unregister (Expires: 0) on stop. It owns its refresh timer;
// every request has its own deadline, so a server that never answers is
// reported as "no answer" rather than waited for.
import { randomBytes } from 'node:crypto';
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import type { DigestAlgorithm } from '../switchboard/digest.js';
import { authorizationValue, readChallenges } from './digest-credentials.js';
import { serverUri, type SipResponse, type SrfRequestFn } from './sip-types.js';

export interface RegistrationOptions {
  srf: Srf;
  server: { host: string; port: number; transport: 'udp' | 'tcp' };
  extension: string;
  password: string;
  /** Seconds asked for (default 300). */
  expires?: number;
  /** How long to wait for each answer (default 5000 ms). */
  answerTimeoutMs?: number;
  log?: Logger;
}

export type RegisterOutcome =
  | { kind: 'registered'; status: number; expiresSeconds: number; algorithm: DigestAlgorithm | undefined }
  /** The switchboard answered and said no (403: wrong password or unknown extension; 401 again; 423 ...). */
  | { kind: 'refused'; status: number; reason: string }
  /** Nothing came back in time (or the SIP server gave up: 408). */
  | { kind: 'no-answer'; detail: string }
  /** The request could not be sent at all. */
  | { kind: 'failed'; detail: string };

type SendResult = { res: SipResponse } | Extract<RegisterOutcome, { detail: string }>;

export class Registration {
  readonly #o: Required<Pick<RegistrationOptions, 'expires' | 'answerTimeoutMs'>> & RegistrationOptions;
  readonly #callId = `${randomBytes(12).toString('hex')}`;
  readonly #fromTag = randomBytes(6).toString('hex');
  readonly #uri: string;
  #cseq = 0;
  #timer: NodeJS.Timeout | undefined;
  #registered = false;
  #stopped = false;
  #last: RegisterOutcome | undefined;

  constructor(options: RegistrationOptions) {
    this.#o = { expires: 300, answerTimeoutMs: 5000, ...options };
    this.#uri = serverUri(options.server.host, options.server.port, options.server.transport);
  }

  get registered(): boolean {
    return this.#registered;
  }

  get lastOutcome(): RegisterOutcome | undefined {
    return this.#last;
  }

  /** Registers now; once registered, refreshes by itself until stop(). */
  async start(): Promise<RegisterOutcome> {
    const outcome = await this.#register(this.#o.expires);
    this.#scheduleRefresh(outcome);
    return outcome;
  }

  /** Stops refreshing and, if registered, unregisters (waiting at most the answer timeout). */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#timer);
    if (!this.#registered) return;
    this.#registered = false;
    const outcome = await this.#register(0);
    if (outcome.kind !== 'registered') this.#o.log?.debug({ outcome }, 'unregister not confirmed');
  }

  #scheduleRefresh(outcome: RegisterOutcome): void {
    if (this.#stopped) return;
    // Refresh well before expiry; after a failure, try again in a while.
    const delayMs = outcome.kind === 'registered' ? Math.max(1, outcome.expiresSeconds * 0.8) * 1000 : 30_000;
    this.#timer = setTimeout(() => {
      void this.#register(this.#o.expires).then((next) => {
        if (next.kind !== 'registered') this.#o.log?.warn({ outcome: next, extension: this.#o.extension }, 'registration refresh failed');
        this.#scheduleRefresh(next);
      });
    }, delayMs);
    this.#timer.unref();
  }

  async #register(expires: number): Promise<RegisterOutcome> {
    let authorization: { header: string; value: string } | undefined;
    let algorithm: DigestAlgorithm | undefined;
    // One challenge is normal; a second is fine only when our nonce went stale.
    for (let attempt = 0; attempt < 3; attempt++) {
      const answer = await this.#send(expires, authorization);
      if ('detail' in answer) {
        this.#last = answer;
        return answer;
      }
      const res = answer.res;
      if (res.status >= 200 && res.status < 300) {
        this.#registered = expires > 0;
        const outcome: RegisterOutcome = { kind: 'registered', status: res.status, expiresSeconds: grantedExpires(res, expires), algorithm };
        this.#last = outcome;
        return outcome;
      }
      if ((res.status === 401 || res.status === 407) && (attempt === 0 || isStale(res))) {
        const header = res.status === 407 ? 'Proxy-Authenticate' : 'WWW-Authenticate';
        const challenge = readChallenges(res.get(header))[0];
        if (!challenge) {
          this.#last = { kind: 'refused', status: res.status, reason: `${res.status} ${res.reason} with no digest challenge we can answer` };
          return this.#last;
        }
        algorithm = challenge.algorithm;
        authorization = {
          header: res.status === 407 ? 'Proxy-Authorization' : 'Authorization',
          value: authorizationValue(challenge, { username: this.#o.extension, password: this.#o.password }, 'REGISTER', this.#uri),
        };
        continue;
      }
      // What the SIP server makes up itself when nothing came back, or the
      // connection could not be made: not an answer from the switchboard.
      if (res.status === 408) {
        this.#last = { kind: 'no-answer', detail: `no answer to REGISTER from ${this.#uri} (request timed out)` };
        return this.#last;
      }
      if (res.status === 503 && /E[A-Z]{4,}|connect/.test(res.reason)) {
        this.#last = { kind: 'no-answer', detail: `cannot reach ${this.#uri}: ${res.reason}` };
        return this.#last;
      }
      this.#last = { kind: 'refused', status: res.status, reason: `${res.status} ${res.reason}`.trim() };
      return this.#last;
    }
    this.#last = { kind: 'refused', status: 401, reason: '401 Unauthorized (credentials not accepted)' };
    return this.#last;
  }

  #send(expires: number, authorization: { header: string; value: string } | undefined): Promise<SendResult> {
    const { host, transport } = this.#o.server;
    const aor = serverUri(host, this.#o.server.port, 'udp', this.#o.extension).replace(/:\d+$/, '');
    const headers: Record<string, string> = {
      From: `<${aor}>;tag=${this.#fromTag}`,
      To: `<${aor}>`,
      'Call-ID': this.#callId,
      CSeq: `${++this.#cseq} REGISTER`,
      // The SIP server puts its own address where "localhost" stands.
      Contact: `<sip:${this.#o.extension}@localhost${transport === 'tcp' ? ';transport=tcp' : ''}>`,
      Expires: String(expires),
    };
    if (authorization) headers[authorization.header] = authorization.value;
    return new Promise((resolve) => {
      let settled = false;
      const settle = (value: SendResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(value);
      };
      const timer = setTimeout(
        () => settle({ kind: 'no-answer', detail: `no answer to REGISTER from ${this.#uri} within ${this.#o.answerTimeoutMs} ms` }),
        this.#o.answerTimeoutMs,
      );
      try {
        (this.#o.srf.request as unknown as SrfRequestFn)(this.#uri, { method: 'REGISTER', headers }, (err, req) => {
          if (err) return settle({ kind: 'failed', detail: `REGISTER could not be sent: ${err.message}` });
          req.on('response', (res) => {
            if (res.status >= 200) settle({ res });
          });
        });
      } catch (err) {
        settle({ kind: 'failed', detail: `REGISTER could not be sent: ${(err as Error).message}` });
      }
    });
  }
}

function isStale(res: SipResponse): boolean {
  return readChallenges(res.get(res.status === 407 ? 'Proxy-Authenticate' : 'WWW-Authenticate')).some((c) => c.stale);
}

/** What the registrar granted: the Contact's expires parameter, else the Expires header, else what we asked. */
function grantedExpires(res: SipResponse, asked: number): number {
  const fromContact = /;\s*expires=(\d+)/i.exec(res.get('Contact') ?? '')?.[1];
  const fromHeader = res.get('Expires');
  const value = Number(fromContact ?? fromHeader ?? asked);
  return Number.isFinite(value) && value >= 0 ? value : asked;
}
