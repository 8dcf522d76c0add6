// `dispatcher pbx` as a newcomer runs it: a real process with a fresh data
// dir, phones and dispatchers added with `dispatcher admin` while it runs, a
// SIPp phone registering with digest, and a console over HTTP + WebSocket
// making its station eligible, until the console goes away.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { freePort } from './support/ports.js';
import { assertSippPassed, runSipp, type SippOptions } from './support/sipp.js';
import { eventually, within } from './support/wait.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = path.join(root, 'cli.tsx');
const leaseMs = 1000;

function admin(dataDir: string, ...args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', cli, 'admin', ...args, '--data', dataDir], { cwd: root, encoding: 'utf8' });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

function asPhone(extension: string, password: string): Partial<SippOptions> {
  return { service: extension, keys: { expires: '300' }, extraArgs: ['-au', extension, '-ap', password] };
}

interface Console {
  socket: WebSocket;
  messages: Array<Record<string, any>>;
  send(msg: object): void;
  close(): void;
}

async function openConsole(apiUrl: string, token: string): Promise<Console> {
  const socket = new WebSocket(`${apiUrl.replace('http', 'ws')}/ws?token=${token}`);
  const messages: Array<Record<string, any>> = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data))));
  await within(new Promise<void>((resolve, reject) => { socket.once('open', () => resolve()); socket.once('error', reject); }), 5000, 'the WebSocket to open');
  return { socket, messages, send: (m) => socket.send(JSON.stringify(m)), close: () => socket.terminate() };
}

async function login(apiUrl: string, user: string, password: string) {
  const res = await fetch(`${apiUrl}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: user, password }) });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

describe('dispatcher pbx end to end', () => {
  let dataDir: string;
  let pbx: ChildProcess;
  let sipPort: number;
  let apiUrl: string;
  let stdout = '';
  let stderr = '';

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'pbx-e2e-'));
    sipPort = await freePort();
    const apiPort = await freePort();
    apiUrl = `http://127.0.0.1:${apiPort}`;
    pbx = spawn(process.execPath, ['--import', 'tsx', cli, 'pbx', '--data', dataDir, '--contact', `sip:127.0.0.1:${sipPort};transport=udp,tcp`,
      '--api', `127.0.0.1:${apiPort}`, '--domain', 'taxi.test', '--lease', String(leaseMs), '--options-ping', '5'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    pbx.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    pbx.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    await eventually(() => stderr.includes('console API listening'), 20_000, `the pbx to start (stderr: ${stderr})`);
  });

  after(async () => {
    if (pbx.exitCode === null) {
      pbx.kill('SIGTERM');
      await new Promise((r) => pbx.once('exit', r));
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates an administrator on first start and shows the password once', async () => {
    const m = /created user "admin" with password: (\S+)/.exec(stdout);
    assert.ok(m, `stdout: ${stdout}`);
    const ok = await login(apiUrl, 'admin', m[1]!);
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body.user.roles.sort(), ['configure', 'dispatcher']);
    assert.equal(stderr.includes(m[1]!), false, 'the password must not reach the log');
  });

  it('takes phones and users added with dispatcher admin while it runs', async () => {
    assert.equal(admin(dataDir, 'phone', 'add', '201', '--password', 'kierowca-201', '--name', 'Stanowisko 1', '--kind', 'headset').code, 0);
    assert.equal(admin(dataDir, 'user', 'add', 'ola', '--password', 'dyspozytor1', '--name', 'Ola').code, 0);
    const dup = admin(dataDir, 'phone', 'add', '201', '--password', 'kierowca-201');
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /201/);
    const ola = await login(apiUrl, 'ola', 'dyspozytor1');
    assert.equal(ola.status, 200);
    const phones = await fetch(`${apiUrl}/api/phones`, { headers: { authorization: `Bearer ${ola.body.token}` } });
    assert.equal(phones.status, 403, 'a dispatcher must not read phone credentials');
  });

  it('registers a phone with digest, and makes its station eligible only while the console is ready', async () => {
    const reg = await runSipp({ scenario: 'registrar-register.xml', remote: `127.0.0.1:${sipPort}`, transport: 'u1', ...asPhone('201', 'kierowca-201') });
    assertSippPassed(reg);
    const wrong = await runSipp({ scenario: 'registrar-wrong-password.xml', remote: `127.0.0.1:${sipPort}`, transport: 'u1', ...asPhone('201', 'zgadywanka') });
    assertSippPassed(wrong);

    const ola = await login(apiUrl, 'ola', 'dyspozytor1');
    const station = await openConsole(apiUrl, ola.body.token);
    const watcher = await openConsole(apiUrl, ola.body.token);
    try {
      station.send({ type: 'bind', extension: '201' });
      await eventually(() => station.messages.some((m) => m.type === 'bound'), 5000, 'the station to be bound');
      const latest = () => [...station.messages].reverse().find((m) => m.type === 'station')?.station ?? station.messages.find((m) => m.type === 'bound')?.station;
      assert.equal(latest().registration, 'registered');
      assert.equal(latest().eligible, false, 'a freshly bound station waits for ready');
      station.send({ type: 'ready' });
      await eventually(() => latest()?.eligible === true, 5000, 'the station to become eligible');
      // Keep the lease alive a while: heartbeats hold eligibility.
      const beat = setInterval(() => station.send({ type: 'heartbeat' }), leaseMs / 3);
      await new Promise((r) => setTimeout(r, leaseMs * 2));
      assert.equal(latest().eligible, true);
      clearInterval(beat);

      // The console vanishes (crash, cable): within lease + 1 s the station is out.
      const watched = () => [...watcher.messages].reverse().find((m) => m.type === 'stations')?.stations.find((s: any) => s.extension === '201');
      station.close();
      await eventually(() => watched()?.eligible === false, leaseMs + 1000, 'the station to drop out within lease + 1 s');
      assert.ok(['no-console', 'lease-expired'].includes(watched().reason), watched().reason);
    } finally {
      station.close();
      watcher.close();
    }
  });

  it('stops cleanly on SIGTERM', async () => {
    pbx.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => pbx.once('exit', (c) => r(c)));
    assert.equal(code, 0, stderr.slice(-2000));
  });
});
