// The embedded SIP server as a process of its own, so the benchmark can
// measure its CPU apart from the app and SIPp. Binds free loopback ports,
// prints one JSON line `{"ready":true,...}` with them on stdout, answers
// `stats` lines on stdin with a JSON line of its live counts, and closes on
// SIGTERM / SIGINT / end of stdin.
//
//   BENCH_SECRET=... node --import tsx bench/embedded-server.ts
import { PerformanceObserver } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import pino from 'pino';
import { createSipServer } from '../source/sip-server/index.js';

const secret = process.env.BENCH_SECRET;
if (!secret) {
  process.stderr.write('embedded-server: BENCH_SECRET must be set\n');
  process.exit(2);
}

const server = await createSipServer({
  contacts: ['sip:127.0.0.1:0;transport=udp,tcp'],
  admin: { address: '127.0.0.1', port: 0 },
  secret,
  logger: pino({ level: process.env.BENCH_SIP_LOG ?? 'silent' }, pino.destination(2)),
});

// Garbage collection pauses, since start: they are what shows in p99 setup times.
const gc = { pauses: 0, totalMs: 0, maxMs: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gc.pauses++;
    gc.totalMs += entry.duration;
    gc.maxMs = Math.max(gc.maxMs, entry.duration);
  }
}).observe({ entryTypes: ['gc'] });

const udp = server.endpoints.find((e) => e.transport === 'udp');
const tcp = server.endpoints.find((e) => e.transport === 'tcp');
const say = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);

let closing = false;
async function stop(code: number): Promise<void> {
  if (closing) return;
  closing = true;
  try {
    await server.close();
  } finally {
    process.exit(code);
  }
}
process.on('SIGTERM', () => void stop(0));
process.on('SIGINT', () => void stop(0));

if (!udp || !tcp) {
  process.stderr.write(`embedded-server: expected UDP and TCP listeners, got ${JSON.stringify(server.endpoints)}\n`);
  await stop(1);
} else {
  say({
    ready: true,
    pid: process.pid,
    control: server.control,
    sip: { udp: `${udp.address}:${udp.port}`, tcp: `${tcp.address}:${tcp.port}` },
  });
}

// The parent going away closes our stdin: do not outlive it.
const commands = createInterface({ input: process.stdin });
commands.on('line', (line) => {
  if (line.trim() === 'stats') {
    say({ stats: { ...server.stats(), heapUsedMb: Math.round(process.memoryUsage().heapUsed / 2 ** 20), gc: { ...gc, totalMs: Math.round(gc.totalMs), maxMs: Math.round(gc.maxMs * 10) / 10 } } });
  }
});
commands.on('close', () => void stop(0));
