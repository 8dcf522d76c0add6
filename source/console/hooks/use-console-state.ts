// The session's state for components: an immutable snapshot read with
// useSyncExternalStore, so a burst of switchboard messages renders once.
import { useSyncExternalStore } from 'react';
import type { StationSession } from '../client/session.js';
import type { ConsoleState } from '../client/state.js';

export function useConsoleState(session: StationSession): ConsoleState {
  return useSyncExternalStore(session.subscribe, session.getSnapshot);
}
