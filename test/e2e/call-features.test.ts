// The switchboard's call options end to end, each against a real `pbx`
// process with SIPp passengers and phones: the recording of an answered call
// (caller left, dispatcher right, heard through the real RTP bridge), ring-all,
// overflow to another number, and `--waiting ringback`.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { channel, MULAW_DECODE, readWavFile } from '../../source/media/index.js';
import { openStore } from '../../source/store/index.js';
import type { CallRecord } from '../../source/store/calls.js';
import { SimulatedPhone, strongestTone } from '../media/support.js';
import { freePort, LOOPBACK } from './support/ports.js';
import { login, readyStation, registerPhone, startPbx, type ConsoleClient, type PbxProcess } from './support/pbx.js';
import { assertSippPassed, runSipp, startSippUas, type SippUas } from './support/sipp.js';
import { eventually } from './support/wait.js';

const PASSENGER_HZ = 500;
const DISPATCHER_HZ = 1300;
const MUSIC = [PASSENGER_HZ, DISPATCHER_HZ];

/** A pbx with a dispatcher logged in, and the stations, phones and consoles made for one test. */
async function switchboard(args: string[]) {
  const pbx = await startPbx(['--trunk', '127.0.0.1', '--options-ping', '3600', ...args]);
  assert.equal(pbx.admin('user', 'add', 'iza', '--password', 'dyspozytor3').code, 0);
  const token = (await login(pbx.apiUrl, 'iza', 'dyspozytor3')).body.token as string;
  const phones: SippUas[] = [];
  const consoles: ConsoleClient[] = [];
  return {
    pbx,
    /** Registers `extension`, starts its SIPp phone running `scenario`, and readies its console. */
    async station(extension: string, scenario: string, sippArgs: string[] = [], keys?: Record<string, string>) {
      assert.equal(pbx.admin('phone', 'add', extension, '--password', `telefon-${extension}`).code, 0);
      const port = await freePort();
      await registerPhone(pbx.sipPort, port, extension, `telefon-${extension}`);
      const phone = await startSippUas({ scenario, transport: 'u1', localPort: port, calls: 1, timeoutMs: 30_000, extraArgs: sippArgs, keys });
      phones.push(phone);
      consoles.push(await readyStation(pbx.apiUrl, token, extension));
      return phone;
    },
    calls(): CallRecord[] {
      const store = openStore(pbx.dataDir);
      try {
        return store.calls.recent(10).reverse();
      } finally {
        store.close();
      }
    },
    async stop() {
      for (const c of consoles) c.close();
      for (const p of phones) await p.stop();
      await pbx.stop();
    },
  };
}

/** The audio in RTP packets (PCMU) as 16-bit samples. */
function decode(packets: Buffer[]): Int16Array {
  const audio = packets.filter((p) => p.length > 12 && (p[1]! & 0x7f) === 0).map((p) => p.subarray(12));
  const samples = new Int16Array(audio.reduce((n, a) => n + a.length, 0));
  let i = 0;
  for (const a of audio) for (const byte of a) samples[i++] = MULAW_DECODE[byte]!;
  return samples;
}

/** Starts talking (a tone) back to whoever first sends RTP to the phone: symmetric RTP, like a phone behind NAT. */
function talkBackOnFirstPacket(phone: SimulatedPhone, frequency: number): void {
  phone.socket.once('message', (_msg, from) => phone.sendTone(from.port, frequency, 'PCMU'));
}

describe('recording an answered call', () => {
  let office: Awaited<ReturnType<typeof switchboard>>;
  const passengerVoice = new SimulatedPhone();
  const dispatcherVoice = new SimulatedPhone();

  before(async () => {
    office = await switchboard([]);
    await passengerVoice.bind();
    await dispatcherVoice.bind();
  });
  after(async () => {
    passengerVoice.close();
    dispatcherVoice.close();
    await office.stop();
  });

  it('bridges the passenger and the dispatcher and records the caller left, the dispatcher right', async () => {
    const phone = await office.station('501', 'station-answer-media.xml', ['-d', '3000'], { rtp_port: String(dispatcherVoice.port) });
    // The passenger starts speaking when the switchboard's hold music reaches it;
    // the dispatcher's phone when the bridged passenger's voice does.
    talkBackOnFirstPacket(passengerVoice, PASSENGER_HZ);
    talkBackOnFirstPacket(dispatcherVoice, DISPATCHER_HZ);
    const passenger = await runSipp({
      scenario: 'uac-passenger-media.xml',
      remote: `${LOOPBACK}:${office.pbx.sipPort}`,
      service: '100',
      keys: { rtp_port: String(passengerVoice.port) },
      timeoutMs: 30_000,
    });
    assertSippPassed(passenger);
    assertSippPassed(await phone.done);

    // Each side heard the other through the bridge.
    const heardByPassenger = decode(passengerVoice.received.slice(-50));
    const heardByDispatcher = decode(dispatcherVoice.received.slice(-50));
    assert.equal(strongestTone(heardByPassenger, MUSIC).frequency, DISPATCHER_HZ, 'the passenger hears the dispatcher');
    assert.equal(strongestTone(heardByDispatcher, MUSIC).frequency, PASSENGER_HZ, 'the dispatcher hears the passenger');

    await eventually(() => office.calls()[0]?.outcome === 'answered', 5000, 'the call to be logged as answered');
    const [call] = office.calls();
    assert.equal(call!.answeredBy.extension, '501');
    assert.ok(call!.recordingFile && existsSync(call!.recordingFile), `the recording ${call!.recordingFile} exists`);
    // The recorder finishes the file as the bridge stops, just after the call ends.
    await eventually(() => {
      try {
        return readWavFile(call!.recordingFile!).samples.length / 2 > 8000;
      } catch {
        return false;
      }
    }, 5000, 'the recording to be written');
    const wav = readWavFile(call!.recordingFile!);
    assert.equal(wav.channels, 2);
    assert.equal(wav.sampleRate, 8000);
    const left = strongestTone(channel(wav, 0), MUSIC);
    const right = strongestTone(channel(wav, 1), MUSIC);
    assert.equal(left.frequency, PASSENGER_HZ, 'the caller is on the left');
    assert.equal(right.frequency, DISPATCHER_HZ, 'the dispatcher is on the right');
    assert.ok(left.marginDb > 20 && right.marginDb > 20, `channels are kept apart (margins ${left.marginDb.toFixed(1)} and ${right.marginDb.toFixed(1)} dB)`);
  });
});

describe('ring-all', () => {
  let office: Awaited<ReturnType<typeof switchboard>>;
  before(async () => {
    office = await switchboard(['--strategy', 'ring-all']);
  });
  after(async () => office.stop());

  it('rings every ready station for one caller, connects the first to answer and cancels the others', async () => {
    const first = await office.station('601', 'uas-ring-expect-cancel.xml');
    const answering = await office.station('602', 'station-answer.xml', ['-d', '500']);
    const third = await office.station('603', 'uas-ring-expect-cancel.xml');
    const passenger = await runSipp({ scenario: 'uac-call-expect-bye.xml', remote: `${LOOPBACK}:${office.pbx.sipPort}`, service: '100', timeoutMs: 30_000 });
    assertSippPassed(passenger);
    assertSippPassed(await answering.done);
    assertSippPassed(await first.done);
    assertSippPassed(await third.done);
    await eventually(() => office.calls()[0]?.outcome === 'answered', 5000, 'the call to be logged');
    const [call] = office.calls();
    assert.equal(call!.answeredBy.extension, '602');
    assert.deepEqual(
      call!.offers.map((o) => [o.extension, o.result]).sort(),
      [['601', 'cancelled'], ['602', 'answered'], ['603', 'cancelled']],
    );
  });
});

describe('overflow', () => {
  let office: Awaited<ReturnType<typeof switchboard>>;
  let overflowPhone: SippUas;
  let overflowPort: number;
  before(async () => {
    overflowPort = await freePort();
    // The night service: answers, talks briefly and hangs up.
    overflowPhone = await startSippUas({ scenario: 'station-answer.xml', transport: 'u1', localPort: overflowPort, calls: 1, timeoutMs: 30_000, extraArgs: ['-d', '500'] });
    office = await switchboard(['--overflow-after', '1', '--overflow-to', `sip:700@${LOOPBACK}:${overflowPort}`]);
  });
  after(async () => {
    await overflowPhone.stop();
    await office.stop();
  });

  it('sends a caller nobody answered to the overflow number after the maximum wait', async () => {
    // No station is ready: the caller waits with music, then overflows.
    const passenger = await runSipp({ scenario: 'uac-call-expect-bye.xml', remote: `${LOOPBACK}:${office.pbx.sipPort}`, service: '100', timeoutMs: 30_000 });
    assertSippPassed(passenger);
    assertSippPassed(await overflowPhone.done);
    await eventually(() => office.calls()[0]?.outcome === 'overflow', 5000, 'the call to be logged as overflow');
    const [call] = office.calls();
    assert.ok(call!.waitMs! >= 1000, `the caller waited ${call!.waitMs} ms before overflowing`);
    assert.deepEqual(call!.offers, []);
  });
});

describe('--waiting ringback', () => {
  let office: Awaited<ReturnType<typeof switchboard>>;
  before(async () => {
    office = await switchboard(['--waiting', 'ringback']);
  });
  after(async () => office.stop());

  it('leaves a waiting caller unanswered, hearing ringing, until they give up', async () => {
    // No station: an answer (200) during the pause would fail the scenario.
    const passenger = await runSipp({ scenario: 'uac-ringback-then-cancel.xml', remote: `${LOOPBACK}:${office.pbx.sipPort}`, service: '100', extraArgs: ['-d', '1500'], timeoutMs: 30_000 });
    assertSippPassed(passenger);
    await eventually(() => office.calls()[0]?.outcome === 'abandoned', 5000, 'the call to be logged as abandoned');
    assert.equal(office.calls()[0]!.answeredAt, null);
  });

  it('answers the caller only when a dispatcher answers', async () => {
    const phone = await office.station('801', 'station-answer.xml', ['-d', '500']);
    const passenger = await runSipp({ scenario: 'uac-call-expect-bye.xml', remote: `${LOOPBACK}:${office.pbx.sipPort}`, service: '100', timeoutMs: 30_000 });
    assertSippPassed(passenger);
    assertSippPassed(await phone.done);
    await eventually(() => office.calls().at(-1)?.outcome === 'answered', 5000, 'the call to be logged as answered');
    assert.equal(office.calls().at(-1)!.answeredBy.extension, '801');
  });
});
