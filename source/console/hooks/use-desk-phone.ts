// The desk phone's state for a screen; 'idle' when the console has none.
import { useCallback, useSyncExternalStore } from 'react';
import type { DeskPhone, DeskPhoneState } from '../desk-phone.js';

const none = () => () => {};

export function useDeskPhone(phone: DeskPhone | undefined): DeskPhoneState {
  const subscribe = useCallback((listener: () => void) => (phone ? phone.onChange(listener) : none()), [phone]);
  const read = useCallback((): DeskPhoneState => phone?.state() ?? 'idle', [phone]);
  return useSyncExternalStore(subscribe, read, read);
}
