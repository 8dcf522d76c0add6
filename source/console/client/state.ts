// The console's picture of the switchboard as a plain reducer: connection
// events and switchboard messages in, an immutable state out. The screens and
// the headless event log read it; the WebSocket session feeds it. No I/O and
// no clock here, so every transition is a unit test.
import type { QueuedCaller, RefusalReason, ServerMessage, SignedInUser, StationState } from '../../api/messages.js';

/** The pause reason the switchboard sets by itself after unanswered offers. */
export const missedCallsReason = 'missed-calls';
/** The reason the console sends when the dispatcher pauses. */
export const breakReason = 'break';
/** Reasons a dispatcher picks with the keys 1-4 while paused, in key order; shown to every console. */
export const pauseChoices = [breakReason, 'paperwork', 'training', 'meeting'] as const;

export type Link =
  | { state: 'connecting'; attempt: number }
  | { state: 'connected' }
  /** Down; the next attempt at `retryAt` (ms since the epoch), unless given up. */
  | { state: 'disconnected'; attempt: number; retryAt: number | null };

export interface ConsoleState {
  link: Link;
  user: SignedInUser | null;
  heartbeatMs: number | null;
  /** The extension this console wants to hold (from the settings); null: watch only. */
  extension: string | null;
  /** This console holds `extension` on the switchboard now. */
  bound: boolean;
  /** The own station as the switchboard last said. */
  station: StationState | null;
  /** Every station, from the last `stations` broadcast. */
  stations: StationState[];
  callers: QueuedCaller[];
  /** What the dispatcher chose; sent again after every reconnect. */
  wantReady: boolean;
  refusal: { extension: string; reason: RefusalReason; heldBy: { login: string; displayName: string } | null } | null;
  takenOverBy: { login: string; displayName: string } | null;
  /** The login token is no longer accepted: log in again. */
  sessionEnded: boolean;
  lastError: { code: string; message: string } | null;
}

export type ConsoleEvent =
  | { type: 'connecting'; attempt: number }
  | { type: 'opened' }
  | { type: 'closed'; attempt: number; retryAt: number | null }
  | { type: 'server'; message: ServerMessage }
  | { type: 'choose-ready'; ready: boolean }
  | { type: 'choose-extension'; extension: string | null }
  | { type: 'session-ended' };

export function initialState(extension: string | null, wantReady: boolean): ConsoleState {
  return {
    link: { state: 'connecting', attempt: 0 },
    user: null,
    heartbeatMs: null,
    extension,
    bound: false,
    station: null,
    stations: [],
    callers: [],
    wantReady,
    refusal: null,
    takenOverBy: null,
    sessionEnded: false,
    lastError: null,
  };
}

export function reduce(state: ConsoleState, event: ConsoleEvent): ConsoleState {
  switch (event.type) {
    case 'connecting':
      return { ...state, link: { state: 'connecting', attempt: event.attempt } };
    case 'opened':
      return { ...state, link: { state: 'connected' } };
    case 'closed':
      // The station is no longer ours on the switchboard's side either: a
      // closed connection releases it there at once.
      return { ...state, link: { state: 'disconnected', attempt: event.attempt, retryAt: event.retryAt }, bound: false };
    case 'choose-ready':
      return { ...state, wantReady: event.ready };
    case 'choose-extension':
      return { ...state, extension: event.extension, bound: false, station: null, refusal: null };
    case 'session-ended':
      return { ...state, sessionEnded: true, bound: false, link: { state: 'disconnected', attempt: 0, retryAt: null } };
    case 'server':
      return receive(state, event.message);
  }
}

function receive(state: ConsoleState, message: ServerMessage): ConsoleState {
  switch (message.type) {
    case 'welcome':
      return { ...state, user: message.user, heartbeatMs: message.heartbeatMs, lastError: null };
    case 'bound':
      if (message.station.extension !== state.extension) return state;
      return { ...state, bound: true, station: message.station, refusal: null, takenOverBy: null };
    case 'station': {
      if (message.station.extension !== state.extension) return state;
      const station = message.station;
      // The switchboard paused us for unanswered calls: the dispatcher has to
      // come back on purpose, and a reconnect must not make the station ready again.
      const wantReady = !station.ready && station.pauseReason === missedCallsReason ? false : state.wantReady;
      return { ...state, station, wantReady };
    }
    case 'stations': {
      const own = state.extension === null ? undefined : message.stations.find((s) => s.extension === state.extension);
      // The broadcast may be newer than the last `station`; keep the own view
      // fresh from it only while we hold the station.
      return { ...state, stations: message.stations, station: own && state.bound ? own : state.station };
    }
    case 'queue':
      return { ...state, callers: message.callers };
    case 'refused':
      return {
        ...state,
        bound: false,
        refusal: { extension: message.extension, reason: message.reason, heldBy: message.heldBy ?? null },
      };
    case 'taken-over':
      return { ...state, bound: false, takenOverBy: message.by };
    case 'unbound':
      return message.extension === state.extension ? { ...state, bound: false } : state;
    case 'error':
      return { ...state, lastError: { code: message.code, message: message.message } };
  }
}

/** The callers being offered to this station right now. */
export function ringingHere(state: ConsoleState): QueuedCaller[] {
  const extension = state.extension;
  if (extension === null || !state.bound) return [];
  return state.callers.filter((caller) => caller.ringing.includes(extension));
}

/** Other stations than this console's own. */
export function otherStations(state: ConsoleState): StationState[] {
  return state.stations.filter((s) => s.extension !== state.extension);
}
