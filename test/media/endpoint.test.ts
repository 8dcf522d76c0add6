// RTP legs on real UDP sockets on 127.0.0.1, with plain dgram sockets as phones.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { MediaEngine, MediaEngineError } from '../../source/media/engine.js';
import { SdpError } from '../../source/media/sdp.js';
import { parseRtp, buildTelephoneEvent } from '../../source/media/rtp.js';
import type { DtmfEvent } from '../../source/media/endpoint.js';
import { SimulatedPhone, testPortRange, wait, waitFor } from './support.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function engine(options: ConstructorParameters<typeof MediaEngine>[0] = {}): Promise<MediaEngine> {
  const e = new MediaEngine({ ports: testPortRange(), ...options });
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

describe('RTP ports', () => {
  it('hands out even ports of the range, round-robin, and takes them back', async () => {
    const e = await engine({ ports: { min: 30001, max: 30010 }, reserve: 0 });
    const legs = [e.createEndpoint(), e.createEndpoint(), e.createEndpoint(), e.createEndpoint()];
    assert.deepEqual(legs.map((l) => l.port), [30002, 30004, 30006, 30008]);
    await Promise.all(legs.map((l) => l.ready));
    assert.throws(() => e.createEndpoint(), (err: unknown) => err instanceof MediaEngineError && /no free RTP port in 30002-30009/.test(err.message));
    const closed = new Promise<void>((resolve) => legs[1]!.once('closed', () => resolve()));
    e.release(legs[1]!);
    await closed;
    assert.equal(e.legCount, 3);
    assert.equal(e.createEndpoint().port, 30004);
  });

  it('skips ports another program holds', async () => {
    const range = testPortRange(6);
    const squatter = new SimulatedPhone();
    await squatter.bind(range.min);
    cleanups.push(() => squatter.close());
    const e = await engine({ ports: range, reserve: 2 });
    assert.deepEqual([e.createEndpoint().port, e.createEndpoint().port], [range.min + 2, range.min + 4]);
  });

  it('refuses an offer without usable audio before taking a port', async () => {
    const e = await engine();
    assert.throws(() => e.answer('v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 4000 RTP/AVP 9\r\n'), SdpError);
    assert.equal(e.legCount, 0);
  });
});

describe('an RTP leg', () => {
  it('sends to the SDP address until the phone speaks, then to where its packets come from', async () => {
    const e = await engine();
    const sdpSide = await phone();
    const natSide = await phone(); // the same phone seen through NAT: another port
    const { endpoint } = e.answer(sdpSide.offer(['PCMU']));
    e.play(endpoint, 'hold', { loop: true });
    await waitFor(() => sdpSide.received.length >= 3, 2000, 'music at the SDP address');
    const latched = new Promise((resolve) => endpoint.once('latched', resolve));
    natSide.sendPacket(endpoint.port, 0, new Uint8Array(160).fill(0xff));
    assert.deepEqual(await latched, { address: '127.0.0.1', port: natSide.port });
    await waitFor(() => natSide.received.length >= 3, 2000, 'music at the latched source');
    const atSdpAddress = sdpSide.received.length;
    await wait(100);
    assert.ok(sdpSide.received.length <= atSdpAddress + 1, 'nothing more to the SDP address');
    assert.deepEqual(endpoint.stats().sendingTo, { address: '127.0.0.1', port: natSide.port });
  });

  it('neither latches to nor counts garbage, RTCP or payload types it did not agree to', async () => {
    const e = await engine();
    const p = await phone();
    const stranger = await phone();
    const { endpoint } = e.answer(p.offer(['PCMU']));
    await endpoint.ready;
    stranger.socket.send(Buffer.from('hello'), endpoint.port, '127.0.0.1');
    stranger.socket.send(Buffer.from([0x80, 200, 0, 6, ...new Array(24).fill(0)]), endpoint.port, '127.0.0.1');
    stranger.sendPacket(endpoint.port, 8, new Uint8Array(160)); // PCMA: not what we agreed
    stranger.sendPacket(endpoint.port, 18, new Uint8Array(20)); // G.729
    await waitFor(() => endpoint.stats().packetsIgnored === 4, 2000, 'four ignored');
    assert.equal(endpoint.stats().latched, false);
    assert.equal(endpoint.stats().packetsIn, 0);
  });

  it('ignores another source once latched, until the latched one falls silent', async () => {
    const e = await engine({ relatchAfterMs: 300 });
    const p = await phone();
    const intruder = await phone();
    const { endpoint } = e.answer(p.offer(['PCMU']));
    await endpoint.ready;
    p.sendPacket(endpoint.port, 0, new Uint8Array(160));
    await waitFor(() => endpoint.stats().latched, 2000, 'latched');
    intruder.sendPacket(endpoint.port, 0, new Uint8Array(160));
    await waitFor(() => endpoint.stats().packetsIgnored === 1, 2000, 'intruder ignored');
    assert.equal(endpoint.stats().packetsIn, 1);
    await wait(350);
    intruder.sendPacket(endpoint.port, 0, new Uint8Array(160));
    await waitFor(() => endpoint.stats().packetsIn === 2, 2000, 'new source accepted');
    assert.deepEqual(endpoint.stats().sendingTo, { address: '127.0.0.1', port: intruder.port });
  });

  it('counts packets, bytes, loss from sequence gaps, jitter and level', async () => {
    const e = await engine();
    const p = await phone();
    const { endpoint } = e.answer(p.offer(['PCMA']));
    await endpoint.ready;
    assert.equal(endpoint.stats().silentForMs, undefined);
    const loud = new Uint8Array(160).map((_, i) => (i % 2 ? 0xaa : 0x2a)); // ±32256 square wave
    for (let i = 0; i < 20; i++) {
      if (i === 10) p.lose(3);
      p.sendPacket(endpoint.port, 8, loud);
    }
    await waitFor(() => endpoint.stats().packetsIn === 20, 2000, '20 packets');
    const stats = endpoint.stats();
    assert.equal(stats.bytesIn, 20 * 172);
    assert.equal(stats.packetsLost, 3);
    assert.equal(stats.codec, 'PCMA');
    assert.ok(stats.jitterMs > 0, 'sent in a burst: arrival does not follow the timestamps');
    assert.ok(stats.level.rmsDbfs > -1 && stats.level.peakDbfs > -1, `level ${JSON.stringify(stats.level)}`);
    assert.ok(stats.silentForMs! >= 0 && stats.silentForMs! < 1000);
    await wait(120);
    assert.ok(endpoint.stats().silentForMs! >= 100, 'silence since the last packet grows');
  });

  it('reports each DTMF key once, though its end packet comes three times', async () => {
    const e = await engine();
    const p = await phone();
    const { endpoint } = e.answer(p.offer(['PCMU'], 96));
    await endpoint.ready;
    const keys: DtmfEvent[] = [];
    endpoint.on('dtmf', (d) => keys.push(d));
    const ts = 1000;
    p.sendPacket(endpoint.port, 96, buildTelephoneEvent({ event: 5, end: false, volume: 10, duration: 160 }), true, ts);
    p.sendPacket(endpoint.port, 96, buildTelephoneEvent({ event: 5, end: false, volume: 10, duration: 320 }), false, ts);
    for (let i = 0; i < 3; i++) p.sendPacket(endpoint.port, 96, buildTelephoneEvent({ event: 5, end: true, volume: 10, duration: 800 }), false, ts);
    p.sendPacket(endpoint.port, 96, buildTelephoneEvent({ event: 11, end: true, volume: 10, duration: 400 }), true, ts + 2000);
    await waitFor(() => endpoint.stats().packetsIn === 6, 2000, 'six packets');
    assert.deepEqual(keys, [
      { digit: '5', event: 5, durationMs: 100 },
      { digit: '#', event: 11, durationMs: 50 },
    ]);
  });

  it('sends nothing while the phone holds the call (sendonly offer answered recvonly)', async () => {
    const e = await engine();
    const p = await phone();
    const { endpoint, localSdp } = e.answer(p.offer(['PCMU']).replace('a=sendrecv', 'a=sendonly'));
    assert.match(localSdp, /a=recvonly/);
    e.play(endpoint, 'hold', { loop: true });
    await wait(200);
    assert.equal(p.received.length, 0);
    // Taken off hold by a re-INVITE: music resumes on the same leg.
    assert.match(endpoint.answer(p.offer(['PCMU'])), /a=sendrecv/);
    await waitFor(() => p.received.length > 3, 2000, 'music after the hold');
  });
});

describe('playing a sound', () => {
  it('sends 20 ms frames: one SSRC, sequence +1, timestamp +160, marker on the first', async () => {
    const e = await engine();
    const p = await phone();
    const { endpoint } = e.answer(p.offer(['PCMA']));
    const player = e.play(endpoint, 'test', { loop: true });
    await waitFor(() => p.received.length >= 25, 3000, '25 packets');
    player.stop();
    assert.equal(await player.done, 'stopped');
    const packets = p.received.map((b) => parseRtp(b)!);
    assert.ok(packets.every((x) => x && x.payloadType === 8 && x.payloadLength === 160));
    assert.equal(packets[0]!.marker, true);
    assert.ok(packets.slice(1).every((x) => !x.marker));
    assert.ok(packets.every((x) => x.ssrc === packets[0]!.ssrc));
    for (let i = 1; i < packets.length; i++) {
      assert.equal(packets[i]!.sequenceNumber, (packets[i - 1]!.sequenceNumber + 1) & 0xffff);
      assert.equal(packets[i]!.timestamp, (packets[i - 1]!.timestamp + 160) >>> 0);
    }
    // What was sent is the sound itself, encoded.
    const sound = e.sound('test').encoded('PCMA');
    assert.deepEqual([...packets[1]!.payload()], [...sound.subarray(160, 320)]);
  });

  it('stops at its limit and says why', async () => {
    const e = await engine();
    const p = await phone();
    const { endpoint } = e.answer(p.offer());
    const ends: string[] = [];
    const player = e.play(endpoint, 'test', { loop: true, limitMs: 200, onEnd: (why) => ends.push(why) });
    assert.equal(await player.done, 'limit');
    assert.deepEqual(ends, ['limit']);
    await wait(60);
    assert.ok(p.received.length >= 8 && p.received.length <= 11, `${p.received.length} packets in 200 ms`);
  });

  it('plays once to the end, padding the last frame', async () => {
    const e = await engine();
    const p = await phone();
    const { endpoint } = e.answer(p.offer(['PCMU']));
    const { Sound } = await import('../../source/media/sound.js');
    const beep = new Sound('beep', new Int16Array(500).fill(4000));
    const player = e.play(endpoint, beep);
    assert.equal(await player.done, 'finished');
    await wait(40);
    assert.equal(p.received.length, 4);
    const last = parseRtp(p.received[3]!)!.payload();
    assert.ok(last.subarray(0, 20).every((b) => b !== 0xff) && last.subarray(20).every((b) => b === 0xff));
  });

  it('a second player replaces the first, with a new marker and the timestamp carrying on', async () => {
    const e = await engine();
    const p = await phone();
    const { endpoint } = e.answer(p.offer(['PCMU']));
    const hold = e.play(endpoint, 'hold', { loop: true });
    await waitFor(() => p.received.length >= 5, 2000, 'hold music');
    const ring = e.play(endpoint, 'ring', { loop: true });
    assert.equal(await hold.done, 'replaced');
    const before = p.received.length;
    await waitFor(() => p.received.length >= before + 5, 2000, 'ringback');
    ring.stop();
    const packets = p.received.map((b) => parseRtp(b)!);
    const switchAt = packets.findIndex((x, i) => i > 0 && x.marker);
    assert.ok(switchAt > 0, 'marker at the switch');
    const gap = (packets[switchAt]!.timestamp - packets[switchAt - 1]!.timestamp) >>> 0;
    assert.ok(gap >= 160 && gap <= 160 * 5, `timestamp moved on by ${gap}`);
    assert.ok(packets.every((x) => x.ssrc === packets[0]!.ssrc));
  });

  it('ends with "closed" when the leg is released', async () => {
    const e = await engine();
    const p = await phone();
    const { endpoint } = e.answer(p.offer());
    const player = e.play(endpoint, 'hold', { loop: true });
    e.release(endpoint);
    assert.equal(await player.done, 'closed');
  });
});
