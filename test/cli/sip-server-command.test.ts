// `dispatcher sip-server` as a process: it says where it listens and stops
// cleanly on a signal.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface LogLine {
  msg: string;
  control?: { address: string; port: number };
  endpoint?: { transport: string; address: string; port: number };
}

async function startAndStop(signal: NodeJS.Signals) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'cli.tsx', 'sip-server', '--port', '0', '--contact', 'sip:127.0.0.1:0;transport=udp,tcp'],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: LogLine[] = [];
  let stderr = '';
  let announced: () => void;
  const ready = new Promise<void>((resolve) => (announced = resolve));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    const complete = stderr.split('\n').slice(0, -1);
    lines.splice(0, lines.length, ...complete.map((line) => JSON.parse(line) as LogLine));
    // Ready once the control listener and both SIP transports are announced.
    if (lines.filter((l) => l.control || l.endpoint).length >= 3) announced();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  const timeout = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await Promise.race([ready, exited]);
  child.kill(signal);
  const code = await exited;
  clearTimeout(timeout);
  return { code, lines, stderr };
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`sip-server logs where it listens and exits 0 on ${signal}`, async () => {
    const { code, lines, stderr } = await startAndStop(signal);
    assert.equal(code, 0, stderr);
    const control = lines.find((l) => l.control)?.control;
    assert.equal(control?.address, '127.0.0.1');
    assert.ok(control && control.port > 0, 'the control port 0 is resolved to a real port');
    const transports = lines.flatMap((l) => (l.endpoint ? [l.endpoint.transport] : [])).sort();
    assert.deepEqual(transports, ['tcp', 'udp']);
    assert.ok(lines.some((l) => l.msg === 'stopped'), stderr);
  });
}
