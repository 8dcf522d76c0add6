// What the API tests share: in-memory users and phones, a registrar stand-in
// whose states the test sets, a real API server on 127.0.0.1 port 0, and a
// console-side WebSocket client that records what the switchboard says.
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { pino } from 'pino';
import WebSocket from 'ws';
import { createApiServer, type ApiServer, type ApiServerOptions } from '../../source/api/server.js';
import type { ClientMessage, LoginResponse, ServerMessage } from '../../source/api/messages.js';
import type { Phone, Role, User, UserDirectory } from '../../source/store/types.js';
import type { Binding, RegistrationState, RegistrationView } from '../../source/switchboard/registration-state.js';
import { StationBoard } from '../../source/switchboard/stations.js';

export const silentLog = pino({ level: 'silent' });

export interface TestUser {
  login: string;
  password: string;
  displayName: string;
  roles: Role[];
}

export const people = {
  anna: { login: 'anna', password: 'anna-secret', displayName: 'Anna Nowak', roles: ['dispatcher'] },
  bartek: { login: 'bartek', password: 'bartek-secret', displayName: 'Bartek Kowalski', roles: ['dispatcher'] },
  celina: { login: 'celina', password: 'celina-secret', displayName: 'Celina Admin', roles: ['configure'] },
} satisfies Record<string, TestUser>;

/** Users with scrypt-hashed passwords, compared in constant time. */
export function memoryUsers(list: TestUser[]): UserDirectory {
  const users = new Map(
    list.map((u) => {
      const salt = randomBytes(16);
      const user: User = { login: u.login, displayName: u.displayName, roles: u.roles, createdAt: '2025-01-01T00:00:00Z' };
      return [u.login, { user, salt, hash: scryptSync(u.password, salt, 32) }];
    }),
  );
  return {
    async verify(login, password) {
      const entry = users.get(login);
      if (!entry) return undefined;
      return timingSafeEqual(scryptSync(password, entry.salt, 32), entry.hash) ? entry.user : undefined;
    },
    getUser: (login) => users.get(login)?.user,
  };
}

export const phoneList: Phone[] = [
  { extension: '201', password: 's3cret&<201>', displayName: 'Stanowisko "1"', kind: 'headset', createdAt: '2025-01-01T00:00:00Z' },
  { extension: '202', password: 'pass-202', displayName: 'Stanowisko 2', kind: 'android', createdAt: '2025-01-01T00:00:00Z' },
];

export function memoryPhones(list: Phone[]) {
  return {
    getPhone: (extension: string) => list.find((p) => p.extension === extension),
    list: () => [...list],
  };
}

/** The registrar as the API sees it; the test says what state each extension is in. */
export class TestRegistrations extends EventEmitter implements RegistrationView {
  readonly states = new Map<string, RegistrationState>();
  state(extension: string): RegistrationState {
    return this.states.get(extension) ?? 'none';
  }
  bindings(): Binding[] {
    return [];
  }
  set(extension: string, state: RegistrationState): void {
    this.states.set(extension, state);
    this.emit('change', extension, state);
  }
}

export interface TestApi {
  api: ApiServer;
  board: StationBoard;
  registrations: TestRegistrations;
  /** Moves the API's clock (tokens, lockouts, links); the board keeps real time. */
  clock: { offsetMs: number };
  login(user: TestUser): Promise<LoginResponse>;
  close(): Promise<void>;
}

export async function startApi(overrides: Partial<ApiServerOptions> & { leaseMs?: number } = {}): Promise<TestApi> {
  const clock = { offsetMs: 0 };
  const leaseMs = overrides.leaseMs ?? 3000;
  const board = overrides.board ?? new StationBoard({ now: Date.now, leaseMs });
  const registrations = new TestRegistrations();
  const api = await createApiServer({
    host: '127.0.0.1',
    port: 0,
    users: memoryUsers(Object.values(people)),
    phones: memoryPhones(phoneList),
    registrations,
    board,
    leaseMs,
    loginFailLimit: 3,
    loginLockMs: 60_000,
    publicSipAddress: { host: '192.0.2.10', port: 5060, transport: 'udp' },
    domain: 'taxi.example',
    log: silentLog,
    now: () => Date.now() + clock.offsetMs,
    ...overrides,
  });
  return {
    api,
    board,
    registrations,
    clock,
    async login(user) {
      const res = await fetch(`${api.url}/api/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ login: user.login, password: user.password }),
      });
      if (res.status !== 200) throw new Error(`login of ${user.login} failed: ${res.status}`);
      return (await res.json()) as LoginResponse;
    },
    async close() {
      await api.close();
      board.close();
    },
  };
}

/** A console's WebSocket: everything received is kept, and tests wait for what they expect. */
export class ConsoleSocket {
  readonly received: ServerMessage[] = [];
  readonly ws: WebSocket;
  readonly closed: Promise<{ code: number; reason: string }>;
  /** What the switchboard said first: who we are, the lease and the heartbeat interval. */
  welcome: Extract<ServerMessage, { type: 'welcome' }> | undefined;
  #waiters: (() => void)[] = [];
  #heartbeat: NodeJS.Timeout | undefined;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.stopHeartbeats();
        resolve({ code, reason: reason.toString() });
      });
    });
    ws.on('error', () => {});
    ws.on('message', (data) => {
      this.received.push(JSON.parse(data.toString()) as ServerMessage);
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  static async open(api: ApiServer, token: string): Promise<ConsoleSocket> {
    const socket = new ConsoleSocket(new WebSocket(`${api.url.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(token)}`));
    await once(socket.ws, 'open');
    socket.welcome = await socket.next('welcome');
    return socket;
  }

  send(message: ClientMessage | Record<string, unknown>): void {
    this.ws.send(JSON.stringify(message));
  }

  sendRaw(data: string | Buffer): void {
    this.ws.send(data);
  }

  /** Heartbeats at the interval the switchboard asked for in `welcome`, until stopped or closed. */
  startHeartbeats(): void {
    const every = this.welcome?.heartbeatMs ?? 1000;
    this.#heartbeat = setInterval(() => this.ws.readyState === WebSocket.OPEN && this.send({ type: 'heartbeat' }), every);
  }

  stopHeartbeats(): void {
    clearInterval(this.#heartbeat);
  }

  /**
   * The first message of this type not yet consumed that satisfies the test,
   * waiting up to `timeoutMs`. Messages before it are consumed too.
   */
  async next<T extends ServerMessage['type']>(
    type: T,
    matches: (message: Extract<ServerMessage, { type: T }>) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<Extract<ServerMessage, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.received.findIndex((m) => m.type === type && matches(m as Extract<ServerMessage, { type: T }>));
      if (index >= 0) {
        const [found] = this.received.splice(0, index + 1).slice(-1);
        return found as Extract<ServerMessage, { type: T }>;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no "${type}" message as expected within ${timeoutMs} ms; got ${JSON.stringify(this.received)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): Promise<{ code: number; reason: string }> {
    this.ws.close();
    return this.closed;
  }
}
