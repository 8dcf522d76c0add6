// A demo dispatcher's console without a screen: logs in over HTTP, opens the
// switchboard's WebSocket, binds its station, sets it ready and heartbeats at
// the pace the switchboard asks for, so the station stays eligible. If the
// connection drops while the demo runs, it logs in again. It owns its socket
// and timers; close() leaves none behind.
import WebSocket from 'ws';
import type { LoginResponse, ServerMessage } from '../api/messages.js';

export interface ConsoleSessionOptions {
  apiUrl: string;
  login: string;
  password: string;
  extension: string;
  /** Told about problems (refused bind, failed login, lost connection). */
  onProblem?: (text: string) => void;
  /** Delay before logging in again after a drop (default 1000 ms). */
  retryMs?: number;
}

export class ConsoleSession {
  readonly #o: ConsoleSessionOptions;
  #socket: WebSocket | undefined;
  #beat: NodeJS.Timeout | undefined;
  #retry: NodeJS.Timeout | undefined;
  #closed = false;
  #ready = false;

  constructor(options: ConsoleSessionOptions) {
    this.#o = options;
  }

  /** True while the switchboard has confirmed the station bound and ready. */
  get ready(): boolean {
    return this.#ready;
  }

  /** Logs in and binds; resolves once the station is bound and set ready, rejects on a refusal. */
  start(): Promise<void> {
    return this.#connect();
  }

  async #connect(): Promise<void> {
    const token = await this.#logIn();
    if (this.#closed) return;
    const socket = new WebSocket(`${this.#o.apiUrl.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(token)}`);
    this.#socket = socket;
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (err?: Error) => {
        if (settled) return;
        settled = true;
        if (err) reject(err);
        else resolve();
      };
      socket.on('message', (data) => {
        let message: ServerMessage;
        try {
          message = JSON.parse(String(data)) as ServerMessage;
        } catch {
          return;
        }
        switch (message.type) {
          case 'welcome':
            clearInterval(this.#beat);
            this.#beat = setInterval(() => this.#send({ type: 'heartbeat' }), message.heartbeatMs);
            this.#send({ type: 'bind', extension: this.#o.extension });
            return;
          case 'bound':
            this.#ready = message.station.ready;
            if (message.station.ready) settle();
            else this.#send({ type: 'ready' });
            return;
          case 'station':
            this.#ready = message.station.ready;
            if (message.station.ready) settle();
            return;
          case 'refused':
            settle(new Error(`station ${message.extension} refused: ${message.reason}`));
            return;
          case 'taken-over':
            this.#o.onProblem?.(`station ${message.extension} taken over by ${message.by.login}`);
            return;
          case 'error':
            this.#o.onProblem?.(`console ${this.#o.login}: ${message.code}: ${message.message}`);
            return;
        }
      });
      socket.on('error', (err) => settle(err));
      socket.on('close', () => {
        clearInterval(this.#beat);
        this.#ready = false;
        settle(new Error(`console ${this.#o.login}: connection closed before the station was ready`));
        if (!this.#closed) {
          this.#o.onProblem?.(`console ${this.#o.login}: connection lost, logging in again`);
          this.#scheduleReconnect();
        }
      });
    });
  }

  #scheduleReconnect(): void {
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => {
      this.#connect().catch((err: Error) => {
        if (this.#closed) return;
        this.#o.onProblem?.(`console ${this.#o.login}: ${err.message}`);
        if (!this.#socket || this.#socket.readyState === WebSocket.CLOSED) this.#scheduleReconnect();
      });
    }, this.#o.retryMs ?? 1000);
  }

  async #logIn(): Promise<string> {
    const res = await fetch(`${this.#o.apiUrl}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: this.#o.login, password: this.#o.password }),
    });
    if (!res.ok) throw new Error(`login of ${this.#o.login} refused: HTTP ${res.status}`);
    return ((await res.json()) as LoginResponse).token;
  }

  #send(message: object): void {
    if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify(message));
  }

  /** Leaves the station (unbind) and closes the connection. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    clearInterval(this.#beat);
    const socket = this.#socket;
    if (!socket || socket.readyState === WebSocket.CLOSED) return;
    if (socket.readyState === WebSocket.OPEN) this.#send({ type: 'unbind' });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.close(1000);
    // A switchboard that does not answer the close handshake is cut off.
    const cut = setTimeout(() => socket.terminate(), 1000);
    await closed;
    clearTimeout(cut);
  }
}
