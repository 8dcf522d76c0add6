// A real `dispatcher pbx` process for end-to-end tests, and the people and
// phones around it: `dispatcher admin`, console logins over HTTP, console
// WebSockets that hold stations ready, and phones registering with digest.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { freePort, LOOPBACK } from './ports.js';
import { eventually, within } from './wait.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = path.join(root, 'cli.tsx');

export interface PbxProcess {
  dataDir: string;
  sipPort: number;
  apiUrl: string;
  child: ChildProcess;
  output(): { stdout: string; stderr: string };
  admin(...args: string[]): { code: number | null; stdout: string; stderr: string };
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

export async function startPbx(extraArgs: string[] = []): Promise<PbxProcess> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pbx-e2e-'));
  const sipPort = await freePort();
  const apiPort = await freePort();
  const apiUrl = `http://${LOOPBACK}:${apiPort}`;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', cli, 'pbx', '--data', dataDir, '--contact', `sip:${LOOPBACK}:${sipPort};transport=udp,tcp`, '--api', `${LOOPBACK}:${apiPort}`, ...extraArgs],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await eventually(() => stderr.includes('console API listening') || child.exitCode !== null, 20_000, 'the pbx to start');
  if (child.exitCode !== null) throw new Error(`pbx exited at start: ${stderr}`);
  return {
    dataDir,
    sipPort,
    apiUrl,
    child,
    output: () => ({ stdout, stderr }),
    admin(...args: string[]) {
      const run = spawnSync(process.execPath, ['--import', 'tsx', cli, 'admin', ...args, '--data', dataDir], { cwd: root, encoding: 'utf8' });
      return { code: run.status, stdout: run.stdout, stderr: run.stderr };
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}

export async function login(apiUrl: string, user: string, password: string) {
  const res = await fetch(`${apiUrl}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: user, password }) });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

export interface ConsoleClient {
  messages: Array<Record<string, any>>;
  send(msg: object): void;
  /** The latest state of this console's own station. */
  station(): Record<string, any> | undefined;
  /** The latest state of any station, from the `stations` broadcasts. */
  stationFromList(extension: string): Record<string, any> | undefined;
  close(): void;
}

export async function openConsole(apiUrl: string, token: string): Promise<ConsoleClient> {
  const socket = new WebSocket(`${apiUrl.replace('http', 'ws')}/ws?token=${token}`);
  const messages: Array<Record<string, any>> = [];
  let beat: NodeJS.Timeout | undefined;
  socket.on('message', (data) => {
    const m = JSON.parse(String(data)) as Record<string, any>;
    messages.push(m);
    // Heartbeat as a real console does, at the pace the server asks for.
    if (m.type === 'welcome' && !beat) beat = setInterval(() => socket.readyState === WebSocket.OPEN && socket.send('{"type":"heartbeat"}'), m.heartbeatMs);
  });
  socket.on('close', () => clearInterval(beat));
  await within(new Promise<void>((resolve, reject) => { socket.once('open', () => resolve()); socket.once('error', reject); }), 5000, 'the WebSocket to open');
  const last = (type: string) => [...messages].reverse().find((m) => m.type === type);
  return {
    messages,
    send: (m) => socket.send(JSON.stringify(m)),
    station: () => (last('station') ?? last('bound'))?.station,
    stationFromList: (ext) => last('stations')?.stations.find((s: any) => s.extension === ext),
    close: () => {
      clearInterval(beat);
      socket.terminate();
    },
  };
}

/** A console that logs in, binds `extension` and sets ready. */
export async function readyStation(apiUrl: string, token: string, extension: string): Promise<ConsoleClient> {
  const c = await openConsole(apiUrl, token);
  c.send({ type: 'bind', extension });
  await eventually(() => c.messages.some((m) => m.type === 'bound'), 5000, `station ${extension} to be bound`);
  c.send({ type: 'ready' });
  await eventually(() => c.station()?.eligible === true, 5000, `station ${extension} to become eligible`);
  return c;
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/**
 * Registers `extension` with digest from 127.0.0.1:`port` over UDP, Contact at
 * that same port, then frees the port for the phone (a SIPp UAS) to take it.
 */
export async function registerPhone(sipPort: number, port: number, extension: string, password: string, expires = 300): Promise<void> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((r) => socket.bind(port, LOOPBACK, () => r()));
  const callId = randomBytes(8).toString('hex');
  const request = (cseq: number, auth?: string) =>
    [
      `REGISTER sip:${LOOPBACK}:${sipPort} SIP/2.0`,
      `Via: SIP/2.0/UDP ${LOOPBACK}:${port};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
      `From: <sip:${extension}@${LOOPBACK}>;tag=${callId}`,
      `To: <sip:${extension}@${LOOPBACK}>`,
      `Call-ID: ${callId}`,
      `CSeq: ${cseq} REGISTER`,
      `Contact: <sip:${extension}@${LOOPBACK}:${port}>`,
      `Expires: ${expires}`,
      ...(auth ? [auth] : []),
      'Max-Forwards: 70',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
  const next = () => new Promise<string>((resolve) => socket.once('message', (b) => resolve(b.toString())));
  try {
    let answer = next();
    socket.send(request(1), sipPort, LOOPBACK);
    const challenge = await within(answer, 5000, 'the 401 challenge');
    const line = /WWW-Authenticate: Digest ([^\r\n]*algorithm=MD5[^\r\n]*)/i.exec(challenge)?.[1];
    if (!line) throw new Error(`no MD5 challenge in: ${challenge}`);
    const param = (name: string) => new RegExp(`${name}="?([^",]+)"?`, 'i').exec(line)?.[1] ?? '';
    const realm = param('realm');
    const nonce = param('nonce');
    const uri = `sip:${LOOPBACK}:${sipPort}`;
    const cnonce = randomBytes(8).toString('hex');
    const response = md5(`${md5(`${extension}:${realm}:${password}`)}:${nonce}:00000001:${cnonce}:auth:${md5(`REGISTER:${uri}`)}`);
    answer = next();
    socket.send(request(2, `Authorization: Digest username="${extension}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5, qop=auth, nc=00000001, cnonce="${cnonce}"`), sipPort, LOOPBACK);
    const final = await within(answer, 5000, 'the answer to the authenticated REGISTER');
    if (!final.startsWith('SIP/2.0 200')) throw new Error(`registration of ${extension} refused: ${final.split('\r\n')[0]}`);
  } finally {
    await new Promise<void>((r) => socket.close(() => r()));
  }
}
