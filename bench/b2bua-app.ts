// The benchmark's drachtio-srf app: a plain B2BUA that bridges every incoming
// INVITE to the callee SIPp (`target`) with srf.createB2BUA and ends each leg
// when the other one ends. Nothing is logged per call; counts are kept and
// printed on demand.
//
//   BENCH_CONTROL=host:port BENCH_SECRET=... node --import tsx bench/b2bua-app.ts
//
// stdin, one command a line:   target <sip uri>   -> {"target":"<uri>"}
//                              stats              -> {"stats":{...}}
// stdout: {"ready":true,"pid":...} once connected.
import Srf from 'drachtio-srf';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';

const [host, portText] = (process.env.BENCH_CONTROL ?? '').split(':');
const port = Number(portText);
const secret = process.env.BENCH_SECRET;
if (!host || !Number.isInteger(port) || !secret) {
  process.stderr.write('b2bua-app: BENCH_CONTROL=host:port and BENCH_SECRET must be set\n');
  process.exit(2);
}

const say = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);

const counts = {
  invites: 0,
  bridged: 0,
  /** createB2BUA failures by SIP status (or the error's message). */
  failed: {} as Record<string, number>,
  /** A leg was already gone when createB2BUA resolved (BYE handled before we resumed). */
  endedBeforeLinked: 0,
  hangups: 0,
  hangupErrors: 0,
  connects: 0,
  errors: [] as string[],
};

let target = process.env.BENCH_TARGET ?? '';
const isConnected = (dialog: Srf.Dialog) => (dialog as unknown as { connected: boolean }).connected;

function hangUp(dialog: Srf.Dialog): void {
  counts.hangups++;
  dialog.destroy(undefined, (err?: Error) => {
    if (err) counts.hangupErrors++;
  });
}

const srf = new Srf();
srf.invite(async (req, res) => {
  counts.invites++;
  try {
    const { uas: caller, uac: callee } = await srf.createB2BUA(req, res, target, { localSdpB: req.body });
    counts.bridged++;
    // Frames read together are handled before this code resumes: a BYE for
    // either leg may already have ended it (see the pitfalls notes).
    if (!isConnected(caller) || !isConnected(callee)) {
      counts.endedBeforeLinked++;
      if (isConnected(caller)) hangUp(caller);
      if (isConnected(callee)) hangUp(callee);
      return;
    }
    caller.on('destroy', () => hangUp(callee));
    callee.on('destroy', () => hangUp(caller));
  } catch (err) {
    const key = String((err as { status?: number }).status ?? (err as Error).message);
    counts.failed[key] = (counts.failed[key] ?? 0) + 1;
  }
});

srf.on('error', (err: Error) => {
  if (counts.errors.length < 20) counts.errors.push(err.message);
});

let ready = false;
srf.on('connect', (err: Error | null) => {
  if (err) {
    process.stderr.write(`b2bua-app: refused by ${host}:${port}: ${err.message}\n`);
    process.exit(1);
  }
  counts.connects++;
  if (ready) return;
  ready = true;
  // The `route|invite` request goes out right after authentication; give the
  // server a moment to acknowledge it before announcing readiness.
  void delay(250).then(() => say({ ready: true, pid: process.pid }));
});
srf.connect({ host, port, secret });

function stop(): void {
  try {
    srf.disconnect();
  } catch {
    /* already closed */
  }
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

const commands = createInterface({ input: process.stdin });
commands.on('line', (line) => {
  const [command, ...rest] = line.trim().split(/\s+/);
  if (command === 'target' && rest[0]) {
    target = rest[0];
    say({ target });
  } else if (command === 'stats') {
    say({ stats: counts });
  }
});
commands.on('close', stop);
