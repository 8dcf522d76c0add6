// A node child's V8 seen from outside through its inspector (started with
// --inspect=127.0.0.1:<port>): force a full garbage collection and read the
// JS heap, so memory figures do not depend on when the child last collected.
// Loopback only, and only for the benchmark's own children.
import WebSocket from 'ws';

export interface HeapUsage {
  /** Bytes of live JS objects. */
  usedBytes: number;
  /** Bytes V8 has reserved for the JS heap. */
  totalBytes: number;
}

export interface Inspector {
  /** HeapProfiler.collectGarbage: a full, synchronous GC in the child. */
  collectGarbage(): Promise<void>;
  heapUsage(): Promise<HeapUsage>;
  close(): void;
}

/** Connects to the first target of the inspector listening on 127.0.0.1:port. */
export async function connectInspector(port: number, timeoutMs = 10_000): Promise<Inspector> {
  const deadline = Date.now() + timeoutMs;
  let url: string | undefined;
  while (!url) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/json/list`, { signal: AbortSignal.timeout(1_000) });
      const targets = (await res.json()) as Array<{ webSocketDebuggerUrl?: string }>;
      url = targets.find((t) => t.webSocketDebuggerUrl)?.webSocketDebuggerUrl;
    } catch {
      /* not listening yet */
    }
    if (!url) {
      if (Date.now() > deadline) throw new Error(`no inspector on 127.0.0.1:${port} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const socket = new WebSocket(url, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  let nextId = 0;
  const pending = new Map<number, { resolve: (result: unknown) => void; reject: (err: Error) => void }>();
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
    if (message.id === undefined) return; // an event
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error) waiter?.reject(new Error(message.error.message));
    else waiter?.resolve(message.result);
  });
  socket.on('close', () => {
    for (const waiter of pending.values()) waiter.reject(new Error('the inspector connection closed'));
    pending.clear();
  });
  const call = <T>(method: string, params: object = {}): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, { resolve: resolve as (r: unknown) => void, reject });
      socket.send(JSON.stringify({ id, method, params }));
    });
  return {
    async collectGarbage() {
      await call('HeapProfiler.collectGarbage');
    },
    async heapUsage() {
      const { usedSize, totalSize } = await call<{ usedSize: number; totalSize: number }>('Runtime.getHeapUsage');
      return { usedBytes: usedSize, totalBytes: totalSize };
    },
    close() {
      socket.terminate();
    },
  };
}
