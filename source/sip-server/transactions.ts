// RFC 3261 section 17 transactions (with the RFC 6026 "accepted" states): the
// retransmission and timeout timers A-K for requests we send and requests we
// receive. Owns when bytes go out again and when a transaction is over; what
// a message means is decided by the server core.
import { randomBytes } from 'node:crypto';
import { parseMessage, type SipMessage } from './message.js';
import { parseVia } from './address.js';
import type { Received, Sent, Target } from './transport.js';

export interface Timers {
  t1: number;
  t2: number;
  t4: number;
}

export function timersFor(t1 = 500): Timers {
  // T2 and T4 keep their RFC ratios to T1 so a shortened T1 shortens everything.
  return { t1, t2: Math.min(4000, t1 * 8), t4: Math.min(5000, t1 * 10) };
}

export interface Wire {
  send(target: Target, data: Buffer, done?: (err?: Error) => void): Sent;
}

export function newBranch(): string {
  return 'z9hG4bK' + randomBytes(9).toString('base64url');
}

/** Key of a server transaction (RFC 3261 17.2.3); ACK and CANCEL map onto their INVITE. */
export function serverKey(msg: SipMessage, method = msg.method): string {
  const top = msg.topVia() ?? '';
  const via = parseVia(top);
  const branch = via?.params.get('branch') ?? '';
  const sentBy = `${via?.host ?? ''}:${via?.port ?? ''}`;
  if (branch.startsWith('z9hG4bK')) return `${branch}\n${sentBy}\n${method}`;
  // RFC 2543 peers: no unique branch, so match on the dialog-ish tuple.
  return `2543\n${msg.get('call-id')}\n${msg.cseq().seq}\n${top}\n${method}`;
}

export function clientKey(branch: string, method: string): string {
  return `${branch}\n${method}`;
}

type ServerState = 'trying' | 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';

/**
 * A transaction's request, parsed while the transaction is busy and kept as
 * its wire bytes once it only lingers. RFC 3261/6026 keep finished
 * transactions for up to 64*T1 (32 s) to absorb retransmissions; at a few
 * hundred calls per second that is tens of thousands of requests, and their
 * parsed form (~1.7 KB of small heap objects each, against ~0.6 KB of bytes
 * outside the heap) made the garbage collector's pauses show in call setup
 * times. The rare late reader gets the request parsed again.
 */
class KeptRequest {
  #parsed: SipMessage | undefined;
  #bytes: Buffer | undefined;

  constructor(request: SipMessage, bytes?: Buffer) {
    this.#parsed = request;
    this.#bytes = bytes;
  }

  get message(): SipMessage {
    return (this.#parsed ??= parseMessage(this.#bytes!));
  }

  /** Drops the parsed form; `bytes` must hold the request as it is now. */
  slim(): void {
    if (!this.#parsed) return;
    this.#bytes ??= this.#parsed.toBuffer();
    this.#parsed = undefined;
  }
}

export class ServerTransaction {
  state: ServerState;
  readonly isInvite: boolean;
  private last?: { data: Buffer; target: Target; status: number };
  private timer?: NodeJS.Timeout;
  private retransmitTimer?: NodeJS.Timeout;
  /** The To tag this transaction answers with, fixed at the first response. */
  localTag?: string;
  readonly #request: KeptRequest;
  readonly #arrival: Omit<Received, 'msg'>;

  constructor(
    readonly key: string,
    request: SipMessage,
    received: Received,
    private readonly wire: Wire,
    private readonly timers: Timers,
    private readonly onEnd: (t: ServerTransaction) => void,
  ) {
    this.isInvite = request.method === 'INVITE';
    this.state = this.isInvite ? 'proceeding' : 'trying';
    this.#request = new KeptRequest(request);
    const { msg: _msg, ...arrival } = received;
    this.#arrival = arrival;
  }

  get request(): SipMessage {
    return this.#request.message;
  }

  /** How the request arrived (a new object on each call). */
  get received(): Received {
    return { ...this.#arrival, msg: this.request };
  }

  get finalStatus(): number {
    return this.last && this.last.status >= 200 ? this.last.status : 0;
  }

  get reliable(): boolean {
    return this.received.transport !== 'udp';
  }

  /** Where responses go (RFC 3261 18.2.2 with RFC 3581 rport). */
  responseTarget(): Target {
    const r = this.#arrival;
    if (r.transport === 'tcp') return { transport: 'tcp', address: r.remote.address, port: r.remote.port, flow: r.flow };
    const via = parseVia(this.request.topVia() ?? '');
    const address = via?.params.get('received') || r.remote.address;
    const rport = via?.params.get('rport');
    const port = rport ? Number(rport) : via?.port ?? 5060;
    return { transport: 'udp', address, port };
  }

  send(response: SipMessage, onError?: (err: Error) => void, data = response.toBuffer()): Sent {
    const target = this.responseTarget();
    this.last = { data, target, status: response.status };
    const sent = this.wire.send(target, data, (err) => err && onError?.(err));
    const status = response.status;
    if (status < 200) {
      if (this.state === 'trying') this.state = 'proceeding';
      return sent;
    }
    // From here on the transaction only absorbs retransmissions.
    this.#request.slim();
    if (this.isInvite) {
      if (status < 300) {
        // 2xx retransmission belongs to the dialog (the core); absorb retransmitted INVITEs meanwhile.
        this.state = 'accepted';
        this.arm(64 * this.timers.t1, () => this.end());
      } else {
        this.state = 'completed';
        if (!this.reliable) this.retransmitFinal(this.timers.t1);
        this.arm(64 * this.timers.t1, () => this.end()); // timer H: no ACK came
      }
    } else {
      this.state = 'completed';
      this.arm(this.reliable ? 0 : 64 * this.timers.t1, () => this.end()); // timer J
    }
    return sent;
  }

  private retransmitFinal(interval: number): void {
    // Timer G: the non-2xx final answer to INVITE until the ACK arrives.
    this.retransmitTimer = setTimeout(() => {
      if (this.state !== 'completed' || !this.last) return;
      this.wire.send(this.last.target, this.last.data);
      this.retransmitFinal(Math.min(interval * 2, this.timers.t2));
    }, interval);
  }

  /** A retransmission of the request arrived. */
  retransmitted(): void {
    if (this.state === 'accepted' || this.state === 'confirmed' || this.state === 'terminated') return;
    if (this.last) this.wire.send(this.last.target, this.last.data);
  }

  /** The ACK for a non-2xx final response arrived. */
  acked(): void {
    if (this.state !== 'completed' || !this.isInvite) return;
    this.state = 'confirmed';
    clearTimeout(this.retransmitTimer);
    this.arm(this.reliable ? 0 : this.timers.t4, () => this.end()); // timer I
  }

  private arm(ms: number, fn: () => void): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(fn, ms);
  }

  end(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    clearTimeout(this.timer);
    clearTimeout(this.retransmitTimer);
    this.onEnd(this);
  }
}

type ClientState = 'calling' | 'trying' | 'proceeding' | 'completed' | 'accepted' | 'terminated';

export interface ClientEvents {
  /** A response the transaction user should see (not a retransmission). */
  response(msg: SipMessage, r: Received): void;
  /** Timer B or F fired, or the transport failed: the caller synthesises 408 or 503. */
  failed(status: 408 | 503, reason: string): void;
}

export class ClientTransaction {
  state: ClientState;
  readonly isInvite: boolean;
  private timer?: NodeJS.Timeout;
  private retransmitTimer?: NodeJS.Timeout;
  private ack?: Buffer;
  sent?: Sent;
  /** A CANCEL the app asked for before any provisional response arrived. */
  cancelWanted = false;
  provisionalSeen = false;
  readonly #request: KeptRequest;

  /** `data` is `request` on the wire, as sent. */
  constructor(
    readonly key: string,
    readonly branch: string,
    request: SipMessage,
    readonly data: Buffer,
    readonly target: Target,
    private readonly wire: Wire,
    private readonly timers: Timers,
    private readonly events: ClientEvents,
    private readonly onEnd: (t: ClientTransaction) => void,
  ) {
    this.isInvite = request.method === 'INVITE';
    this.state = this.isInvite ? 'calling' : 'trying';
    this.#request = new KeptRequest(request, data);
  }

  get request(): SipMessage {
    return this.#request.message;
  }

  get reliable(): boolean {
    return this.target.transport !== 'udp';
  }

  start(): Sent {
    this.sent = this.wire.send(this.target, this.data, (err) => {
      if (err && this.state !== 'terminated' && this.state !== 'completed' && this.state !== 'accepted') {
        this.fail(503, `Service Unavailable (${err.message})`);
      }
    });
    if (!this.reliable) this.retransmitRequest(this.timers.t1); // timers A and E
    this.arm(64 * this.timers.t1, () => this.fail(408, 'Request Timeout')); // timers B and F
    return this.sent;
  }

  private retransmitRequest(interval: number): void {
    this.retransmitTimer = setTimeout(() => {
      if (this.state === 'calling' || this.state === 'trying' || (this.state === 'proceeding' && !this.isInvite)) {
        this.wire.send(this.sent?.flow ? { ...this.target, flow: this.sent.flow } : this.target, this.data);
        // INVITE doubles without limit (timer A); non-INVITE caps at T2 (timer E), and at T2 once proceeding.
        const next = this.isInvite ? interval * 2 : this.state === 'proceeding' ? this.timers.t2 : Math.min(interval * 2, this.timers.t2);
        this.retransmitRequest(next);
      }
    }, interval);
  }

  private fail(status: 408 | 503, reason: string): void {
    if (this.state === 'terminated') return;
    this.end();
    this.events.failed(status, reason);
  }

  receive(msg: SipMessage, r: Received): void {
    const status = msg.status;
    switch (this.state) {
      case 'calling':
      case 'trying':
      case 'proceeding':
        if (status < 200) {
          this.state = 'proceeding';
          if (this.isInvite) clearTimeout(this.retransmitTimer);
          this.provisionalSeen = true;
          this.events.response(msg, r);
          return;
        }
        clearTimeout(this.retransmitTimer);
        // The transaction user reads the request while handling this response;
        // after that the transaction only lingers.
        setImmediate(() => this.#request.slim());
        if (this.isInvite && status < 300) {
          // RFC 6026: stay to recognise 2xx retransmissions; the ACK is the dialog's job.
          this.state = 'accepted';
          this.arm(64 * this.timers.t1, () => this.end()); // timer M
          this.events.response(msg, r);
          return;
        }
        if (this.isInvite) {
          this.ack = this.buildAck(msg);
          this.wire.send(this.target, this.ack);
          this.state = 'completed';
          this.arm(this.reliable ? 0 : 32_000 * (this.timers.t1 / 500), () => this.end()); // timer D
        } else {
          this.state = 'completed';
          this.arm(this.reliable ? 0 : this.timers.t4, () => this.end()); // timer K
        }
        this.events.response(msg, r);
        return;
      case 'completed':
        // A retransmitted final response: the ACK went missing.
        if (this.isInvite && this.ack && status >= 300) this.wire.send(this.target, this.ack);
        return;
      case 'accepted':
        // Retransmitted 2xx: handed up so the dialog can repeat its ACK.
        if (status >= 200 && status < 300) this.events.response(msg, r);
        return;
      case 'terminated':
        return;
    }
  }

  /** ACK for a non-2xx final response: same branch, the response's To (RFC 3261 17.1.1.3). */
  private buildAck(response: SipMessage): Buffer {
    const req = this.request;
    const lines = [`ACK ${req.uri} SIP/2.0`, `Via: ${req.topVia()}`];
    for (const name of ['route', 'max-forwards', 'from']) {
      for (const v of req.getAll(name)) lines.push(`${name === 'route' ? 'Route' : name === 'from' ? 'From' : 'Max-Forwards'}: ${v}`);
    }
    lines.push(`To: ${response.get('to')}`, `Call-ID: ${req.get('call-id')}`, `CSeq: ${req.cseq().seq} ACK`, 'Content-Length: 0', '', '');
    return Buffer.from(lines.join('\r\n'), 'utf8');
  }

  private arm(ms: number, fn: () => void): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(fn, ms);
  }

  end(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    clearTimeout(this.timer);
    clearTimeout(this.retransmitTimer);
    this.onEnd(this);
  }
}
