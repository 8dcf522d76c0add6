// The embedded engine as the switchboard sees it, through its media port.
import assert from 'node:assert/strict';
import path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { EmbeddedMedia } from '../../source/media/switchboard-media.js';
import { RtpEndpoint } from '../../source/media/endpoint.js';
import { MediaError } from '../../source/switchboard/media-port.js';
import { readWavFile } from '../../source/media/wav.js';
import { SimulatedPhone, temporaryFolder, testPortRange, wait, waitFor } from './support.js';

const folder = temporaryFolder();
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function media(): Promise<EmbeddedMedia> {
  const m = new EmbeddedMedia({ ports: testPortRange() });
  await m.start();
  cleanups.push(() => m.close());
  return m;
}

async function phone(): Promise<SimulatedPhone> {
  const p = new SimulatedPhone();
  await p.bind();
  cleanups.push(() => p.close());
  return p;
}

describe('the embedded media behind the switchboard port', () => {
  it('refuses SDP without usable audio with the port MediaError (the switchboard answers 488)', async () => {
    const m = await media();
    assert.throws(() => m.answer(''), MediaError);
    assert.throws(() => m.answer('v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 4000 RTP/SAVP 0\r\n'), /RTP\/SAVP/);
    const { leg } = m.offer();
    assert.throws(() => m.complete(leg, 'v=0\r\nm=video 1 RTP/AVP 96\r\n'), MediaError);
    assert.equal(m.engine.legCount, 1);
  });

  it('plays the *60 music until the limit, then calls onEnd once (not on stop or release)', async () => {
    const m = await media();
    const p = await phone();
    const { leg, localSdp } = m.answer(p.offer());
    assert.match(localSdp, /m=audio \d+ RTP\/AVP 0 101/);
    let ended = 0;
    m.play(leg, 'test', { loop: true, limitMs: 300, onEnd: () => ended++ });
    await waitFor(() => ended === 1, 2000, 'the limit');
    assert.ok(p.received.length >= 12, `${p.received.length} packets`);

    const stopped = m.play(leg, 'hold', { loop: true, onEnd: () => ended++ });
    await wait(60);
    stopped.stop();
    m.play(leg, 'hold', { loop: true, onEnd: () => ended++ });
    m.release(leg);
    m.release(leg);
    await wait(60);
    assert.equal(ended, 1);
  });

  it('bridges two legs and records them, a left and b right', async () => {
    const m = await media();
    const caller = await phone();
    const dispatcher = await phone();
    const a = m.answer(caller.offer(['PCMA'])).leg;
    const b = m.offer().leg;
    m.complete(b, dispatcher.offer(['PCMU']));
    const file = path.join(folder, 'port.wav');
    const bridge = m.bridge(a, b, file);
    caller.sendTone((a as RtpEndpoint).port, 600, 'PCMA');
    await waitFor(() => dispatcher.received.length >= 10, 2000, 'relayed audio');
    caller.stopSending();
    await bridge.stop();
    assert.equal(readWavFile(file).channels, 2);
    m.release(a);
    m.release(b);
  });

  it('says a released leg is not live', async () => {
    const m = await media();
    const { leg } = m.offer();
    m.release(leg);
    assert.throws(() => m.play(leg, 'hold', { loop: true }), MediaError);
  });
});
