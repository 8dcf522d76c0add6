// A drachtio-srf application for a test: created, given its handlers, then
// connected to the server under test. connectApp resolves only when the
// server has authenticated the app and acknowledged every route the handlers
// asked for, so SIP traffic started afterwards reaches the app.
import Srf from 'drachtio-srf';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';

/** The switchboard's SDP in the tests' answers and offers (no media is sent). */
export const SWITCHBOARD_SDP = [
  'v=0',
  'o=switchboard 3003 1 IN IP4 127.0.0.1',
  's=switchboard',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 40004 RTP/AVP 0 8',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=sendrecv',
  '',
].join('\r\n');

export interface ControlTarget {
  host: string;
  port: number;
  secret: string;
}

export interface TestApp {
  srf: Srf;
  /** 'error' events the connection raised after it was up. */
  errors: Error[];
  /** Closes the app's control connection (no reconnect) and waits for it to close. */
  disconnect(): Promise<void>;
}

// drachtio-srf keeps these private; reading them is the only way to know the
// server answered our `route` requests (see lib/drachtio-agent.js, routeVerbs).
interface SrfInternals {
  _app: {
    routedMethods: Record<string, boolean>;
    client?: {
      wp: NodeJS.EventEmitter & { closing?: boolean; reconnectVars?: { retryTimer?: NodeJS.Timeout | null } };
      mapServer: Map<unknown, unknown>;
    };
  };
}

/**
 * Creates an Srf app, lets `setup` install its handlers (srf.invite(...),
 * srf.use('options', ...)), then connects it.
 */
export async function connectApp(
  target: ControlTarget,
  setup: (srf: Srf) => void = () => {},
  opts: { tags?: string[]; timeoutMs?: number } = {},
): Promise<TestApp> {
  const srf = opts.tags ? new Srf(opts.tags) : new Srf();
  setup(srf);
  const internals = srf as unknown as SrfInternals;
  const routes = Object.keys(internals._app.routedMethods).length;
  const errors: Error[] = [];

  let acknowledged = 0;
  let refused: string | undefined;
  let onFrame = () => {};
  const nextFrame = () =>
    new Promise<void>((resolve) => {
      onFrame = resolve;
    });

  let up = false;
  const connected = new Promise<void>((resolve, reject) => {
    // One listener for the app's whole life: an unhandled 'error' would throw.
    srf.on('error', (err: Error) => {
      if (up) errors.push(err);
      else reject(new Error(`app could not connect to ${target.host}:${target.port}: ${err.message}`));
    });
    srf.once('connect', (err: Error | null) => {
      if (err) reject(new Error(`app was refused by the server: ${err.message}`));
      else resolve();
    });
  });
  // Rejections surface through the awaits below.
  connected.catch(() => {});

  void srf.connect({ host: target.host, port: target.port, secret: target.secret });
  const client = internals._app.client!;
  // Frames are `<uuid>|response|<request id>|OK|...`; the first answers
  // `authenticate`, the next ones the `route` requests sent right after it.
  client.wp.on('msg', (_socket: unknown, msg: string) => {
    const end = msg.indexOf('\r\n');
    const fields = (end === -1 ? msg : msg.slice(0, end)).split('|');
    if (fields[1] !== 'response') return;
    if (fields[3] === 'OK') acknowledged++;
    else refused ??= fields.slice(3).join('|');
    onFrame();
  });

  async function disconnect(): Promise<void> {
    // No reconnect attempts from here on, even if the server already went
    // away (they would keep the test process alive; see wire-protocol.js).
    client.wp.closing = true;
    if (client.wp.reconnectVars?.retryTimer) clearTimeout(client.wp.reconnectVars.retryTimer);
    if (client.mapServer.size === 0) return;
    const closed = once(srf, 'close');
    try {
      srf.disconnect();
    } catch {
      return; // socket already gone
    }
    await Promise.race([closed, delay(2_000, undefined, { ref: false })]);
  }

  const timeoutMs = opts.timeoutMs ?? 5_000;
  const deadline = Date.now() + timeoutMs;
  try {
    await Promise.race([
      connected,
      delay(timeoutMs, undefined, { ref: false }).then(() => {
        throw new Error(`app did not connect to ${target.host}:${target.port} in time`);
      }),
    ]);
    up = true;
    while (acknowledged < 1 + routes) {
      if (refused) throw new Error(`server refused a request of the app: ${refused}`);
      if (Date.now() > deadline) {
        throw new Error(`server acknowledged ${acknowledged - 1} of ${routes} routes of the app`);
      }
      await Promise.race([nextFrame(), delay(20, undefined, { ref: false })]);
    }
  } catch (err) {
    await disconnect();
    throw err;
  }

  return { srf, errors, disconnect };
}

export interface OutOfDialogRequest {
  method: string;
  headers?: Record<string, string>;
  body?: string;
  auth?: { username: string; password: string };
}

/**
 * Sends a request outside any dialog through the app (srf.request) and
 * resolves with its final response; drachtio-srf answers digest challenges
 * itself when `auth` is given.
 */
export function sendRequest(srf: Srf, uri: string, opts: OutOfDialogRequest): Promise<Srf.SrfResponse> {
  return new Promise((resolve, reject) => {
    // The typings of Srf#request do not describe the (uri, opts, callback) form.
    const request = srf.request as unknown as (
      uri: string,
      opts: OutOfDialogRequest,
      cb: (err: Error | null, req: Srf.SrfRequest) => void,
    ) => void;
    request.call(srf, uri, { ...opts }, (err, req) => {
      if (err) return reject(err);
      req.on('response', (res?: Srf.SrfResponse) => {
        if (res && res.status >= 200) resolve(res);
      });
    });
  });
}
