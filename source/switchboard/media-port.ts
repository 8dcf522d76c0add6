// What the switchboard needs from a media engine, in the words of its calls:
// a leg per SIP dialog, music on a leg, two legs bridged and recorded. The
// embedded engine (source/media) implements it; rtpengine could, at scale.

export interface MediaLeg {
  readonly id: string;
}

export interface Playback {
  stop(): void;
}

export interface Bridge {
  /** Stops relaying and finishes the recording, if any. */
  stop(): Promise<void>;
}

export type SoundName = 'hold' | 'test' | 'ring';

export interface SwitchboardMedia {
  /** A leg answering a remote offer; throws MediaError when the SDP has no usable audio (→ 488). */
  answer(remoteSdp: string): { leg: MediaLeg; localSdp: string };
  /** A leg making an offer; complete it with the remote answer. */
  offer(): { leg: MediaLeg; localSdp: string };
  complete(leg: MediaLeg, remoteSdp: string): void;
  play(leg: MediaLeg, sound: SoundName, opts: { loop: boolean; limitMs?: number; onEnd?: () => void }): Playback;
  /** Relays a <-> b; with `recordTo`, a stereo WAV: a left, b right. */
  bridge(a: MediaLeg, b: MediaLeg, recordTo?: string): Bridge;
  release(leg: MediaLeg): void;
  close(): Promise<void>;
}

export class MediaError extends Error {
  override name = 'MediaError';
}
