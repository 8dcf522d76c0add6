// The taxi office's promise, end to end: passengers (SIPp) call the queue
// number through the trunk; dispatchers' phones (SIPp, registered with digest)
// at stations whose consoles (WebSockets) are ready take them in order; the
// first dispatcher to finish gets the next passenger; the call log says so.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../../source/store/index.js';
import { freePort } from './support/ports.js';
import { login, readyStation, registerPhone, startPbx, type ConsoleClient, type PbxProcess } from './support/pbx.js';
import { assertSippPassed, runSipp, startSippUas, type SippUas } from './support/sipp.js';
import { eventually } from './support/wait.js';

const stations = [
  { extension: '201', password: 'telefon-201', talkMs: 1500 },
  { extension: '202', password: 'telefon-202', talkMs: 3500 },
  { extension: '203', password: 'telefon-203', talkMs: 5000 },
];

describe('passengers distributed to ready stations', () => {
  let pbx: PbxProcess;
  const phones: SippUas[] = [];
  const consoles: ConsoleClient[] = [];

  before(async () => {
    pbx = await startPbx(['--trunk', '127.0.0.1', '--options-ping', '3600', '--loglevel', 'info']);
    assert.equal(pbx.admin('user', 'add', 'ola', '--password', 'dyspozytor1').code, 0);
    const { body } = await login(pbx.apiUrl, 'ola', 'dyspozytor1');
    for (const s of stations) {
      assert.equal(pbx.admin('phone', 'add', s.extension, '--password', s.password).code, 0);
      const port = await freePort();
      await registerPhone(pbx.sipPort, port, s.extension, s.password);
      phones.push(await startSippUas({ scenario: 'station-answer.xml', transport: 'u1', localPort: port, calls: 2, timeoutMs: 40_000, extraArgs: ['-d', String(s.talkMs)] }));
      // Readiness order is idle order: 201 has waited longest.
      consoles.push(await readyStation(pbx.apiUrl, body.token, s.extension));
    }
  });

  after(async () => {
    for (const c of consoles) c.close();
    for (const p of phones) await p.stop();
    await pbx.stop();
  });

  it('rings three stations at once for three callers and gives the fourth to the first dispatcher who finishes', async () => {
    const passengers = await runSipp({
      scenario: 'uac-call-expect-bye.xml',
      remote: `127.0.0.1:${pbx.sipPort}`,
      transport: 'u1',
      service: '100',
      calls: 4,
      rate: 10,
      timeoutMs: 40_000,
    });
    assertSippPassed(passengers, 4);

    // Each console was told of its station's call in progress: a passenger, recorded, then idle again.
    for (const c of consoles) {
      const calls = c.messages.filter((m) => m.type === 'station' && m.station.call).map((m) => m.station.call);
      assert.ok(calls.length > 0, 'the console saw its call in progress');
      assert.equal(calls[0].kind, 'passenger');
      assert.equal(calls[0].recording, true);
      assert.match(calls[0].callerId, /^c\d+$/);
      assert.equal(typeof calls[0].since, 'number');
    }
    await eventually(() => consoles.every((c) => c.station()?.call === null && c.station()?.inCall === false), 5000, 'the stations to be idle again');

    const store = openStore(pbx.dataDir);
    try {
      const calls = store.calls.recent(10).reverse();
      assert.equal(calls.length, 4);
      assert.deepEqual(calls.map((c) => c.outcome), ['answered', 'answered', 'answered', 'answered']);
      // Each of the first three rang a different station, longest idle first.
      assert.deepEqual(calls.slice(0, 3).map((c) => c.answeredBy.extension), ['201', '202', '203']);
      assert.deepEqual(calls.slice(0, 3).map((c) => c.offers.length), [1, 1, 1]);
      // The fourth waited for the first dispatcher to hang up: 201's talk is shortest.
      assert.equal(calls[3]!.answeredBy.extension, '201');
      assert.equal(calls[3]!.answeredBy.login, 'ola');
      assert.ok(calls[3]!.waitMs! >= calls[0]!.talkMs! - 500, `the fourth caller waited ${calls[3]!.waitMs} ms`);
      for (const c of calls) assert.ok(c.recordingFile, 'answered calls are recorded');
    } finally {
      store.close();
    }
  });
});

describe('offers that do not end in an answer', () => {
  let pbx: PbxProcess;
  let token: string;
  const leaseMs = 1000;
  const cleanup: Array<() => unknown> = [];

  before(async () => {
    pbx = await startPbx(['--trunk', '127.0.0.1', '--options-ping', '3600', '--lease', String(leaseMs)]);
    assert.equal(pbx.admin('user', 'add', 'ela', '--password', 'dyspozytor2').code, 0);
    token = (await login(pbx.apiUrl, 'ela', 'dyspozytor2')).body.token;
  });
  after(async () => {
    for (const step of cleanup.reverse()) await step();
    await pbx.stop();
  });

  /** A registered phone at `extension` running `scenario`, and its console. */
  async function station(extension: string, scenario: string, ready: boolean, sippArgs: string[] = []) {
    assert.equal(pbx.admin('phone', 'add', extension, '--password', `telefon-${extension}`).code, 0);
    const port = await freePort();
    await registerPhone(pbx.sipPort, port, extension, `telefon-${extension}`);
    const phone = await startSippUas({ scenario, transport: 'u1', localPort: port, calls: 1, timeoutMs: 30_000, extraArgs: sippArgs });
    cleanup.push(() => phone.stop());
    const console = ready ? await readyStation(pbx.apiUrl, token, extension) : undefined;
    if (console) cleanup.push(() => console.close());
    return { phone, console };
  }

  const lastCall = () => {
    const store = openStore(pbx.dataDir);
    try {
      return store.calls.recent(1)[0];
    } finally {
      store.close();
    }
  };

  it('cancels the ringing offer when its console drops out and rings another station for the caller', async () => {
    const first = await station('301', 'uas-ring-expect-cancel.xml', true);
    const second = await station('302', 'station-answer.xml', true, ['-d', '500']);
    const passenger = runSipp({ scenario: 'uac-call-expect-bye.xml', remote: `127.0.0.1:${pbx.sipPort}`, service: '100', timeoutMs: 30_000 });
    // 301 has waited longest, so it rings first; then its console vanishes.
    await eventually(() => (lastCall()?.offers.length ?? 0) >= 1, 10_000, 'the first offer');
    first.console!.close();
    try {
      assertSippPassed(await passenger);
      assertSippPassed(await first.phone.done);
    } finally {
      second.console!.close();
    }
    const call = lastCall()!;
    assert.equal(call.outcome, 'answered');
    assert.deepEqual(call.offers.map((o) => [o.extension, o.result]), [['301', 'cancelled'], ['302', 'answered']]);
  });

  it('never rings a paused station, and cancels the offer when the passenger hangs up while it rings', async () => {
    const paused = await station('401', 'station-answer.xml', true, ['-d', '500']);
    paused.console!.send({ type: 'pause', reason: 'przerwa' });
    await eventually(() => paused.console!.station()?.eligible === false, 5000, 'the pause');
    // The stations of the test before have no console any more.
    await eventually(() => paused.console!.stationFromList('302')?.eligible === false, leaseMs + 2000, 'station 302 to drop out');
    const ringing = await station('402', 'uas-ring-expect-cancel.xml', true);
    const passenger = await runSipp({ scenario: 'uac-call-wait-hangup.xml', remote: `127.0.0.1:${pbx.sipPort}`, service: '100', extraArgs: ['-d', '1500'] });
    assertSippPassed(passenger);
    assertSippPassed(await ringing.phone.done);
    const call = lastCall()!;
    assert.equal(call.outcome, 'abandoned');
    assert.deepEqual(call.offers.map((o) => [o.extension, o.result]), [['402', 'cancelled']]);
    const untouched = await paused.phone.stop();
    assert.equal(untouched.stats.successfulCalls + untouched.stats.failedCalls, 0, 'the paused station was rung');
  });
});
