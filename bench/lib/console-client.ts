// A dispatcher's console as a benchmark sees it: one WebSocket to the
// switchboard's /ws, every message it gets stamped with performance.now(),
// and heartbeats at the pace the switchboard's `welcome` asks for, which the
// benchmark can stop (a console gone silent) or cut short with terminate()
// (a console that crashed).
import WebSocket from 'ws';

/** What the benchmark reads of a switchboard message (source/api/messages.ts has the full types). */
export interface Received {
  type: string;
  [field: string]: unknown;
}

export interface StationView {
  extension: string;
  eligible: boolean;
  reason: string | null;
  registration: string;
  ready: boolean;
}

export interface ConsoleSocket {
  leaseMs: number;
  heartbeatMs: number;
  send(message: object): void;
  /** The first message from now on (or the last one already received, with `orLast`) that passes `test`. */
  next(test: (message: Received) => boolean, timeoutMs: number, what: string, orLast?: boolean): Promise<{ message: Received; at: number }>;
  startHeartbeats(): void;
  /** Sends one heartbeat now and no more; returns when (performance.now()) it was handed to the socket. */
  lastHeartbeat(): number;
  /** Closes the TCP connection at once, with no WebSocket close handshake (like a crashed console). */
  terminate(): void;
}

/** The station's entry in a `stations` message, if it has one. */
export function stationIn(message: Received, extension: string): StationView | undefined {
  if (message.type !== 'stations' || !Array.isArray(message.stations)) return undefined;
  return (message.stations as StationView[]).find((s) => s.extension === extension);
}

/**
 * `skip`: message types not even parsed (a benchmark holding a hundred
 * consoles need not spend its CPU on every `stations` list).
 */
export async function openConsole(apiUrl: string, token: string, timeoutMs = 5_000, skip: string[] = []): Promise<ConsoleSocket> {
  const skipped = skip.map((type) => `{"type":${JSON.stringify(type)}`);
  const socket = new WebSocket(`${apiUrl.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(token)}`);
  const waiting = new Set<{ test: (m: Received) => boolean; resolve: (r: { message: Received; at: number }) => void }>();
  const last = new Map<string, Received>();
  let beat: NodeJS.Timeout | undefined;
  let welcome: ((m: Received) => void) | undefined;
  socket.on('message', (data) => {
    const at = performance.now();
    const text = String(data);
    if (skipped.some((prefix) => text.startsWith(prefix))) return;
    const message = JSON.parse(text) as Received;
    last.set(message.type, message);
    if (message.type === 'welcome') welcome?.(message);
    for (const w of waiting) {
      if (!w.test(message)) continue;
      waiting.delete(w);
      w.resolve({ message, at });
    }
  });
  socket.on('close', () => clearInterval(beat));
  socket.on('error', () => {
    /* surfaced as timeouts of what was awaited */
  });
  const hello = await withTimeout(
    new Promise<Received>((resolve, reject) => {
      welcome = resolve;
      socket.once('error', reject);
    }),
    timeoutMs,
    'the console WebSocket to open and be welcomed',
  );
  const heartbeatMs = Number(hello.heartbeatMs);
  const send = (message: object) => {
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  };
  return {
    leaseMs: Number(hello.leaseMs),
    heartbeatMs,
    send,
    next(test, ms, what, orLast = false) {
      if (orLast) {
        for (const message of last.values()) if (test(message)) return Promise.resolve({ message, at: performance.now() });
      }
      const entry = { test, resolve: (_: { message: Received; at: number }) => {} };
      const found = new Promise<{ message: Received; at: number }>((resolve) => {
        entry.resolve = resolve;
        waiting.add(entry);
      });
      return withTimeout(found, ms, what).finally(() => waiting.delete(entry));
    },
    startHeartbeats() {
      clearInterval(beat);
      beat = setInterval(() => send({ type: 'heartbeat' }), heartbeatMs);
    },
    lastHeartbeat() {
      clearInterval(beat);
      send({ type: 'heartbeat' });
      return performance.now();
    },
    terminate() {
      clearInterval(beat);
      socket.terminate();
    },
  };
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
