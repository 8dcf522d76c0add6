// The demo world: passengers are answered by demo stations, the call log
// shows it, a person's console can attach with the printed account, and
// stopping leaves nothing running.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startDemo, type DemoEvent } from '../../source/demo/index.js';
import { PhoneAgent } from '../../source/phone/index.js';
import { LOOPBACK } from '../e2e/support/ports.js';
import { login, openConsole } from '../e2e/support/pbx.js';
import { eventually, within } from '../e2e/support/wait.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

function run(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

describe('the demo', () => {
  it('answers passengers at demo stations, logs the calls, and lets a person attach a console', async () => {
    const events: DemoEvent[] = [];
    const demo = await startDemo({ stations: 2, rate: 60, answerDelayMs: [100, 500], talkMs: [1000, 2000], patienceMs: [30_000, 30_000], onEvent: (e) => events.push(e) });
    try {
      assert.deepEqual(demo.stations, ['201', '202']);
      await eventually(() => events.some((e) => e.type === 'answered'), 30_000, 'a demo station to answer a passenger');
      const answered = events.find((e) => e.type === 'answered') as Extract<DemoEvent, { type: 'answered' }>;
      assert.ok(demo.stations.includes(answered.extension));
      assert.match(answered.caller, /^\+48600\d{6}$/);
      await eventually(() => demo.callLog().some((c) => c.outcome === 'answered'), 30_000, 'an answered call in the call log');
      const call = demo.callLog().find((c) => c.outcome === 'answered')!;
      assert.ok(demo.stations.includes(call.answeredBy?.extension ?? ''), JSON.stringify(call));

      // The account printed for a person works: their phone registers, their console makes the station eligible.
      const phone = await PhoneAgent.start({ localAddress: LOOPBACK });
      try {
        const { outcome } = await phone.register({ server: { host: LOOPBACK, port: demo.sipPort, transport: 'udp' }, extension: demo.dispatcher.extension, password: demo.dispatcher.sipPassword });
        assert.equal(outcome.kind, 'registered');
        const { status, body } = await login(demo.apiUrl, demo.dispatcher.login, demo.dispatcher.password);
        assert.equal(status, 200);
        // Eligible: the switchboard offers it a passenger. (Waiting passengers
        // ring it at once, and this phone, answering nothing, soon gets it
        // paused for missed calls, faster than consoles are told every step.)
        const person = await openConsole(demo.apiUrl, body.token);
        try {
          person.send({ type: 'bind', extension: demo.dispatcher.extension });
          await eventually(() => person.messages.some((m) => m.type === 'bound'), 5000, 'the station to be bound');
          person.send({ type: 'ready' });
          const rung = () => demo.callLog().some((c) => c.offers.some((o) => o.extension === demo.dispatcher.extension));
          await eventually(rung, 30_000, "a passenger offered to the person's station");
        } finally {
          person.close();
        }
      } finally {
        await phone.stop();
      }
    } finally {
      await demo.stop();
    }
  });

  it('stops without leaving a socket, timer or process behind', async () => {
    const child = run([path.join(root, 'test/demo/support/demo-once.ts')]);
    const code = await within(child.exited, 90_000, 'the demo process to end by itself after stop()');
    const { stdout, stderr } = child.output();
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!);
    assert.equal(result.stopped, true);
    assert.ok(result.answered >= 1, stdout);
  });

  it('dispatcher demo prints events and the console account, and exits 0 on SIGINT', async () => {
    const demo = run([path.join(root, 'cli.tsx'), 'demo', '--stations', '2', '--rate', '60']);
    try {
      await eventually(() => /station 20\d answered caller/.test(demo.output().stdout) || demo.child.exitCode !== null, 60_000, 'a station to answer');
      const { stdout } = demo.output();
      assert.match(stdout, /console API\s+http:\/\/127\.0\.0\.1:\d+/);
      assert.match(stdout, /your console\s+login "dispatcher", password "[^"]+", station 203/);
      assert.match(stdout, /caller \+48600\d{6} arrived/);
      assert.match(stdout, /ringing station 20\d/);
    } finally {
      demo.child.kill('SIGINT');
    }
    const code = await within(demo.exited, 30_000, 'the demo to stop');
    assert.equal(code, 0, demo.output().stderr);
    assert.match(demo.output().stdout, /passengers called: \d+ answered by a station/);
  });
});
