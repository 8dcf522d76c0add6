// What the console and the switchboard's API say to each other: the HTTP
// bodies and the WebSocket messages, as types both sides import, plus the one
// runtime check of what a console sends over the WebSocket. The socket is
// opened with the login token (`/ws?token=…` or `Authorization: Bearer …`), so
// there is no hello: the first message a console sends is usually `bind`.
import type { Role } from '../store/types.js';
import type { IneligibleReason, StationCall } from '../switchboard/stations.js';
import type { RegistrationState } from '../switchboard/registration-state.js';

export type { IneligibleReason, RegistrationState, StationCall };

// ---- HTTP ----------------------------------------------------------------

export interface LoginRequest {
  login: string;
  password: string;
}

export interface SignedInUser {
  login: string;
  displayName: string;
  roles: Role[];
}

export interface LoginResponse {
  /** Send as `Authorization: Bearer <token>`, and as `?token=` when opening /ws. */
  token: string;
  expiresAt: number;
  user: SignedInUser;
}

export interface SipServerAddress {
  host: string;
  port: number;
  transport: 'udp' | 'tcp';
}

export interface ProvisioningLink {
  url: string;
  expiresAt: number;
  /** What to encode in the QR code for the Android SIP app: the URL itself. */
  qr: string;
}

/** GET /api/phones, for users with the `configure` role only. */
export interface PhoneCredentials {
  extension: string;
  password: string;
  displayName: string;
  kind: 'headset' | 'desk' | 'android';
  sipServer: SipServerAddress;
  domain: string;
  provisioning: ProvisioningLink;
}

export interface PhonesResponse {
  phones: PhoneCredentials[];
}

export interface HealthResponse {
  status: 'ok';
  stations: number;
  eligibleStations: number;
  consoles: number;
  uptimeSeconds: number;
}

export type HttpErrorCode =
  | 'bad-json'
  | 'bad-request'
  | 'too-large'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'gone'
  | 'method-not-allowed'
  | 'locked-out'
  | 'internal';

/** Every HTTP error answers with this body. */
export interface HttpErrorBody {
  error: HttpErrorCode;
  message: string;
}

// ---- WebSocket: console -> switchboard ----------------------------------

export type ClientMessage =
  /** Hold this extension as this console's station. */
  | { type: 'bind'; extension: string; takeover?: boolean }
  | { type: 'ready' }
  | { type: 'pause'; reason: string }
  /** Renews the station's lease; send every `heartbeatMs` (see `welcome`). */
  | { type: 'heartbeat' }
  | { type: 'unbind' };

export type ClientMessageType = ClientMessage['type'];

// ---- WebSocket: switchboard -> console ----------------------------------

/** One station as consoles see it. */
export interface StationState {
  extension: string;
  /** Who holds the station, if a console does. */
  console: { login: string; displayName: string; alive: boolean } | null;
  ready: boolean;
  pauseReason: string | null;
  registration: RegistrationState;
  inCall: boolean;
  /** The call in progress: passenger's number, since when, recorded or not; null when idle. */
  call: StationCall | null;
  wrapUpUntil: number | null;
  eligible: boolean;
  /** Why not eligible; null when eligible. */
  reason: IneligibleReason | null;
}

/** A caller waiting in the queue. The call distribution fills this in. */
export interface QueuedCaller {
  id: string;
  /** Caller's number as the trunk gave it, when known. */
  from: string | null;
  waitingSince: number;
  /** Extensions ringing for this caller now; empty while the caller waits. */
  ringing: string[];
}

export type RefusalReason =
  /** No phone has this extension. */
  | 'unknown-extension'
  /** Another console holds the station; bind again with `takeover: true` to take it. */
  | 'taken'
  /** Only users with the `dispatcher` role work at stations. */
  | 'not-a-dispatcher';

export type SocketErrorCode =
  | 'bad-json'
  | 'bad-message'
  | 'unknown-type'
  | 'not-bound'
  | 'session-expired'
  | 'internal';

export type ServerMessage =
  /** First message on every connection. */
  | { type: 'welcome'; user: SignedInUser; leaseMs: number; heartbeatMs: number }
  | { type: 'bound'; station: StationState }
  | { type: 'refused'; extension: string; reason: RefusalReason; heldBy?: { login: string; displayName: string } }
  /** This console's station changed. */
  | { type: 'station'; station: StationState }
  /** Any station changed: all of them. */
  | { type: 'stations'; stations: StationState[] }
  | { type: 'queue'; callers: QueuedCaller[] }
  | { type: 'error'; code: SocketErrorCode; message: string }
  /** Another console took this station; the switchboard closes this connection next. */
  | { type: 'taken-over'; extension: string; by: { login: string; displayName: string } }
  /** The console no longer holds a station (after `unbind`). */
  | { type: 'unbound'; extension: string };

export type ServerMessageType = ServerMessage['type'];

/** WebSocket close codes the switchboard uses besides the standard ones (1009: frame too large). */
export const closeCodes = {
  takenOver: 4001,
  /** Logged out, token expired or the user is gone: log in again. */
  sessionEnded: 4401,
} as const;

// ---- Validation ----------------------------------------------------------

export const limits = {
  /** Extensions are short dial strings. */
  extension: /^[0-9A-Za-z*#+._-]{1,32}$/,
  pauseReasonLength: 200,
} as const;

export type ParseResult =
  | { ok: true; message: ClientMessage }
  | { ok: false; code: 'bad-json' | 'bad-message' | 'unknown-type'; message: string };

/** Checks one text frame from a console. Unknown fields are ignored; wrong ones are refused. */
export function parseClientMessage(text: string): ParseResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, code: 'bad-json', message: 'the message is not JSON' };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return bad('a message is a JSON object with a "type"');
  }
  const fields = data as Record<string, unknown>;
  const type = fields.type;
  if (typeof type !== 'string') return bad('a message is a JSON object with a "type"');
  switch (type) {
    case 'bind': {
      const { extension, takeover } = fields;
      if (typeof extension !== 'string' || !limits.extension.test(extension)) {
        return bad('bind needs "extension": up to 32 digits, letters or *#+._-');
      }
      if (takeover !== undefined && typeof takeover !== 'boolean') return bad('"takeover" is true or false');
      return { ok: true, message: takeover === undefined ? { type, extension } : { type, extension, takeover } };
    }
    case 'pause': {
      const { reason } = fields;
      if (typeof reason !== 'string' || reason.length > limits.pauseReasonLength) {
        return bad(`pause needs "reason": text of at most ${limits.pauseReasonLength} characters`);
      }
      return { ok: true, message: { type, reason: reason.trim() } };
    }
    case 'ready':
    case 'heartbeat':
    case 'unbind':
      return { ok: true, message: { type } };
    default:
      return { ok: false, code: 'unknown-type', message: `unknown message type "${type.slice(0, 40)}"` };
  }
}

function bad(message: string): ParseResult {
  return { ok: false, code: 'bad-message', message };
}
