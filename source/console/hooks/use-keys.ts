// useInput, gated as every input hook of the console must be: Ink only knows
// `false` as "no raw mode", and a console started without a terminal must not
// crash on setRawMode.
import { useInput, useStdin, type Key } from 'ink';

export function useKeys(handler: (input: string, key: Key) => void, active = true): void {
  const { isRawModeSupported } = useStdin();
  useInput(handler, { isActive: active && isRawModeSupported === true });
}
