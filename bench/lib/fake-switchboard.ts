// A stand-in for the switchboard's console API, for the console benchmark: it
// accepts any token, binds any extension, and pushes a queue of N waiting
// callers whenever told, each push with a marker the benchmark can find on
// the console's screen. Real protocol (source/api/messages.ts), fake office.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { QueuedCaller, ServerMessage, StationState } from '../../source/api/messages.js';

export interface FakeSwitchboard {
  url: string;
  /** Consoles connected now. */
  consoles(): number;
  /** Sends a queue of `count` callers whose first caller's number carries `marker`; returns when it was handed to the sockets. */
  pushQueue(count: number, marker: number): number;
  close(): Promise<void>;
}

function station(extension: string, held: boolean): StationState {
  return {
    extension,
    console: held ? { login: `dispatcher${extension}`, displayName: `Dyspozytor ${extension}`, alive: true } : null,
    ready: held,
    pauseReason: null,
    registration: 'registered',
    inCall: false,
    call: null,
    wrapUpUntil: null,
    eligible: held,
    reason: held ? null : 'no-console',
  };
}

/** `count` callers waiting since a fixed start, the first one's number carrying the marker. */
export function benchCallers(count: number, marker: number, start: number): QueuedCaller[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `bench-${marker}-${i}`,
    from: i === 0 ? `+48 7${String(marker).padStart(8, '0')}` : `+48 600 ${String(i).padStart(6, '0')}`,
    waitingSince: start + i * 1000,
    ringing: i < 3 ? [String(202 + i)] : [],
  }));
}

export async function startFakeSwitchboard(): Promise<FakeSwitchboard> {
  const http: Server = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ noServer: true });
  const sockets = new Set<WebSocket>();
  const start = Date.now() - 600_000;
  const others = Array.from({ length: 8 }, (_, i) => station(String(202 + i), true));
  http.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => accept(ws)));

  function send(ws: WebSocket, message: ServerMessage) {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  }

  function accept(ws: WebSocket) {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    send(ws, { type: 'welcome', user: { login: 'bench', displayName: 'Bench Dispatcher', roles: ['dispatcher'] }, leaseMs: 3000, heartbeatMs: 1000 });
    send(ws, { type: 'stations', stations: others });
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string; extension?: string };
      if (message.type === 'bind' && message.extension) {
        const own = { ...station(message.extension, true), ready: false, eligible: false, reason: 'paused' as const };
        send(ws, { type: 'bound', station: own });
      }
    });
  }

  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    consoles: () => sockets.size,
    pushQueue(count, marker) {
      const text = JSON.stringify({ type: 'queue', callers: benchCallers(count, marker, start) } satisfies ServerMessage);
      const at = performance.now();
      for (const ws of sockets) ws.send(text);
      return at;
    },
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
