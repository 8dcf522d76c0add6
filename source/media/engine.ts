// The embedded media engine: owns the RTP port range, the one frame clock
// every call shares, the loaded sounds, and the live legs. The switchboard
// asks it for a leg per SIP dialog (answering an offer or making one), then
// plays sounds to legs, bridges pairs of them with an optional recording,
// and releases them.
//
// Ports: even numbers only (RTP convention, the odd one above is RTCP's,
// which we neither send nor need), handed out round-robin so a port just
// released is not reused at once (late packets of the old call would land in
// the new one). Answering must be synchronous for the SIP side, yet binding
// a UDP socket is not, so a few sockets are kept bound in reserve: a leg
// never advertises a port it does not hold. Ports another program holds are
// skipped.
import dgram from 'node:dgram';
import dns from 'node:dns';
import { isIP, isIPv6 } from 'node:net';
import { FrameClock, type ClockSource } from './frame-clock.js';
import { RtpEndpoint, type EndpointLog } from './endpoint.js';
import { Player, type PlayOptions } from './player.js';
import { Bridge, type BridgeOptions } from './bridge.js';
import { CallRecorder } from './recorder.js';
import { defaultSoundsDirectory, loadSound, Sound, soundFile, SOUND_NAMES, type SoundName } from './sound.js';
import { parseRemoteAudio } from './sdp.js';

export interface MediaEngineOptions {
  /** Address the RTP sockets bind to (default 127.0.0.1). */
  bindAddress?: string;
  /** Address written in our SDP (default: the bind address; required when binding to 0.0.0.0). */
  advertisedAddress?: string;
  /** RTP port range, inclusive (default 20000-20999). */
  ports?: { min: number; max: number };
  /** Folder with hold.wav, test.wav and ring.wav (default: the package's sounds/). */
  soundsDirectory?: string;
  /** Sockets kept bound in reserve for synchronous answers (default 4). */
  reserve?: number;
  /** Silence from the latched source after which another source may take over (default 2000 ms). */
  relatchAfterMs?: number;
  /** The shared clock; injectable for tests. */
  clock?: FrameClock;
  clockSource?: ClockSource;
  log?: EndpointLog & { error(obj: object, msg: string): void };
}

interface BoundSocket {
  socket: dgram.Socket;
  port: number;
}

export class MediaEngineError extends Error {
  override name = 'MediaEngineError';
}

export class MediaEngine {
  readonly bindAddress: string;
  readonly advertisedAddress: string;
  readonly clock: FrameClock;
  readonly soundsDirectory: string;
  readonly #log: MediaEngineOptions['log'];
  readonly #relatchAfterMs: number | undefined;
  readonly #reserveTarget: number;
  readonly #ports: PortRange;
  readonly #reserve: BoundSocket[] = [];
  readonly #endpoints = new Map<string, RtpEndpoint>();
  readonly #sounds = new Map<string, Sound>();
  readonly #now: () => number;
  #filling: Promise<void> | undefined;
  #nextId = 1;
  #closed = false;

  constructor(options: MediaEngineOptions = {}) {
    this.bindAddress = options.bindAddress ?? '127.0.0.1';
    const advertised = options.advertisedAddress ?? this.bindAddress;
    if (advertised === '0.0.0.0' || advertised === '::') throw new MediaEngineError('binding RTP to all interfaces needs an advertisedAddress for the SDP');
    this.advertisedAddress = advertised;
    const { min, max } = options.ports ?? { min: 20000, max: 20999 };
    this.#ports = new PortRange(min, max);
    this.#reserveTarget = Math.max(0, options.reserve ?? 4);
    this.#relatchAfterMs = options.relatchAfterMs;
    this.#log = options.log;
    this.clock =
      options.clock ??
      new FrameClock({
        source: options.clockSource,
        // A broken task must not take the other calls' audio down with it.
        onError: (err) => (this.#log ? this.#log.error({ err }, 'media frame task failed') : console.error('media frame task failed:', err)),
      });
    const source = options.clockSource;
    this.#now = source ? () => source.now() : () => performance.now();
    this.soundsDirectory = options.soundsDirectory ?? defaultSoundsDirectory();
  }

  /** Loads the sounds and binds the reserve sockets; optional, but makes the first answers instant and checks the sounds early. */
  async start(): Promise<void> {
    for (const name of SOUND_NAMES) this.sound(name);
    await this.#fillReserve();
  }

  /** Live legs. */
  get legCount(): number {
    return this.#endpoints.size;
  }

  get legs(): IterableIterator<RtpEndpoint> {
    return this.#endpoints.values();
  }

  leg(id: string): RtpEndpoint | undefined {
    return this.#endpoints.get(id);
  }

  /** A new leg on a port of its own; bound already, or binding (`ready` says when). */
  createEndpoint(): RtpEndpoint {
    if (this.#closed) throw new MediaEngineError('media engine is closed');
    const bound = this.#reserve.shift() ?? this.#bindNow();
    void this.#fillReserve();
    const endpoint = new RtpEndpoint({
      id: `rtp-${this.#nextId++}-${bound.port}`,
      socket: bound.socket,
      port: bound.port,
      advertisedAddress: this.advertisedAddress,
      ready: (bound as BoundSocket & { ready?: Promise<void> }).ready ?? Promise.resolve(),
      now: this.#now,
      relatchAfterMs: this.#relatchAfterMs,
      log: this.#log,
      onClose: (e) => {
        this.#endpoints.delete(e.id);
        this.#ports.release(e.port);
      },
    });
    this.#endpoints.set(endpoint.id, endpoint);
    return endpoint;
  }

  /** A leg answering `remoteSdp`. Throws SdpError (no port taken) when the offer has no usable audio. */
  answer(remoteSdp: string): { endpoint: RtpEndpoint; localSdp: string } {
    parseRemoteAudio(remoteSdp);
    const endpoint = this.createEndpoint();
    try {
      return { endpoint, localSdp: endpoint.answer(remoteSdp) };
    } catch (err) {
      this.release(endpoint);
      throw err;
    }
  }

  /** A leg making an offer; pass the answer to `endpoint.complete()`. */
  offer(): { endpoint: RtpEndpoint; localSdp: string } {
    const endpoint = this.createEndpoint();
    return { endpoint, localSdp: endpoint.offer() };
  }

  /** A sound by name ('hold', 'test', 'ring') from the sounds folder, or a file path; loaded once. */
  sound(nameOrFile: SoundName | string): Sound {
    let sound = this.#sounds.get(nameOrFile);
    if (!sound) {
      const named = (SOUND_NAMES as readonly string[]).includes(nameOrFile);
      sound = loadSound(named ? soundFile(this.soundsDirectory, nameOrFile as SoundName) : nameOrFile, nameOrFile);
      this.#sounds.set(nameOrFile, sound);
    }
    return sound;
  }

  /** Plays to `endpoint`, replacing whatever fed it. */
  play(endpoint: RtpEndpoint, sound: SoundName | Sound | string, options: PlayOptions = {}): Player {
    return new Player(this.clock, endpoint, typeof sound === 'string' ? this.sound(sound) : sound, options);
  }

  /** Relays a <-> b (replacing players on either), optionally recording a left, b right. */
  bridge(a: RtpEndpoint, b: RtpEndpoint, options: BridgeOptions = {}): Bridge {
    return new Bridge(this.clock, a, b, options);
  }

  /** Records what two legs receive, without relaying (left, right). */
  record(left: RtpEndpoint, right: RtpEndpoint, path: string): CallRecorder {
    return new CallRecorder(this.clock, path, left, right);
  }

  /** Stops everything on the leg and gives its port back. Idempotent. */
  release(endpoint: RtpEndpoint): void {
    endpoint.close();
  }

  /** Releases every leg and the reserve; waits for sockets to close. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#filling;
    const closing: Promise<void>[] = [];
    for (const endpoint of [...this.#endpoints.values()]) {
      closing.push(new Promise((resolve) => endpoint.once('closed', resolve)));
      endpoint.close();
    }
    for (const { socket } of this.#reserve.splice(0)) closing.push(new Promise((resolve) => socket.close(() => resolve())));
    this.clock.stop();
    await Promise.race([Promise.all(closing), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
  }

  // ------------------------------------------------------------- sockets

  #createSocket(): dgram.Socket {
    return dgram.createSocket({ type: isIPv6(this.bindAddress) ? 'udp6' : 'udp4', lookup: syncLookup });
  }

  /** Binds a port from the range; resolves undefined when it is taken elsewhere. */
  #bind(port: number): Promise<BoundSocket | undefined> {
    return new Promise((resolve) => {
      const socket = this.#createSocket();
      const failed = (err: NodeJS.ErrnoException) => {
        socket.close();
        if (err.code !== 'EADDRINUSE' && err.code !== 'EACCES') this.#log?.warn({ err, port }, 'RTP port could not be bound');
        resolve(undefined);
      };
      socket.once('error', failed);
      socket.bind({ port, address: this.bindAddress, exclusive: true }, () => {
        socket.off('error', failed);
        resolve({ socket, port });
      });
    });
  }

  #fillReserve(): Promise<void> {
    this.#filling ??= (async () => {
      try {
        let misses = 0;
        while (!this.#closed && this.#reserve.length < this.#reserveTarget && misses < this.#ports.size) {
          const port = this.#ports.take();
          if (port === undefined) break;
          const bound = await this.#bind(port);
          if (!bound) {
            misses++;
            this.#ports.release(port);
            continue;
          }
          if (this.#closed) {
            bound.socket.close();
            this.#ports.release(port);
            break;
          }
          this.#reserve.push(bound);
        }
      } finally {
        this.#filling = undefined;
      }
    })();
    return this.#filling;
  }

  /** The reserve ran dry: take a port and bind in the background (sends queue until bound). */
  #bindNow(): BoundSocket & { ready: Promise<void> } {
    const port = this.#ports.take();
    if (port === undefined) throw new MediaEngineError(`no free RTP port in ${this.#ports.describe()}`);
    const socket = this.#createSocket();
    const ready = new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ port, address: this.bindAddress, exclusive: true }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    ready.catch((err) => this.#log?.error({ err, port }, 'RTP port could not be bound; this leg has no audio'));
    return { socket, port, ready };
  }
}

/**
 * dgram resolves even a literal IP through dns.lookup on a later tick; with
 * this, a send to an IP literal goes out inside the send() call, which is
 * what lets the endpoint reuse its packet buffers. Names still resolve.
 */
function syncLookup(hostname: string, options: unknown, callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void): void {
  const family = isIP(hostname);
  if (family) return callback(null, hostname, family);
  dns.lookup(hostname, options as dns.LookupOneOptions, callback);
}

/** Even ports of [min, max] (with room for the odd one above), handed out round-robin. */
class PortRange {
  readonly #first: number;
  readonly #slots: number;
  readonly #used: Uint8Array;
  #cursor = 0;
  #inUse = 0;

  constructor(min: number, max: number) {
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1024 || max > 65535 || min > max) {
      throw new MediaEngineError(`RTP port range ${min}-${max} is not within 1024-65535`);
    }
    this.#first = min + (min & 1);
    this.#slots = Math.max(0, Math.floor((max - this.#first + 1) / 2));
    if (this.#slots === 0) throw new MediaEngineError(`RTP port range ${min}-${max} holds no even port with an odd one above it`);
    this.#used = new Uint8Array(this.#slots);
  }

  get size(): number {
    return this.#slots;
  }

  describe(): string {
    return `${this.#first}-${this.#first + 2 * this.#slots - 1}`;
  }

  take(): number | undefined {
    if (this.#inUse === this.#slots) return undefined;
    for (let i = 0; i < this.#slots; i++) {
      const slot = (this.#cursor + i) % this.#slots;
      if (!this.#used[slot]) {
        this.#used[slot] = 1;
        this.#inUse++;
        this.#cursor = (slot + 1) % this.#slots;
        return this.#first + 2 * slot;
      }
    }
    return undefined;
  }

  release(port: number): void {
    const slot = (port - this.#first) / 2;
    if (Number.isInteger(slot) && slot >= 0 && slot < this.#slots && this.#used[slot]) {
      this.#used[slot] = 0;
      this.#inUse--;
    }
  }
}
