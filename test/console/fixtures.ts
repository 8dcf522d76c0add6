// Plain values the console's unit tests build states from.
import type { StationState } from '../../source/api/messages.js';

/** A station as the switchboard sends it: unbound, paused, registered, unless told otherwise. */
export function station(extension: string, fields: Partial<StationState> = {}): StationState {
  return {
    extension,
    console: null,
    ready: false,
    pauseReason: null,
    registration: 'registered',
    inCall: false,
    call: null,
    wrapUpUntil: null,
    eligible: false,
    reason: 'no-console',
    ...fields,
  };
}
