// Reading what the switchboard sends. The types are shared with the server
// (source/api/messages.ts), but a console must survive a switchboard of another
// version or a garbled frame: anything that does not have the expected shape
// is dropped here, before it reaches the state.
import type { QueuedCaller, ServerMessage, StationState } from '../../api/messages.js';

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === 'string';
const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const isPerson = (value: unknown): value is { login: string; displayName: string } =>
  isObject(value) && isString(value.login) && isString(value.displayName);

export function isStationState(value: unknown): value is StationState {
  if (!isObject(value)) return false;
  const { extension, ready, eligible, registration, call, pauseReason, wrapUpUntil } = value;
  if (!isString(extension) || typeof ready !== 'boolean' || typeof eligible !== 'boolean' || !isString(registration)) return false;
  if (pauseReason !== null && pauseReason !== undefined && !isString(pauseReason)) return false;
  if (wrapUpUntil !== null && wrapUpUntil !== undefined && !isNumber(wrapUpUntil)) return false;
  if (value.console !== null && value.console !== undefined && !isPerson(value.console)) return false;
  if (call !== null && call !== undefined) {
    if (!isObject(call) || !isString(call.kind) || !isString(call.peer) || !isNumber(call.since)) return false;
  }
  return true;
}

export function isQueuedCaller(value: unknown): value is QueuedCaller {
  if (!isObject(value)) return false;
  const { id, from, waitingSince, ringing } = value;
  return (
    isString(id) &&
    (from === null || isString(from)) &&
    isNumber(waitingSince) &&
    Array.isArray(ringing) &&
    ringing.every(isString)
  );
}

/** The message, or undefined when the frame is not one the console understands. */
export function parseServerMessage(text: string): ServerMessage | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(data) || !isString(data.type)) return undefined;
  const m = data;
  switch (m.type) {
    case 'welcome':
      return isObject(m.user) && isString(m.user.login) && Array.isArray(m.user.roles) && isNumber(m.heartbeatMs) && m.heartbeatMs > 0 && isNumber(m.leaseMs)
        ? (m as ServerMessage)
        : undefined;
    case 'bound':
    case 'station':
      return isStationState(m.station) ? (m as ServerMessage) : undefined;
    case 'stations':
      return Array.isArray(m.stations) ? ({ type: 'stations', stations: m.stations.filter(isStationState) } as ServerMessage) : undefined;
    case 'queue':
      return Array.isArray(m.callers) ? ({ type: 'queue', callers: m.callers.filter(isQueuedCaller) } as ServerMessage) : undefined;
    case 'refused':
      return isString(m.extension) && isString(m.reason) ? (m as ServerMessage) : undefined;
    case 'error':
      return isString(m.code) && isString(m.message) ? (m as ServerMessage) : undefined;
    case 'taken-over':
      return isString(m.extension) && isPerson(m.by) ? (m as ServerMessage) : undefined;
    case 'unbound':
      return isString(m.extension) ? (m as ServerMessage) : undefined;
    default:
      return undefined;
  }
}
