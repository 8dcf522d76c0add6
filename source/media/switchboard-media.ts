// The embedded engine behind the switchboard's media port
// (source/switchboard/media-port.ts): a leg is an RtpEndpoint, and SDP the
// engine cannot use becomes the port's MediaError, which the switchboard
// answers with 488. The one file here that knows the switchboard's words.
import { MediaError, type Bridge, type MediaLeg, type Playback, type SoundName, type SwitchboardMedia } from '../switchboard/media-port.js';
import { MediaEngine, MediaEngineError, type MediaEngineOptions } from './engine.js';
import { RtpEndpoint } from './endpoint.js';
import { SdpError } from './sdp.js';

export class EmbeddedMedia implements SwitchboardMedia {
  readonly engine: MediaEngine;

  constructor(engine: MediaEngine | MediaEngineOptions = {}) {
    this.engine = engine instanceof MediaEngine ? engine : new MediaEngine(engine);
  }

  /** Loads the sounds and binds the reserve ports (see MediaEngine.start). */
  start(): Promise<void> {
    return this.engine.start();
  }

  answer(remoteSdp: string): { leg: MediaLeg; localSdp: string } {
    const { endpoint, localSdp } = translate(() => this.engine.answer(remoteSdp));
    return { leg: endpoint, localSdp };
  }

  offer(): { leg: MediaLeg; localSdp: string } {
    const { endpoint, localSdp } = translate(() => this.engine.offer());
    return { leg: endpoint, localSdp };
  }

  complete(leg: MediaLeg, remoteSdp: string): void {
    translate(() => endpointOf(leg).complete(remoteSdp));
  }

  play(leg: MediaLeg, sound: SoundName, opts: { loop: boolean; limitMs?: number; onEnd?: () => void }): Playback {
    const onEnd = opts.onEnd;
    // The switchboard's onEnd means "the playback ran its course" (limit or end of sound), not stop() or a hang-up.
    return this.engine.play(endpointOf(leg), sound, {
      loop: opts.loop,
      limitMs: opts.limitMs,
      onEnd: onEnd && ((reason) => (reason === 'limit' || reason === 'finished') && onEnd()),
    });
  }

  bridge(a: MediaLeg, b: MediaLeg, recordTo?: string): Bridge {
    const bridge = this.engine.bridge(endpointOf(a), endpointOf(b), { recordTo });
    return { stop: async () => void (await bridge.stop()) };
  }

  release(leg: MediaLeg): void {
    if (leg instanceof RtpEndpoint) this.engine.release(leg);
  }

  close(): Promise<void> {
    return this.engine.close();
  }
}

function endpointOf(leg: MediaLeg): RtpEndpoint {
  if (!(leg instanceof RtpEndpoint) || leg.closed) throw new MediaError(`media leg ${leg.id} is not live`);
  return leg;
}

function translate<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof SdpError || err instanceof MediaEngineError) throw new MediaError((err as Error).message, { cause: err });
    throw err;
  }
}
