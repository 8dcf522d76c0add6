// The drachtio control connection from one application: `<length>#<payload>`
// framing in both directions, and the bookkeeping of what the app asked for
// (authentication, routes). What a `sip` frame means is the core's business.
import net from 'node:net';
import { randomUUID } from 'node:crypto';

export const CRLF = '\r\n';
/** The real server reads at most 5 length digits from an app. */
const MAX_LENGTH_DIGITS = 5;

export interface ControlFrame {
  id: string;
  tokens: string[];
  /** Whatever follows the first CRLF: a SIP message, or ''. */
  body: string;
}

export class AppConnection {
  readonly name: string;
  authenticated = false;
  readonly routes = new Set<string>();
  private pending: Buffer = Buffer.alloc(0);
  closed = false;

  constructor(
    readonly socket: net.Socket,
    private readonly onFrame: (app: AppConnection, frame: ControlFrame) => void,
    private readonly onClose: (app: AppConnection) => void,
    private readonly onProtocolError: (app: AppConnection, reason: string) => void,
  ) {
    this.name = `${socket.remoteAddress}:${socket.remotePort}`;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 15_000);
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.onClose(this);
    });
  }

  private onData(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let offset = 0;
    while (offset < this.pending.length && !this.closed) {
      const hash = this.pending.indexOf(35 /* # */, offset);
      if (hash === -1) {
        if (this.pending.length - offset > MAX_LENGTH_DIGITS) return this.protocolError('invalid message length specifier');
        break;
      }
      const digits = this.pending.toString('latin1', offset, hash);
      if (!/^\d{1,5}$/.test(digits) || Number(digits) === 0) return this.protocolError('invalid message length specifier');
      const length = Number(digits);
      if (this.pending.length < hash + 1 + length) break;
      const payload = this.pending.toString('utf8', hash + 1, hash + 1 + length);
      offset = hash + 1 + length;
      const crlf = payload.indexOf(CRLF);
      const leader = crlf === -1 ? payload : payload.slice(0, crlf);
      const tokens = leader.split('|');
      this.onFrame(this, { id: tokens[0] ?? '', tokens, body: crlf === -1 ? '' : payload.slice(crlf + 2) });
    }
    this.pending = offset === 0 ? this.pending : this.pending.subarray(offset);
  }

  private protocolError(reason: string): void {
    this.pending = Buffer.alloc(0);
    this.onProtocolError(this, reason);
    this.socket.destroy();
  }

  /** Sends one frame; returns its id. */
  send(payload: string): string {
    const id = randomUUID();
    this.write(`${id}|${payload}`);
    return id;
  }

  reply(to: string, ok: boolean | 'NOK', text?: string): void {
    const status = ok === 'NOK' ? 'NOK' : ok ? 'OK' : 'NO';
    this.send(`response|${to}|${status}${text === undefined ? '' : `|${text}`}`);
  }

  private write(s: string): void {
    if (this.closed || this.socket.destroyed) return;
    this.socket.write(`${Buffer.byteLength(s, 'utf8')}#${s}`);
  }

  close(): void {
    this.socket.end();
  }
}
