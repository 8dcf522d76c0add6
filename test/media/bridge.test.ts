// End to end on 127.0.0.1: engine legs talking to each other, and a bridged,
// recorded call between two simulated phones sending tones of their own.
import assert from 'node:assert/strict';
import path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { MediaEngine } from '../../source/media/engine.js';
import { ALAW_DECODE, MULAW_DECODE } from '../../source/media/g711.js';
import { measureLevel, SILENCE_DBFS } from '../../source/media/level.js';
import { buildTelephoneEvent, parseRtp, parseTelephoneEvent, type RtpPacket } from '../../source/media/rtp.js';
import { channel, readWavFile } from '../../source/media/wav.js';
import { SimulatedPhone, strongestTone, temporaryFolder, testPortRange, wait, waitFor } from './support.js';

const folder = temporaryFolder();
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function engine(): Promise<MediaEngine> {
  const e = new MediaEngine({ ports: testPortRange() });
  await e.start();
  cleanups.push(() => e.close());
  return e;
}

async function phone(): Promise<SimulatedPhone> {
  const p = new SimulatedPhone();
  await p.bind();
  cleanups.push(() => p.close());
  return p;
}

/** A phone's answer to our offer, in the codec it picks. */
function answerFrom(p: SimulatedPhone, codec: 'PCMU' | 'PCMA', telephoneEvent = 101): string {
  return p.offer([codec], telephoneEvent);
}

/** Decoded audio of what a phone received (audio packets only). */
function decodedAudio(p: SimulatedPhone): Int16Array {
  const packets = p.received.map((b) => parseRtp(b)).filter((x): x is RtpPacket => !!x && (x.payloadType === 0 || x.payloadType === 8));
  const out = new Int16Array(packets.reduce((n, x) => n + x.payloadLength, 0));
  let at = 0;
  for (const x of packets) {
    const table = x.payloadType === 0 ? MULAW_DECODE : ALAW_DECODE;
    for (let i = 0; i < x.payloadLength; i++) out[at++] = table[x.buffer[x.payloadOffset + i]!]!;
  }
  return out;
}

describe('two engine legs on real UDP', () => {
  it('music played on one leg is heard on the other, well above silence', async () => {
    const e = await engine();
    const offering = e.offer();
    const answering = e.answer(offering.localSdp);
    offering.endpoint.complete(answering.localSdp);
    assert.equal(answering.endpoint.level().rmsDbfs, SILENCE_DBFS);
    e.play(offering.endpoint, 'hold', { loop: true });
    await waitFor(() => answering.endpoint.stats().packetsIn >= 25, 3000, 'half a second of music');
    const heard = answering.endpoint.stats();
    assert.ok(heard.level.rmsDbfs > -35, `music at ${heard.level.rmsDbfs} dBFS`);
    assert.equal(heard.packetsLost, 0);
    assert.equal(heard.codec, 'PCMU');
    assert.ok(heard.jitterMs < 15, `jitter ${heard.jitterMs} ms`);
    assert.ok(offering.endpoint.stats().packetsOut >= heard.packetsIn);
  });
});

describe('a bridged, recorded call', () => {
  it('relays both ways, transcoding PCMU to PCMA, and records caller left, dispatcher right', async () => {
    const e = await engine();
    const caller = await phone();
    const dispatcher = await phone();
    // The passenger calls in (PCMU); the switchboard rings the dispatcher's phone, which answers PCMA.
    const callerLeg = e.answer(caller.offer(['PCMU'])).endpoint;
    const dispatcherLeg = e.offer().endpoint;
    dispatcherLeg.complete(answerFrom(dispatcher, 'PCMA'));
    assert.equal(callerLeg.codec?.name, 'PCMU');
    assert.equal(dispatcherLeg.codec?.name, 'PCMA');
    // The caller was hearing hold music; the bridge takes over from it.
    const hold = e.play(callerLeg, 'hold', { loop: true });
    const file = path.join(folder, 'call.wav');
    const bridge = e.bridge(callerLeg, dispatcherLeg, { recordTo: file });
    assert.equal(await hold.done, 'replaced');
    const heardBeforeBridge = caller.received.length;

    caller.sendTone(callerLeg.port, 440, 'PCMU');
    dispatcher.sendTone(dispatcherLeg.port, 1000, 'PCMA');
    await wait(1500);
    caller.stopSending();
    dispatcher.stopSending();
    const recording = (await bridge.stop())!;
    assert.equal(recording.error, undefined);
    assert.ok(recording.durationMs >= 1200, `${recording.durationMs} ms recorded`);

    // Each phone hears the other's tone, in its own codec.
    const toDispatcher = dispatcher.received.map((b) => parseRtp(b)!);
    assert.ok(toDispatcher.length >= 60, `${toDispatcher.length} packets to the dispatcher`);
    assert.ok(toDispatcher.every((x) => x.payloadType === 8));
    const dispatcherHeard = strongestTone(decodedAudio(dispatcher), [440, 1000]);
    assert.equal(dispatcherHeard.frequency, 440);
    assert.ok(dispatcherHeard.marginDb > 20, `margin ${dispatcherHeard.marginDb} dB`);
    caller.received.splice(0, heardBeforeBridge);
    const toCaller = caller.received.map((b) => parseRtp(b)!);
    assert.ok(toCaller.every((x) => x.payloadType === 0));
    assert.equal(strongestTone(decodedAudio(caller), [440, 1000]).frequency, 1000);
    // Our own sequence numbers on each outgoing leg: no gaps.
    for (let i = 1; i < toDispatcher.length; i++) assert.equal(toDispatcher[i]!.sequenceNumber, (toDispatcher[i - 1]!.sequenceNumber + 1) & 0xffff);

    const wav = readWavFile(file);
    assert.equal(wav.channels, 2);
    assert.equal(wav.sampleRate, 8000);
    const left = channel(wav, 0);
    const right = channel(wav, 1);
    const leftTone = strongestTone(left, [440, 1000]);
    const rightTone = strongestTone(right, [440, 1000]);
    assert.equal(leftTone.frequency, 440, 'caller on the left');
    assert.equal(rightTone.frequency, 1000, 'dispatcher on the right');
    assert.ok(leftTone.marginDb > 20 && rightTone.marginDb > 20, `margins ${leftTone.marginDb}, ${rightTone.marginDb} dB`);
    assert.ok(measureLevel(left).rmsDbfs > -25 && measureLevel(right).rmsDbfs > -25);
  });

  it('passes DTMF across, on the payload type each side agreed to', async () => {
    const e = await engine();
    const caller = await phone();
    const dispatcher = await phone();
    const callerLeg = e.answer(caller.offer(['PCMU'], 96)).endpoint;
    const dispatcherLeg = e.offer().endpoint;
    dispatcherLeg.complete(answerFrom(dispatcher, 'PCMU', 101));
    e.bridge(callerLeg, dispatcherLeg);
    await Promise.all([callerLeg.ready, dispatcherLeg.ready]);
    const keys: string[] = [];
    callerLeg.on('dtmf', (d) => keys.push(d.digit!));
    caller.sendPacket(callerLeg.port, 0, new Uint8Array(160).fill(0xff), true);
    const eventTs = 123456;
    caller.sendPacket(callerLeg.port, 96, buildTelephoneEvent({ event: 7, end: false, volume: 10, duration: 160 }), true, eventTs);
    caller.sendPacket(callerLeg.port, 96, buildTelephoneEvent({ event: 7, end: false, volume: 10, duration: 320 }), false, eventTs);
    caller.sendPacket(callerLeg.port, 96, buildTelephoneEvent({ event: 7, end: true, volume: 10, duration: 480 }), false, eventTs);
    await waitFor(() => dispatcher.received.length === 4, 2000, 'four packets relayed');
    const relayed = dispatcher.received.map((b) => parseRtp(b)!);
    assert.equal(relayed[0]!.payloadType, 0);
    const events = relayed.slice(1);
    assert.ok(events.every((x) => x.payloadType === 101), 'caller 96 becomes dispatcher 101');
    assert.deepEqual(events.map((x) => parseTelephoneEvent(x.buffer, x.payloadOffset, x.payloadLength)!.duration), [160, 320, 480]);
    assert.equal(events[0]!.marker, true);
    assert.ok(events.every((x) => x.timestamp === events[0]!.timestamp), 'one event keeps one timestamp');
    assert.ok(events.every((x) => x.ssrc === relayed[0]!.ssrc));
    assert.deepEqual(keys, ['7']);
  });

  it('ends when a leg is released, finishing the recording', async () => {
    const e = await engine();
    const a = e.offer();
    const b = e.answer(a.localSdp);
    a.endpoint.complete(b.localSdp);
    const file = path.join(folder, 'released.wav');
    let ended = false;
    const bridge = e.bridge(a.endpoint, b.endpoint, { recordTo: file, onEnd: () => (ended = true) });
    await wait(100);
    e.release(a.endpoint);
    const recording = await bridge.stop();
    assert.ok(ended);
    assert.equal(recording?.path, file);
    assert.equal(readWavFile(file).channels, 2);
    assert.equal(b.endpoint.consumer, undefined);
  });
});
