// One console's WebSocket to the switchboard, kept alive: heartbeats at the
// pace the switchboard asks for (they are what keeps the station eligible),
// protocol pings to notice a dead network, reconnects with backoff, and after
// each reconnect the station bound again and its readiness restored. The state
// lives in the reducer (state.ts); this class only does the I/O around it and
// offers `subscribe`/`getSnapshot` for useSyncExternalStore.
import WebSocket from 'ws';
import { closeCodes, type ClientMessage, type ServerMessage } from '../../api/messages.js';
import { defaultBackoff, reconnectDelay, type Backoff } from './backoff.js';
import { parseServerMessage } from './protocol.js';
import { breakReason, initialState, reduce, type ConsoleEvent, type ConsoleState } from './state.js';

/** What to do when the switchboard no longer accepts the token (it forgets them when restarted). */
export type Relogin = () => Promise<{ token: string } | { retry: true } | { refused: true }>;

export interface SessionOptions {
  server: string;
  token: string;
  extension: string | null;
  ready: boolean;
  /** The reason sent when the station is paused by the console. */
  pauseReason?: string;
  relogin?: Relogin;
  /** Told about every new token, so that it can be stored. */
  onToken?: (token: string) => void;
  backoff?: Backoff;
  now?: () => number;
}

/** How long `stop()` waits for the switchboard to confirm the station is released. */
const releaseWaitMs = 1_000;

export class StationSession {
  readonly #options: SessionOptions;
  readonly #now: () => number;
  readonly #listeners = new Set<() => void>();
  readonly #messageListeners = new Set<(message: ServerMessage) => void>();
  #state: ConsoleState;
  #token: string;
  #ws: WebSocket | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #retry: NodeJS.Timeout | undefined;
  #attempt = 0;
  #stopped = false;
  #tokenRefused = false;
  #lastHeard = 0;
  /** This session has held its station before: a refusal on re-binding may be our own lost connection. */
  #heldBefore = false;
  /** The reason picked with 1-4 while paused; sent again when the connection is made again. */
  #chosenPauseReason: string | undefined;

  constructor(options: SessionOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#token = options.token;
    this.#state = initialState(options.extension, options.ready);
  }

  get token(): string {
    return this.#token;
  }

  readonly getSnapshot = (): ConsoleState => this.#state;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  /** Every message from the switchboard, after the state has taken it in. */
  onMessage(listener: (message: ServerMessage) => void): () => void {
    this.#messageListeners.add(listener);
    return () => this.#messageListeners.delete(listener);
  }

  start(): void {
    this.#connect();
  }

  setReady(ready: boolean): void {
    if (ready) this.#chosenPauseReason = undefined;
    this.#dispatch({ type: 'choose-ready', ready });
    if (this.#state.bound) this.#sendReadiness();
  }

  /** Paused with this reason (kept over reconnects until ready again), as the keys 1-4 do. */
  pause(reason: string): void {
    this.#chosenPauseReason = reason;
    this.#dispatch({ type: 'choose-ready', ready: false });
    if (this.#state.bound) this.#send({ type: 'pause', reason });
  }

  /** Ready when paused, paused when ready, as the dispatcher's `r` key does. */
  toggleReady(): void {
    const station = this.#state.bound ? this.#state.station : null;
    this.setReady(!(station?.ready ?? this.#state.wantReady));
  }

  /** Holds another extension (null: none); `takeover` takes it from the console that holds it. */
  bindTo(extension: string | null, takeover = false): void {
    const previous = this.#state.extension;
    if (previous !== null && previous !== extension && this.#state.bound) this.#send({ type: 'unbind' });
    this.#dispatch({ type: 'choose-extension', extension });
    this.#heldBefore = false;
    if (extension !== null) this.#send(takeover ? { type: 'bind', extension, takeover } : { type: 'bind', extension });
  }

  /** Releases the station at once and closes; the switchboard stops ringing it before this resolves. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#retry);
    clearInterval(this.#heartbeat);
    const ws = this.#ws;
    if (!ws) return;
    if (ws.readyState === WebSocket.OPEN && this.#state.bound) {
      const released = new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, releaseWaitMs);
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        ws.on('message', (data) => parseServerMessage(String(data))?.type === 'unbound' && done());
        ws.once('close', done);
      });
      this.#send({ type: 'unbind' });
      await released;
    }
    await this.#close(ws);
  }

  #connect(): void {
    if (this.#stopped) return;
    this.#tokenRefused = false;
    this.#dispatch({ type: 'connecting', attempt: this.#attempt });
    const url = `${this.#options.server.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(this.#token)}`;
    const ws = new WebSocket(url, { handshakeTimeout: 5_000, maxPayload: 16 * 1024 * 1024 });
    this.#ws = ws;
    ws.on('open', () => {
      this.#attempt = 0;
      this.#lastHeard = this.#now();
      this.#dispatch({ type: 'opened' });
    });
    ws.on('message', (data) => {
      this.#lastHeard = this.#now();
      const message = parseServerMessage(String(data));
      if (!message) return;
      if (this.#isOwnLostConnection(message)) {
        // Back after a network cut before the switchboard noticed the old
        // connection was dead: the holder is this login's own lost connection.
        // Take the station back without showing anyone a refusal.
        this.#send({ type: 'bind', extension: this.#state.extension!, takeover: true });
        return;
      }
      this.#dispatch({ type: 'server', message });
      this.#react(ws, message);
      for (const listener of this.#messageListeners) listener(message);
    });
    ws.on('pong', () => (this.#lastHeard = this.#now()));
    ws.on('error', (error) => {
      // ws reports a refused upgrade this way; any other error ends in 'close'.
      if (/Unexpected server response: 401/.test(error.message)) this.#tokenRefused = true;
    });
    ws.on('close', (code) => {
      if (this.#ws !== ws) return;
      clearInterval(this.#heartbeat);
      if (this.#stopped) return;
      if (code === closeCodes.takenOver) {
        // Another console has this station now; fighting over it would ring nobody.
        this.#dispatch({ type: 'closed', attempt: this.#attempt, retryAt: null });
        return;
      }
      if (code === closeCodes.sessionEnded || this.#tokenRefused) return void this.#relogin();
      this.#scheduleRetry();
    });
  }

  #react(ws: WebSocket, message: ServerMessage): void {
    switch (message.type) {
      case 'welcome':
        clearInterval(this.#heartbeat);
        this.#heartbeat = setInterval(() => this.#beat(ws, message.leaseMs), message.heartbeatMs);
        if (this.#state.extension !== null) this.#send({ type: 'bind', extension: this.#state.extension });
        return;
      case 'bound':
        this.#heldBefore = true;
        this.#sendReadiness();
        return;
    }
  }

  #isOwnLostConnection(message: ServerMessage): boolean {
    return (
      message.type === 'refused' &&
      message.reason === 'taken' &&
      this.#heldBefore &&
      message.extension === this.#state.extension &&
      message.heldBy?.login === this.#state.user?.login
    );
  }

  #beat(ws: WebSocket, leaseMs: number): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    // A network that silently dropped the connection never closes it: when the
    // switchboard has not answered for a whole lease, start over.
    if (this.#now() - this.#lastHeard > Math.max(leaseMs, 1_000)) {
      ws.terminate();
      return;
    }
    // Only bound consoles may heartbeat (others get "not-bound" errors).
    if (this.#state.bound) this.#send({ type: 'heartbeat' });
    ws.ping();
  }

  #sendReadiness(): void {
    if (this.#state.wantReady) this.#send({ type: 'ready' });
    else if (!this.#state.station?.pauseReason) this.#send({ type: 'pause', reason: this.#chosenPauseReason ?? this.#options.pauseReason ?? breakReason });
  }

  async #relogin(): Promise<void> {
    const relogin = this.#options.relogin;
    const outcome = relogin ? await relogin().catch(() => ({ retry: true }) as const) : ({ refused: true } as const);
    if (this.#stopped) return;
    if ('token' in outcome) {
      this.#token = outcome.token;
      this.#options.onToken?.(outcome.token);
      this.#connect();
    } else if ('retry' in outcome) {
      this.#scheduleRetry();
    } else {
      this.#dispatch({ type: 'session-ended' });
    }
  }

  #scheduleRetry(): void {
    this.#attempt++;
    const delay = reconnectDelay(this.#attempt, this.#options.backoff ?? defaultBackoff);
    this.#dispatch({ type: 'closed', attempt: this.#attempt, retryAt: this.#now() + delay });
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => this.#connect(), delay);
  }

  #send(message: ClientMessage): void {
    const ws = this.#ws;
    if (ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
  }

  #close(ws: WebSocket): Promise<void> {
    if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        ws.terminate();
        resolve();
      }, 500);
      ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(1000, 'console closed');
    });
  }

  #dispatch(event: ConsoleEvent): void {
    const next = reduce(this.#state, event);
    if (next === this.#state) return;
    this.#state = next;
    for (const listener of this.#listeners) listener();
  }
}
