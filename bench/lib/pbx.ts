// `dispatcher pbx` as a child process of a benchmark: its own SIP and API
// ports on 127.0.0.1, stopped by its PID (SIGTERM, which it answers with a
// clean shutdown; SIGKILL after a grace). Also the console API calls a
// benchmark needs: login and the /metrics gauges.
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { exited, freePort, LOOPBACK, spawnTracked, stopChild } from './processes.js';

export interface PbxChild {
  child: ChildProcess;
  pid: number;
  /** 127.0.0.1:port for SIP over UDP and TCP. */
  sip: string;
  sipPort: number;
  /** http://127.0.0.1:port of the console API. */
  apiUrl: string;
  /** The port of its inspector on 127.0.0.1, when started with `inspect`. */
  inspectorPort?: number;
  stderrTail(): string;
  /** SIGTERM to its PID; resolves with its exit code once it is gone. */
  stop(): Promise<number | null>;
}

export interface PbxStart {
  /** The repository: cli.tsx and node_modules (tsx) are found here. */
  repo: string;
  dataDir: string;
  /** More `dispatcher pbx` options, e.g. `--lease 1000`. */
  args?: string[];
  env?: Record<string, string>;
  /** A real drachtio-server (host:port:secret of its control port) instead of the embedded SIP server; `sip` is its SIP side, host:port. */
  drachtio?: { url: string; sip: string };
  /** More node options before the script, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  /** Opens node's inspector on a free loopback port (for forcing a GC from outside, see inspector.ts). */
  inspect?: boolean;
  timeoutMs?: number;
}

/**
 * Starts `node --import tsx cli.tsx pbx` on free loopback ports and resolves
 * once the console API answers. It logs "console API listening" only at
 * --loglevel info or lower, so readiness is the API's own /health answer
 * (or that line, whichever comes first).
 */
export async function startPbxChild(opts: PbxStart): Promise<PbxChild> {
  const sipPort = opts.drachtio ? Number(opts.drachtio.sip.split(':')[1]) : await freePort();
  const apiPort = await freePort();
  const apiUrl = `http://${LOOPBACK}:${apiPort}`;
  const inspectorPort = opts.inspect ? await freePort() : undefined;
  const child = spawnTracked(
    process.execPath,
    [
      ...(inspectorPort ? [`--inspect=${LOOPBACK}:${inspectorPort}`] : []),
      ...(opts.nodeArgs ?? []),
      '--import', 'tsx',
      path.join(opts.repo, 'cli.tsx'),
      'pbx',
      '--data', opts.dataDir,
      ...(opts.drachtio ? ['--drachtio', opts.drachtio.url] : ['--contact', `sip:${LOOPBACK}:${sipPort};transport=udp,tcp`]),
      '--api', `${LOOPBACK}:${apiPort}`,
      ...(opts.args ?? []),
    ],
    { cwd: opts.repo, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-16_000);
  });
  const pbx: PbxChild = {
    child,
    pid: child.pid!,
    sip: opts.drachtio?.sip ?? `${LOOPBACK}:${sipPort}`,
    sipPort,
    apiUrl,
    ...(inspectorPort ? { inspectorPort } : {}),
    stderrTail: () => stderr,
    async stop() {
      await stopChild(child, 10_000);
      return child.exitCode;
    },
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let gone = false;
  void exited(child).then(() => (gone = true));
  for (;;) {
    if (gone) throw new Error(`the pbx exited at start (code ${child.exitCode}, signal ${child.signalCode})\n${stderr.trim()}`);
    if (stderr.includes('console API listening') || (await answers(`${apiUrl}/health`))) return pbx;
    if (Date.now() > deadline) {
      await pbx.stop();
      throw new Error(`the pbx did not answer on ${apiUrl} within ${opts.timeoutMs ?? 30_000} ms\n${stderr.trim()}`);
    }
    await delay(100);
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/** POST /api/login; the token for `Authorization: Bearer` and `/ws?token=`. */
export async function login(apiUrl: string, user: string, password: string): Promise<string> {
  const res = await fetch(`${apiUrl}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: user, password }),
  });
  const body = (await res.json()) as { token?: string; message?: string };
  if (!res.ok || !body.token) throw new Error(`login as ${user} failed: ${res.status} ${body.message ?? ''}`);
  return body.token;
}

/** The samples of GET /metrics, by metric name with its labels, e.g. `dispatcher_phone_registrations{state="registered"}`. */
/** reset: the pbx starts its event-loop delay max again after this read. */
export async function metrics(apiUrl: string, options: { reset?: boolean } = {}): Promise<Map<string, number>> {
  const res = await fetch(`${apiUrl}/metrics${options.reset ? '?reset=1' : ''}`, { signal: AbortSignal.timeout(5_000) });
  const text = await res.text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}
