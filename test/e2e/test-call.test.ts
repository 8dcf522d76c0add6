// `dispatcher test-call` end to end: the real command against a real
// `dispatcher pbx`, passing with music heard, and failing for the right
// reason (wrong password, nobody at the address, bad options).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, LOOPBACK } from './support/ports.js';
import { startPbx, type PbxProcess } from './support/pbx.js';
import { eventually, within } from './support/wait.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

function testCall(args: string[], env: Record<string, string> = {}, onStart?: (pid: number) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'cli.tsx'), 'test-call', ...args], {
    cwd: root,
    // No console settings of this machine's user: the options alone count.
    env: { ...process.env, DISPATCHER_PASSWORD: '', DISPATCHER_CONSOLE_DIR: path.join(root, 'test', 'e2e', 'no-console-settings'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onStart?.(child.pid!);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  return within(done, 60_000, 'test-call to finish');
}

describe('dispatcher test-call', () => {
  let pbx: PbxProcess;
  before(async () => {
    pbx = await startPbx(['--options-ping', '3600']);
    assert.equal(pbx.admin('phone', 'add', '205', '--password', 'telefon-205').code, 0);
  });
  after(async () => {
    await pbx?.stop();
  });

  it('passes against a real switchboard: registered, PCMU, packets and music above silence', async () => {
    const run = await testCall(['--server', `${LOOPBACK}:${pbx.sipPort}`, '--extension', '205', '--password', 'telefon-205', '--seconds', '2']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /registration\s+registered/);
    assert.match(run.stdout, /codec\s+PCMU/);
    const packets = Number(/packets\s+(\d+) received/.exec(run.stdout)?.[1]);
    assert.ok(packets > 0, run.stdout);
    const level = Number(/audio level\s+(-?[\d.]+) dBFS/.exec(run.stdout)?.[1]);
    assert.ok(level > -40, run.stdout);
    assert.match(run.stdout, /Result: PASS: music heard/);
  });

  it('prints one JSON object with --json, over TCP, with the password from the environment', async () => {
    const run = await testCall(['--server', `${LOOPBACK}:${pbx.sipPort}`, '--extension', '205', '--seconds', '1', '--transport', 'tcp', '--json'], { DISPATCHER_PASSWORD: 'telefon-205' });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const result = JSON.parse(run.stdout);
    assert.equal(run.stdout.trim().split('\n').length, 1);
    assert.deepEqual(Object.keys(result).sort(), ['call', 'extension', 'localAddress', 'message', 'reason', 'registration', 'server', 'transport', 'verdict']);
    assert.equal(result.verdict, 'pass');
    assert.equal(result.reason, 'music-heard');
    assert.equal(result.transport, 'tcp');
    assert.equal(result.localAddress, LOOPBACK);
    assert.equal(result.registration.result, 'registered');
    assert.equal(result.call.answered, true);
    assert.equal(result.call.codec, 'PCMU');
    assert.ok(result.call.packetsReceived > 0);
    for (const field of ['packetsLost', 'lossPercent', 'jitterMs']) assert.equal(typeof result.call[field], 'number');
    assert.ok(result.call.level.rmsDbfs > -40);
  });

  it('fails with exit 1 and says the registration was refused for a wrong password', async () => {
    const run = await testCall(['--server', `${LOOPBACK}:${pbx.sipPort}`, '--extension', '205', '--password', 'wrong-password', '--json']);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const result = JSON.parse(run.stdout);
    assert.equal(result.verdict, 'fail');
    assert.equal(result.reason, 'registration-refused');
    assert.equal(result.registration.status, 403);
    assert.match(result.message, /wrong password/);
    assert.equal(result.call, null);
  });

  it('fails with exit 1 and "no answer" when nothing listens at the server address', async () => {
    const port = await freePort();
    const run = await testCall(['--server', `127.0.0.1:${port}`, '--extension', '205', '--password', 'telefon-205']);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /registration\s+no answer/);
    assert.match(run.stdout, /Result: FAIL: server unreachable/);
  });

  it('exits 2 for bad or missing options, before touching the network', async () => {
    const missing = await testCall(['--extension', '205']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--server is required/);
    assert.match(missing.stderr, /--password is required/);
    const bad = await testCall(['--server', 'a b', '--extension', '205', '--password', 'x', '--seconds', '0']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--server "a b"/);
    assert.match(bad.stderr, /--seconds/);
  });

  it('unregisters and still reports when interrupted with Ctrl-C while listening', async () => {
    let pid = 0;
    const unregistered = () => (pbx.output().stderr.match(/"extension":"205"[^\n]*extension unregistered/g) ?? []).length;
    const before = unregistered();
    const playing = () => (pbx.output().stderr.match(/self-test call: playing test music/g) ?? []).length;
    const played = playing();
    const running = testCall(['--server', `${LOOPBACK}:${pbx.sipPort}`, '--extension', '205', '--password', 'telefon-205', '--seconds', '600', '--json'], {}, (p) => (pid = p));
    await eventually(() => playing() > played, 30_000, 'the switchboard to answer *60');
    process.kill(pid, 'SIGINT');
    const run = await running;
    const result = JSON.parse(run.stdout);
    assert.equal(result.registration.result, 'registered');
    assert.equal(result.call.answered, true);
    assert.equal(run.code, result.verdict === 'pass' ? 0 : 1);
    await eventually(() => unregistered() > before, 10_000, 'the extension to be unregistered');
  });

  it('exits 2 when it cannot bind its local address', async () => {
    // 192.0.2.1 (TEST-NET-1) is not on this machine: binding fails, nothing is sent.
    const run = await testCall(['--server', `${LOOPBACK}:${pbx.sipPort}`, '--extension', '205', '--password', 'telefon-205', '--local-address', '192.0.2.1', '--json']);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    const result = JSON.parse(run.stdout);
    assert.equal(result.verdict, 'error');
    assert.match(result.message, /cannot bind/);
  });
});
