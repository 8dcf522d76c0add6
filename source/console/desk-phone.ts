// An optional "desk phone" the console can drive with keys: a phone in the
// same process (the demo's own station phone) that rings, is answered with
// `a` and hung up with `h`. The normal console has none: a real station's
// phone is a separate device the dispatcher picks up by hand.
export type DeskPhoneState = 'idle' | 'ringing' | 'talking';

export interface DeskPhone {
  /** The extension it is registered as, for the hint. */
  readonly extension: string;
  state(): DeskPhoneState;
  /** Calls `listener` on every state change; returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
  /** Picks up a ringing call; nothing otherwise. */
  answer(): void;
  /** Hangs up the call in progress, or declines one that rings; nothing when idle. */
  hangUp(): void;
}
