// `dispatcher test-call`: the technician's *60 test. A phone (source/phone/)
// on this machine registers as the given extension, dials *60, listens to the
// switchboard's test music for --seconds and says whether it heard it, and if
// not, why. Exit 0: music heard; 1: the test failed; 2: it could not run.
import dgram from 'node:dgram';
import dns from 'node:dns/promises';
import { isIP } from 'node:net';
import { createLogger } from '../log.js';
import { PhoneAgent, serverUri, type CallReport, type RegisterOutcome } from '../phone/index.js';
import { judgeSelfTest, type CallAttempt, type Verdict } from '../phone/self-test-verdict.js';
import { SELF_TEST_NUMBER } from '../switchboard/routing.js';
import type { TestCallConfig } from './test-call-config.js';

export const testCallExit = { pass: 0, fail: 1, cannotRun: 2 } as const;

/** How long *60 may ring before the test gives up. */
const RING_TIMEOUT_MS = 10_000;
/** Short, so that a binding left by a killed test goes away soon (the registrar's usual minimum). */
const REGISTER_EXPIRES_S = 60;
/** How long to wait for each answer to REGISTER. */
const REGISTER_TIMEOUT_MS = 5_000;

export interface TestCallResult {
  verdict: 'pass' | 'fail' | 'error';
  reason: Verdict['reason'] | 'cannot-run';
  message: string;
  server: string;
  transport: 'udp' | 'tcp';
  extension: string;
  localAddress: string | null;
  registration: { result: RegisterOutcome['kind']; status: number | null; algorithm: string | null; expiresSeconds: number | null; detail: string | null } | null;
  call: {
    answered: boolean;
    status: number | null;
    detail: string | null;
    codec: string | null;
    packetsReceived: number;
    packetsLost: number;
    lossPercent: number;
    jitterMs: number;
    level: { rmsDbfs: number; peakDbfs: number; audibleShare: number };
    listenedSeconds: number;
  } | null;
}

export async function runTestCall(config: TestCallConfig, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  // Ctrl-C ends the listening early but still unregisters: a binding left
  // behind would make the switchboard ring a phone that is gone.
  const interrupted = new AbortController();
  const onSignal = () => interrupted.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let result: TestCallResult;
  try {
    result = await testCall(config, interrupted.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  out.write(config.json ? `${JSON.stringify(result)}\n` : formatReport(result));
  return result.verdict === 'pass' ? testCallExit.pass : result.verdict === 'fail' ? testCallExit.fail : testCallExit.cannotRun;
}

export async function testCall(config: TestCallConfig, signal?: AbortSignal): Promise<TestCallResult> {
  const log = createLogger('error', 'test-call');
  const shownServer = `${config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host}:${config.server.port}`;
  const base: TestCallResult = { verdict: 'error', reason: 'cannot-run', message: '', server: shownServer, transport: config.transport, extension: config.extension, localAddress: null, registration: null, call: null };

  let serverIp: string;
  try {
    serverIp = isIP(config.server.host) ? config.server.host : (await dns.lookup(config.server.host)).address;
  } catch (err) {
    const registration: RegisterOutcome = { kind: 'no-answer', detail: `cannot resolve ${config.server.host}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
    return finish(base, judgeSelfTest({ registration }), registration, undefined);
  }
  let localAddress: string;
  try {
    localAddress = config.localAddress ?? (await sourceAddressFor(serverIp, config.server.port));
  } catch (err) {
    return { ...base, message: `no route to ${shownServer}: ${(err as Error).message}` };
  }
  base.localAddress = localAddress;

  let phone: PhoneAgent;
  try {
    phone = await PhoneAgent.start({ localAddress, log });
  } catch (err) {
    return { ...base, message: (err as Error).message };
  }
  try {
    const server = { host: serverIp, port: config.server.port, transport: config.transport };
    const { outcome: registration } = await phone.register({ server, extension: config.extension, password: config.password, expires: REGISTER_EXPIRES_S, answerTimeoutMs: REGISTER_TIMEOUT_MS });
    if (registration.kind !== 'registered') return finish(base, judgeSelfTest({ registration }), registration, undefined);

    const placed = await phone.call(serverUri(serverIp, config.server.port, config.transport, SELF_TEST_NUMBER), {
      from: config.extension,
      fromHost: serverIp,
      transport: config.transport,
      credentials: { username: config.extension, password: config.password },
      ringTimeoutMs: RING_TIMEOUT_MS,
      signal,
    });
    let attempt: CallAttempt;
    if (placed.kind === 'answered') {
      const call = placed.call;
      // Listen until --seconds are up, the switchboard hangs up, or Ctrl-C.
      let timer: NodeJS.Timeout | undefined;
      let stopListening: () => void = () => {};
      await Promise.race([
        call.ended,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, config.seconds * 1000);
          stopListening = resolve;
          signal?.addEventListener('abort', stopListening, { once: true });
        }),
      ]);
      clearTimeout(timer);
      signal?.removeEventListener('abort', stopListening);
      attempt = { kind: 'answered', report: await call.hangUp() };
    } else {
      attempt = placed;
    }
    return finish(base, judgeSelfTest({ registration, call: attempt }), registration, attempt);
  } catch (err) {
    // Something on this machine (no free RTP port, the phone's SIP server gone): not the switchboard's fault.
    return { ...base, message: `the test could not run: ${(err as Error).message}` };
  } finally {
    await phone.stop();
  }
}

function finish(base: TestCallResult, verdict: Verdict, registration: RegisterOutcome, attempt: CallAttempt | undefined): TestCallResult {
  const report: CallReport | undefined = attempt?.kind === 'answered' ? attempt.report : undefined;
  return {
    ...base,
    verdict: verdict.pass ? 'pass' : 'fail',
    reason: verdict.reason,
    message: verdict.message,
    registration: {
      result: registration.kind,
      status: 'status' in registration ? registration.status : null,
      algorithm: registration.kind === 'registered' ? (registration.algorithm ?? null) : null,
      expiresSeconds: registration.kind === 'registered' ? registration.expiresSeconds : null,
      detail: registration.kind === 'refused' ? registration.reason : 'detail' in registration ? registration.detail : null,
    },
    call: attempt
      ? {
          answered: attempt.kind === 'answered',
          status: attempt.kind === 'answered' ? 200 : attempt.kind === 'failed' ? attempt.status || null : null,
          detail: attempt.kind === 'answered' ? null : attempt.reason,
          codec: report?.codec ?? null,
          packetsReceived: report?.packetsReceived ?? 0,
          packetsLost: report?.packetsLost ?? 0,
          lossPercent: report?.lossPercent ?? 0,
          jitterMs: report?.jitterMs ?? 0,
          level: report?.level ?? { rmsDbfs: -120, peakDbfs: -120, audibleShare: 0 },
          listenedSeconds: report ? Math.round(report.durationMs / 100) / 10 : 0,
        }
      : null,
  };
}

/** The local address the OS would send from to reach `host` (no packet is sent). */
export async function sourceAddressFor(host: string, port: number): Promise<string> {
  const socket = dgram.createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(port, host, () => resolve());
    });
    return socket.address().address;
  } finally {
    socket.close();
  }
}

export function formatReport(r: TestCallResult): string {
  const lines = [`Phone test: extension ${r.extension} at ${r.server} over ${r.transport.toUpperCase()}${r.localAddress ? `, from ${r.localAddress}` : ''}`];
  const row = (label: string, value: string) => lines.push(`  ${label.padEnd(14)}${value}`);
  if (r.registration) {
    const g = r.registration;
    const words = { registered: 'registered', refused: 'refused', 'no-answer': 'no answer', failed: 'failed' } as const;
    row('registration', g.result === 'registered' ? `registered (${g.algorithm ?? 'no'} digest, ${g.expiresSeconds} s)` : `${words[g.result]}${g.detail ? ` (${g.detail})` : ''}`);
  }
  if (r.call) {
    const c = r.call;
    row('call to *60', c.answered ? `answered, listened ${c.listenedSeconds} s` : `not answered${c.detail ? `: ${c.detail}` : ''}`);
    if (c.answered) {
      row('codec', c.codec ?? 'none agreed');
      row('packets', `${c.packetsReceived} received, ${c.packetsLost} lost (${c.lossPercent} %)`);
      row('jitter', `${c.jitterMs} ms`);
      row('audio level', `${c.level.rmsDbfs} dBFS RMS, peak ${c.level.peakDbfs} dBFS, sound in ${Math.round(c.level.audibleShare * 100)} % of packets`);
    }
  }
  const head = r.verdict === 'pass' ? 'PASS' : r.verdict === 'fail' ? 'FAIL' : 'COULD NOT RUN';
  lines.push(`Result: ${head}: ${r.message}`);
  return `${lines.join('\n')}\n`;
}
