// WAL checkpoints off the event loop. SQLite checkpoints a WAL database
// itself, in whichever commit takes the WAL past wal_autocheckpoint pages
// (1000 by default): that commit copies the pages into the database file and
// syncs both files, 4-16 ms on the machine bench:queue runs on. In the pbx
// that commit is a call-log write on the event loop, and at 100 calls/s it
// came every second or so, with every SIP message waiting behind it.
//
// Instead, a worker thread with its own connection runs a PASSIVE checkpoint
// (never waits for, never blocks, the writer) every `everyMs`, and the
// writer's own automatic checkpoint is pushed out to `fallbackPages`, so that
// the WAL still cannot grow without bound if the worker is gone.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';

export interface BackgroundCheckpoints {
  /** Stops the worker; resolves once it has exited. Safe to call twice. */
  stop(): Promise<void>;
}

// Plain CommonJS run by the worker (eval): no loader hooks needed there.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
}, workerData.everyMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  process.exit(0);
});
`;

export function startBackgroundCheckpoints(
  db: Database,
  options: { everyMs?: number; fallbackPages?: number; onError?: (message: string) => void } = {},
): BackgroundCheckpoints {
  const fallbackPages = options.fallbackPages ?? 20_000;
  const previous = db.pragma('wal_autocheckpoint', { simple: true }) as number;
  const worker = new Worker(workerSource, {
    eval: true,
    workerData: { file: db.name, driver: createRequire(import.meta.url).resolve('better-sqlite3'), everyMs: options.everyMs ?? 500 },
  });
  let exited = false;
  const gone = new Promise<void>((resolve) => worker.once('exit', () => ((exited = true), resolve())));
  worker.on('message', (m: { error?: string }) => m.error && options.onError?.(m.error));
  worker.on('error', (err) => {
    options.onError?.(err.message);
    // Without the worker, the writer checkpoints by itself again.
    if (db.open) db.pragma(`wal_autocheckpoint = ${previous}`);
  });
  worker.unref();
  db.pragma(`wal_autocheckpoint = ${fallbackPages}`);
  let stopping: Promise<void> | undefined;
  return {
    stop() {
      stopping ??= (async () => {
        if (!exited) worker.postMessage('stop');
        await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
        if (!exited) await worker.terminate();
        if (db.open) db.pragma(`wal_autocheckpoint = ${previous}`);
      })();
      return stopping;
    },
  };
}
