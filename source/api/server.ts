// The console API: HTTP for logging in, phone credentials and provisioning,
// health and metrics, and the /ws WebSocket a console holds its station with.
// It owns the timer that lets the station board notice lapsed leases. No
// framework: a handful of routes on node:http, WebSockets by `ws`.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import type { Phone, PhoneDirectory, User, UserDirectory } from '../store/types.js';
import type { RegistrationState, RegistrationView } from '../switchboard/registration-state.js';
import { ineligibleReasons, type StationBoard } from '../switchboard/stations.js';
import { LoginThrottle } from './login-throttle.js';
import { LoginTokens, defaultTokenTtlMs, type LoginSession } from './login-tokens.js';
import type {
  HealthResponse,
  HttpErrorBody,
  HttpErrorCode,
  LoginResponse,
  PhoneCredentials,
  PhonesResponse,
  ProvisioningLink,
  QueuedCaller,
  SipServerAddress,
} from './messages.js';
import { metricsContentType, renderMetrics } from './metrics.js';
import { startRuntimeMetrics } from './runtime-metrics.js';
import { ProvisioningLinks, defaultLinkTtlMs, linphoneConfig } from './provisioning.js';
import { StationSockets } from './station-sockets.js';

export interface ApiServerOptions {
  host: string;
  port: number;
  users: UserDirectory;
  phones: PhoneDirectory & { list(): Phone[] };
  /** The registrar's states; the board is made to follow them, and /metrics counts them. */
  registrations: RegistrationView;
  board: StationBoard;
  /** Must equal the board's lease when given; consoles are told to heartbeat three times per lease. */
  leaseMs?: number;
  /** Failed logins for one login name, or from one address, before a lockout. Default 5. */
  loginFailLimit?: number;
  /** How long a lockout lasts. Default 5 min. */
  loginLockMs?: number;
  /** Failures older than this are forgotten. Default 15 min. */
  loginFailWindowMs?: number;
  /** Where phones send SIP, as put in their credentials and provisioning. */
  publicSipAddress: SipServerAddress;
  /** The SIP domain of the phones' identities (sip:201@domain). */
  domain: string;
  /** The registrar's digest realm, when phones should be told it. */
  realm?: string;
  /** Base of provisioning links, e.g. http://192.168.1.10:8080; default: the address the API listens on. */
  publicUrl?: string;
  log: Logger;
  now?: () => number;
  tokenTtlMs?: number;
  provisioningLinkTtlMs?: number;
  /** How often the board looks at its leases. Default 250 ms. */
  tickMs?: number;
  /** How often consoles' connections are pinged at the WebSocket level. Default 15 s. */
  pingMs?: number;
}

export interface ApiServer {
  address: string;
  port: number;
  /** http://address:port */
  url: string;
  /** Pushes the waiting callers to every console. */
  publishQueue(callers: QueuedCaller[]): void;
  close(): Promise<void>;
}

/** The largest WebSocket message a console may send; bigger ones close the connection (1009). */
export const maxMessageBytes = 64 * 1024;
const maxBodyBytes = 16 * 1024;
const pruneEveryMs = 60_000;
const wildcardHosts = new Set(['0.0.0.0', '::', '']);

const counters = () => ({ loginsOk: 0, loginsFailed: 0, loginsLocked: 0 });

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: HttpErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export async function createApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { board, users, phones, registrations } = options;
  const now = options.now ?? Date.now;
  const log = options.log.child({ component: 'api' });
  if (options.leaseMs !== undefined && options.leaseMs !== board.leaseMs) {
    throw new Error(`leaseMs ${options.leaseMs} differs from the station board's lease ${board.leaseMs}`);
  }
  for (const [name, value] of Object.entries({
    loginFailLimit: options.loginFailLimit,
    loginLockMs: options.loginLockMs,
    loginFailWindowMs: options.loginFailWindowMs,
    tokenTtlMs: options.tokenTtlMs,
    provisioningLinkTtlMs: options.provisioningLinkTtlMs,
    tickMs: options.tickMs,
    pingMs: options.pingMs,
  })) {
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) throw new RangeError(`${name} must be a positive number, got ${value}`);
  }
  board.followRegistrations(registrations);

  const startedAt = now();
  const tokens = new LoginTokens({ now, ttlMs: options.tokenTtlMs ?? defaultTokenTtlMs });
  const throttle = new LoginThrottle({
    now,
    limit: options.loginFailLimit ?? 5,
    lockMs: options.loginLockMs ?? 5 * 60_000,
    windowMs: options.loginFailWindowMs ?? 15 * 60_000,
  });
  const links = new ProvisioningLinks({ now, ttlMs: options.provisioningLinkTtlMs ?? defaultLinkTtlMs });
  const sockets = new StationSockets({ board, phones, users, tokens, log });
  const count = counters();

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (error instanceof HttpError) return sendError(res, error);
      log.error({ err: error, method: req.method, path: pathOf(req) }, 'API request failed');
      sendError(res, new HttpError(500, 'internal', 'the switchboard could not handle the request'));
    });
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxMessageBytes });
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    try {
      upgrade(req, socket, head);
    } catch (error) {
      log.error({ err: error }, 'WebSocket upgrade failed');
      refuseUpgrade(socket, 500, 'internal', 'the switchboard could not open the connection');
    }
  });

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = parseUrl(req);
    if (url?.pathname !== '/ws') return refuseUpgrade(socket, 404, 'not-found', 'WebSockets are at /ws');
    const token = url.searchParams.get('token') ?? bearerToken(req);
    const signedIn = token ? signedInUser(token) : undefined;
    if (!signedIn) return refuseUpgrade(socket, 401, 'unauthorized', 'open /ws with a login token');
    wss.handleUpgrade(req, socket, head, (ws) => sockets.accept(ws, signedIn.session, signedIn.user, req.socket.remoteAddress));
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = parseUrl(req);
    if (!url) throw new HttpError(400, 'bad-request', 'unreadable request target');
    const path = url.pathname;
    if (path === '/health') return only(req, 'GET', () => health(res));
    if (path === '/metrics') return only(req, 'GET', () => metrics(res, url.searchParams.get('reset') === '1'));
    if (path === '/api/login') return only(req, 'POST', () => login(req, res));
    if (path === '/api/logout') return only(req, 'POST', () => logout(req, res));
    if (path === '/api/phones') return only(req, 'GET', () => phoneList(req, res));
    const linkFor = /^\/api\/phones\/([^/]+)\/provisioning-link$/.exec(path);
    if (linkFor) return only(req, 'GET', () => provisioningLink(req, res, decodeURIComponent(linkFor[1]!)));
    const provision = /^\/provision\/([^/]+)$/.exec(path);
    if (provision) return only(req, 'GET', () => provisioningDocument(req, res, provision[1]!));
    throw new HttpError(404, 'not-found', 'no such resource');
  }

  async function login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJson(req);
    const { login, password } = (body ?? {}) as Record<string, unknown>;
    if (typeof login !== 'string' || typeof password !== 'string' || login.length === 0 || login.length > 128 || password.length > 1024) {
      throw new HttpError(400, 'bad-request', 'send {"login": "...", "password": "..."}');
    }
    const address = req.socket.remoteAddress ?? 'unknown';
    const keys = [`login:${login.toLowerCase()}`, `address:${address}`];
    const wait = throttle.lockedFor(keys);
    if (wait > 0) {
      count.loginsLocked++;
      log.warn({ login, address }, 'login refused: locked out after failed attempts');
      throw new HttpError(429, 'locked-out', 'too many failed logins; try again later', {
        'Retry-After': String(Math.ceil(wait / 1000)),
      });
    }
    const user = await users.verify(login, password);
    if (!user) {
      throttle.fail(keys);
      count.loginsFailed++;
      log.info({ login, address }, 'login failed');
      throw new HttpError(401, 'unauthorized', 'wrong login or password');
    }
    throttle.succeed(keys[0]!);
    count.loginsOk++;
    const { token, session } = tokens.issue(user.login);
    log.info({ login: user.login, address }, 'logged in');
    const response: LoginResponse = { token, expiresAt: session.expiresAt, user: publicUser(user) };
    sendJson(res, 200, response);
  }

  async function logout(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { session, user } = authenticate(req);
    tokens.revoke(session);
    sockets.endLoginSession(session.id, 'logged out');
    log.info({ login: user.login }, 'logged out');
    res.writeHead(204, { 'Cache-Control': 'no-store' }).end();
  }

  async function phoneList(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { user } = authorize(req, 'configure');
    const base = publicBase(req);
    const list: PhoneCredentials[] = phones.list().map((phone) => ({
      extension: phone.extension,
      password: phone.password,
      displayName: phone.displayName,
      kind: phone.kind,
      sipServer: { ...options.publicSipAddress },
      domain: options.domain,
      provisioning: issueLink(phone.extension, base),
    }));
    log.info({ login: user.login, phones: list.length }, 'phone credentials shown');
    const response: PhonesResponse = { phones: list };
    sendJson(res, 200, response);
  }

  async function provisioningLink(req: IncomingMessage, res: ServerResponse, extension: string): Promise<void> {
    const { user } = authorize(req, 'configure');
    if (!phones.getPhone(extension)) throw new HttpError(404, 'not-found', `no phone has extension ${extension}`);
    const link = issueLink(extension, publicBase(req));
    log.info({ login: user.login, extension, expiresAt: link.expiresAt }, 'provisioning link issued');
    sendJson(res, 200, link);
  }

  function issueLink(extension: string, base: string): ProvisioningLink {
    const { token, expiresAt } = links.issue(extension);
    const url = `${base}/provision/${token}`;
    return { url, expiresAt, qr: url };
  }

  async function provisioningDocument(req: IncomingMessage, res: ServerResponse, token: string): Promise<void> {
    const link = links.lookup(token);
    if (!link) throw new HttpError(404, 'not-found', 'no such provisioning link');
    if (link.expired) throw new HttpError(410, 'gone', 'this provisioning link has expired; ask for a new one');
    const phone = phones.getPhone(link.extension);
    if (!phone) throw new HttpError(410, 'gone', 'this phone no longer exists');
    log.info({ extension: phone.extension, address: req.socket.remoteAddress }, 'phone fetched its provisioning');
    const xml = linphoneConfig({
      phone,
      sipServer: options.publicSipAddress,
      domain: options.domain,
      ...(options.realm !== undefined && { realm: options.realm }),
    });
    res.writeHead(200, {
      'Content-Type': 'application/xml; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    res.end(xml);
  }

  function health(res: ServerResponse): void {
    const stations = board.snapshot();
    const body: HealthResponse = {
      status: 'ok',
      stations: stations.length,
      eligibleStations: stations.filter((s) => s.eligibility.eligible).length,
      consoles: sockets.count,
      uptimeSeconds: Math.round((now() - startedAt) / 1000),
    };
    sendJson(res, 200, body);
  }

  /** reset: the event-loop delay max starts again after this scrape (the benchmark reads it per step). */
  function metrics(res: ServerResponse, reset: boolean): void {
    const stations = board.snapshot();
    const byReason = new Map<string, number>(ineligibleReasons.map((reason) => [reason, 0]));
    for (const station of stations) {
      if (!station.eligibility.eligible) byReason.set(station.eligibility.reason, byReason.get(station.eligibility.reason)! + 1);
    }
    const byState: Record<RegistrationState, number> = { registered: 0, unreachable: 0, none: 0 };
    for (const phone of phones.list()) byState[registrations.state(phone.extension)]++;
    const text = renderMetrics([
      { name: 'dispatcher_stations', help: 'Stations on the board.', type: 'gauge', samples: [{ value: stations.length }] },
      {
        name: 'dispatcher_stations_eligible',
        help: 'Stations that may be offered a caller now.',
        type: 'gauge',
        samples: [{ value: stations.filter((s) => s.eligibility.eligible).length }],
      },
      {
        name: 'dispatcher_stations_ineligible',
        help: 'Stations that may not be offered a caller, by reason.',
        type: 'gauge',
        samples: [...byReason].map(([reason, value]) => ({ labels: { reason }, value })),
      },
      { name: 'dispatcher_console_connections', help: 'Open console WebSocket connections.', type: 'gauge', samples: [{ value: sockets.count }] },
      {
        name: 'dispatcher_logins_total',
        help: 'Login attempts by result.',
        type: 'counter',
        samples: [
          { labels: { result: 'ok' }, value: count.loginsOk },
          { labels: { result: 'failed' }, value: count.loginsFailed },
          { labels: { result: 'locked' }, value: count.loginsLocked },
        ],
      },
      {
        name: 'dispatcher_phone_registrations',
        help: 'Phones by registration state.',
        type: 'gauge',
        samples: Object.entries(byState).map(([state, value]) => ({ labels: { state }, value })),
      },
      ...runtime.families({ resetMax: reset }),
    ]);
    res.writeHead(200, { 'Content-Type': metricsContentType }).end(text);
  }

  function signedInUser(token: string): { session: LoginSession; user: User } | undefined {
    const session = tokens.resolve(token);
    const user = session && users.getUser(session.login);
    return session && user ? { session, user } : undefined;
  }

  function authenticate(req: IncomingMessage): { session: LoginSession; user: User } {
    const token = bearerToken(req);
    const signedIn = token ? signedInUser(token) : undefined;
    if (!signedIn) {
      throw new HttpError(401, 'unauthorized', 'log in and send the token as "Authorization: Bearer <token>"', {
        'WWW-Authenticate': 'Bearer',
      });
    }
    return signedIn;
  }

  function authorize(req: IncomingMessage, role: 'configure' | 'dispatcher'): { session: LoginSession; user: User } {
    const signedIn = authenticate(req);
    if (!signedIn.user.roles.includes(role)) {
      log.warn({ login: signedIn.user.login, path: pathOf(req) }, `refused: needs the ${role} role`);
      throw new HttpError(403, 'forbidden', `this needs the ${role} permission`);
    }
    return signedIn;
  }

  let listening: AddressInfo;
  function publicBase(req: IncomingMessage): string {
    if (options.publicUrl) return options.publicUrl.replace(/\/+$/, '');
    if (!wildcardHosts.has(listening.address)) return `http://${hostForUrl(listening.address)}:${listening.port}`;
    // Listening everywhere: the address the configuring user reached us at is the best guess.
    const host = req.headers.host;
    if (host && /^[A-Za-z0-9.:[\]-]+$/.test(host)) return `http://${host}`;
    return `http://127.0.0.1:${listening.port}`;
  }

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: options.host, port: options.port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    sockets.closeAll();
    throw error;
  }
  server.on('error', (error) => log.error({ err: error }, `API server error: ${error.message}`));
  listening = server.address() as AddressInfo;

  const runtime = startRuntimeMetrics();
  const timers = [
    setInterval(() => board.tick(), options.tickMs ?? 250),
    setInterval(() => sockets.pingAll(), options.pingMs ?? 15_000),
    setInterval(() => {
      tokens.prune();
      throttle.prune();
      links.prune();
    }, pruneEveryMs),
  ];
  const url = `http://${hostForUrl(listening.address)}:${listening.port}`;
  log.info({ api: { address: listening.address, port: listening.port } }, `console API listening on ${url}`);

  let closing: Promise<void> | undefined;
  return {
    address: listening.address,
    port: listening.port,
    url,
    publishQueue: (callers) => sockets.publishQueue(callers),
    close() {
      closing ??= (async () => {
        for (const timer of timers) clearInterval(timer);
        runtime.stop();
        sockets.closeAll();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        // Give consoles a moment to answer the close handshake, then cut what is left.
        if (sockets.count > 0) await new Promise((resolve) => setTimeout(resolve, 100));
        sockets.terminateAll();
        wss.close();
        server.closeAllConnections();
        await closed;
        log.info('console API closed');
      })();
      return closing;
    },
  };
}

function only(req: IncomingMessage, method: 'GET' | 'POST', handle: () => void | Promise<void>): void | Promise<void> {
  if (req.method === method || (method === 'GET' && req.method === 'HEAD')) return handle();
  throw new HttpError(405, 'method-not-allowed', `use ${method}`, { Allow: method === 'GET' ? 'GET, HEAD' : method });
}

function parseUrl(req: IncomingMessage): URL | undefined {
  const target = req.url ?? '/';
  if (!target.startsWith('/')) return undefined;
  try {
    // Concatenated, not resolved against a base: "//host/x" stays a path.
    return new URL(`http://api.invalid${target}`);
  } catch {
    return undefined;
  }
}

/** The path for logs, without provisioning tokens: they are secrets. */
function pathOf(req: IncomingMessage): string {
  return (parseUrl(req)?.pathname ?? '?').replace(/^\/provision\/.*/, '/provision/…');
}

function bearerToken(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length']) > maxBodyBytes) return reject(tooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBodyBytes) return void chunks.push(chunk);
      // Not destroyed: the answer still has to go out on this connection.
      req.off('data', onData).off('end', onEnd).resume();
      reject(tooLarge());
    };
    const onEnd = () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new HttpError(400, 'bad-json', 'the request body is not JSON'));
      }
    };
    req.on('data', onData).on('end', onEnd).on('error', reject);
  });
}

function tooLarge(): HttpError {
  // The rest of the body is not read: the connection closes after the answer.
  return new HttpError(413, 'too-large', `request bodies are limited to ${maxBodyBytes} bytes`, { Connection: 'close' });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  res.end(text);
}

function sendError(res: ServerResponse, error: HttpError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body: HttpErrorBody = { error: error.code, message: error.message };
  sendJson(res, error.status, body, error.headers);
}

function refuseUpgrade(socket: Duplex, status: number, code: HttpErrorCode, message: string): void {
  const body = JSON.stringify({ error: code, message } satisfies HttpErrorBody);
  const reason = { 401: 'Unauthorized', 404: 'Not Found', 500: 'Internal Server Error' }[status] ?? 'Error';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function publicUser(user: User): LoginResponse['user'] {
  return { login: user.login, displayName: user.displayName, roles: [...user.roles] };
}

function hostForUrl(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}
