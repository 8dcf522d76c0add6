// The consoles' WebSocket connections: each one may hold one station on the
// board. Turns console messages into board calls, and board changes into
// `station` (to the console holding it) and `stations` (to everyone) messages.
// A connection that closes gives its station up at once; one that goes silent
// loses eligibility when its lease lapses, which the board sees on its own.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { PhoneDirectory, User } from '../store/types.js';
import type { StationBoard, StationSnapshot } from '../switchboard/stations.js';
import type { LoginSession, LoginTokens } from './login-tokens.js';
import {
  closeCodes,
  parseClientMessage,
  type ClientMessage,
  type QueuedCaller,
  type ServerMessage,
  type SocketErrorCode,
  type StationState,
} from './messages.js';

/** A console that reads nothing while this much is queued for it is cut off. */
const maxBufferedBytes = 1024 * 1024;

interface Connection {
  ws: WebSocket;
  consoleId: string;
  loginSession: LoginSession;
  user: User;
  /** The station this console holds, if any. */
  extension: string | undefined;
  /** Answered the last protocol ping; a connection that stops answering is dead. */
  answering: boolean;
  log: Logger;
  /** Broadcast frames not written yet (see #deliver); sent before anything else goes to this console. */
  pending: Buffer[];
}

export interface StationSocketsOptions {
  board: StationBoard;
  phones: PhoneDirectory;
  users: { getUser(login: string): User | undefined };
  tokens: LoginTokens;
  log: Logger;
}

export class StationSockets {
  readonly #options: StationSocketsOptions;
  readonly #connections = new Set<Connection>();
  /** Stations changed since the last push; pushed together on the next turn of the event loop, or after minPushIntervalMs. */
  readonly #changed = new Set<string>();
  #pushScheduled: { immediate: NodeJS.Immediate } | { timeout: NodeJS.Timeout } | undefined;
  #lastPushAt = -Infinity;
  #callers: QueuedCaller[] = [];
  /** The last `queue` message sent to everyone, as sent. */
  #queueText: string | undefined;
  /** publishQueue was called since the last push. */
  #queueChanged = false;
  readonly #onChange = (station: StationSnapshot) => this.#scheduleUpdate(station.extension);
  /** Connections with broadcast frames pending, in the order they are written out. */
  #outbox: Connection[] = [];
  #outboxIndex = 0;
  #drainScheduled: NodeJS.Immediate | undefined;

  constructor(options: StationSocketsOptions) {
    this.#options = options;
    options.board.on('change', this.#onChange);
  }

  get count(): number {
    return this.#connections.size;
  }

  accept(ws: WebSocket, loginSession: LoginSession, user: User, address: string | undefined): void {
    const consoleId = randomUUID();
    const log = this.#options.log.child({ consoleId, login: user.login, address });
    const connection: Connection = { ws, consoleId, loginSession, user, extension: undefined, answering: true, log, pending: [] };
    this.#connections.add(connection);
    log.info('console connected');

    ws.on('message', (data, isBinary) => {
      try {
        if (isBinary) return this.#error(connection, 'bad-message', 'messages are JSON text frames');
        this.#receive(connection, data.toString());
      } catch (error) {
        log.error({ err: error }, 'console message handling failed');
        this.#error(connection, 'internal', 'the switchboard could not handle that message');
      }
    });
    ws.on('pong', () => (connection.answering = true));
    // ws reports protocol violations (oversized frame: close 1009, bad framing)
    // here and closes the connection itself.
    ws.on('error', (error) => log.warn({ err: error }, `console connection error: ${error.message}`));
    ws.on('close', (code) => {
      this.#connections.delete(connection);
      connection.pending = [];
      if (connection.extension) this.#options.board.unbind(connection.extension, consoleId);
      log.info({ code, extension: connection.extension }, 'console disconnected');
    });

    const heartbeatMs = heartbeatInterval(this.#options.board.leaseMs);
    this.#send(connection, {
      type: 'welcome',
      user: { login: user.login, displayName: user.displayName, roles: user.roles },
      leaseMs: this.#options.board.leaseMs,
      heartbeatMs,
    });
    this.#send(connection, { type: 'stations', stations: this.#stations() });
    this.#send(connection, { type: 'queue', callers: this.#callers });
  }

  /** Pushes the waiting callers to every console (the call distribution calls this), with the next push of station changes. */
  publishQueue(callers: QueuedCaller[]): void {
    this.#callers = callers;
    this.#queueChanged = true;
    this.#schedulePush();
  }

  /** Closes the connections opened with this login (logout). */
  endLoginSession(loginSessionId: string, reason: string): void {
    for (const connection of this.#connections) {
      if (connection.loginSession.id === loginSessionId) {
        this.#flush(connection);
        connection.ws.close(closeCodes.sessionEnded, reason);
      }
    }
  }

  /** Protocol-level ping: connections that did not answer the previous one are dropped. */
  pingAll(): void {
    for (const connection of this.#connections) {
      if (!connection.answering) {
        connection.log.warn('console stopped answering pings; dropping the connection');
        connection.ws.terminate();
        continue;
      }
      connection.answering = false;
      connection.ws.ping();
    }
  }

  closeAll(): void {
    this.#options.board.off('change', this.#onChange);
    this.#cancelPush();
    clearImmediate(this.#drainScheduled);
    this.#drainScheduled = undefined;
    for (const connection of this.#connections) {
      this.#flush(connection);
      connection.ws.close(1001, 'switchboard stopping');
    }
  }

  /** Stops whatever is left after closeAll had its chance. */
  terminateAll(): void {
    for (const connection of this.#connections) connection.ws.terminate();
  }

  #receive(connection: Connection, text: string): void {
    const { board, tokens, users } = this.#options;
    const user = tokens.isValid(connection.loginSession) ? users.getUser(connection.user.login) : undefined;
    if (!user) {
      this.#error(connection, 'session-expired', 'log in again');
      this.#flush(connection);
      connection.ws.close(closeCodes.sessionEnded, 'session expired');
      return;
    }
    connection.user = user;
    const parsed = parseClientMessage(text);
    if (!parsed.ok) return this.#error(connection, parsed.code, parsed.message);
    const message: ClientMessage = parsed.message;
    if (message.type === 'bind') return this.#bind(connection, message.extension, message.takeover === true);

    const extension = connection.extension;
    // Anything the console says shows it is alive, so it renews the lease too.
    if (!extension || !board.heartbeat(extension, connection.consoleId)) {
      connection.extension = undefined;
      return this.#error(connection, 'not-bound', `"${message.type}" needs a station: bind an extension first`);
    }
    switch (message.type) {
      case 'heartbeat':
        return;
      case 'ready':
        board.setReady(extension);
        connection.log.info({ extension }, 'dispatcher ready');
        return;
      case 'pause':
        board.pause(extension, message.reason);
        connection.log.info({ extension, reason: message.reason }, 'dispatcher paused');
        return;
      case 'unbind':
        board.unbind(extension, connection.consoleId);
        connection.extension = undefined;
        connection.log.info({ extension }, 'station released');
        this.#send(connection, { type: 'unbound', extension });
        return;
    }
  }

  #bind(connection: Connection, extension: string, takeover: boolean): void {
    const { board, phones } = this.#options;
    const { user, consoleId } = connection;
    if (!user.roles.includes('dispatcher')) {
      return this.#send(connection, { type: 'refused', extension, reason: 'not-a-dispatcher' });
    }
    if (!phones.getPhone(extension)) {
      return this.#send(connection, { type: 'refused', extension, reason: 'unknown-extension' });
    }
    const result = board.bind(extension, { consoleId, login: user.login, displayName: user.displayName }, { takeover });
    if (result.outcome === 'taken') {
      const { login, displayName } = result.heldBy;
      return this.#send(connection, { type: 'refused', extension, reason: 'taken', heldBy: { login, displayName } });
    }
    // Moving to another station: the old one is let go only once the new one is ours.
    if (connection.extension && connection.extension !== extension) board.unbind(connection.extension, consoleId);
    connection.extension = extension;
    connection.log.info({ extension, takeover: result.replaced !== undefined }, 'station bound');
    if (result.replaced) this.#takenOver(result.replaced.consoleId, extension, user);
    this.#send(connection, { type: 'bound', station: stationState(board.station(extension)!) });
  }

  #takenOver(consoleId: string, extension: string, by: User): void {
    for (const previous of this.#connections) {
      if (previous.consoleId !== consoleId) continue;
      previous.extension = undefined;
      previous.log.info({ extension, by: by.login }, 'station taken over by another console');
      this.#send(previous, { type: 'taken-over', extension, by: { login: by.login, displayName: by.displayName } });
      this.#flush(previous);
      previous.ws.close(closeCodes.takenOver, 'taken over');
    }
  }

  #scheduleUpdate(extension: string): void {
    this.#changed.add(extension);
    this.#schedulePush();
  }

  #schedulePush(): void {
    if (this.#pushScheduled) return;
    // A quiet board pushes at once; a busy one at most every minPushIntervalMs:
    // each push sends every console the whole list.
    const wait = this.#lastPushAt + minPushIntervalMs - performance.now();
    this.#pushScheduled = wait > 0 ? { timeout: setTimeout(() => this.#pushUpdates(), wait) } : { immediate: setImmediate(() => this.#pushUpdates()) };
  }

  #cancelPush(): void {
    const scheduled = this.#pushScheduled;
    if (scheduled && 'immediate' in scheduled) clearImmediate(scheduled.immediate);
    else if (scheduled) clearTimeout(scheduled.timeout);
    this.#pushScheduled = undefined;
  }

  /** The queue if it changed, one `stations` per burst of changes, and `station` to each console whose station changed. */
  #pushUpdates(): void {
    this.#pushScheduled = undefined;
    this.#lastPushAt = performance.now();
    if (this.#queueChanged) {
      this.#queueChanged = false;
      const text = JSON.stringify({ type: 'queue', callers: this.#callers } satisfies ServerMessage);
      // The call distribution publishes after every event it handles; many leave the queue as it was.
      if (text !== this.#queueText) {
        this.#queueText = text;
        const frame = Buffer.from(text);
        for (const connection of this.#connections) this.#deliver(connection, frame);
      }
    }
    if (this.#changed.size === 0) return;
    const changed = new Set(this.#changed);
    this.#changed.clear();
    const snapshots = this.#options.board.snapshot();
    const stations = snapshots.map(stationState);
    // The same list goes to every console: serialised once, not once per console.
    // Encoded to UTF-8 once too: ws would otherwise encode the string again for each console.
    const frame = Buffer.from(JSON.stringify({ type: 'stations', stations } satisfies ServerMessage));
    const byExtension = new Map(snapshots.map((s, index) => [s.extension, index]));
    for (const connection of this.#connections) {
      this.#deliver(connection, frame);
      const own = connection.extension;
      if (!own || !changed.has(own)) continue;
      const index = byExtension.get(own);
      if (index !== undefined && snapshots[index]!.session?.consoleId === connection.consoleId) {
        this.#deliver(connection, Buffer.from(JSON.stringify({ type: 'station', station: stations[index]! } satisfies ServerMessage)));
      }
    }
  }

  /**
   * Queues a broadcast frame for a console. The frames are written a few
   * consoles per turn of the event loop (#drain): writing the whole list to
   * a hundred consoles at once held the loop for 10-20 ms, and every SIP
   * message that arrived meanwhile waited. Anything else sent to a console
   * writes its pending frames first, so each console sees its messages in order.
   */
  #deliver(connection: Connection, frame: Buffer): void {
    if (connection.pending.push(frame) === 1) this.#outbox.push(connection);
    this.#drainScheduled ??= setImmediate(() => this.#drain());
  }

  #drain(): void {
    this.#drainScheduled = undefined;
    const end = Math.min(this.#outbox.length, this.#outboxIndex + consolesPerTurn);
    while (this.#outboxIndex < end) this.#flush(this.#outbox[this.#outboxIndex++]!);
    if (this.#outboxIndex < this.#outbox.length) {
      this.#drainScheduled = setImmediate(() => this.#drain());
    } else {
      this.#outbox = [];
      this.#outboxIndex = 0;
    }
  }

  /** Writes the console's pending broadcast frames now. */
  #flush(connection: Connection): void {
    if (connection.pending.length === 0) return;
    const frames = connection.pending;
    connection.pending = [];
    for (const frame of frames) this.#write(connection, frame);
  }

  #error(connection: Connection, code: SocketErrorCode, message: string): void {
    this.#send(connection, { type: 'error', code, message });
  }

  #send(connection: Connection, message: ServerMessage): void {
    this.#sendText(connection, JSON.stringify(message));
  }

  #sendText(connection: Connection, text: string): void {
    this.#flush(connection);
    this.#write(connection, text);
  }

  #write(connection: Connection, data: string | Buffer): void {
    const { ws } = connection;
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > maxBufferedBytes) {
      connection.log.warn('console is not reading its messages; dropping the connection');
      ws.terminate();
      return;
    }
    // A Buffer goes out as a text frame all the same: it holds the JSON text.
    ws.send(data, { binary: false });
  }

  #stations(): StationState[] {
    return this.#options.board.snapshot().map(stationState);
  }
}

/**
 * Least time between two pushes of station changes to the consoles. Under
 * load the board changes every few milliseconds (every call sets a station in
 * a call and out of it), and each push is the whole list to every console:
 * with 120 consoles at 50 calls/s the pbx spent a third of its CPU writing
 * them. Ten lists a second is still live to a person watching. The waiting
 * callers (`queue`) go with the same pushes.
 */
export const minPushIntervalMs = 100;

/** Consoles written to per turn of the event loop when a push goes out to all of them. */
const consolesPerTurn = 16;

/** How often consoles should send heartbeats: three chances per lease. */
export function heartbeatInterval(leaseMs: number): number {
  return Math.max(50, Math.floor(leaseMs / 3));
}

export function stationState(snapshot: StationSnapshot): StationState {
  const { session, eligibility } = snapshot;
  return {
    extension: snapshot.extension,
    console: session ? { login: session.login, displayName: session.displayName, alive: session.alive } : null,
    ready: snapshot.ready,
    pauseReason: snapshot.pauseReason ?? null,
    registration: snapshot.registration,
    inCall: snapshot.inCall,
    call: snapshot.call ?? null,
    wrapUpUntil: snapshot.wrapUpUntil ?? null,
    eligible: eligibility.eligible,
    reason: eligibility.eligible ? null : eligibility.reason,
  };
}
