// The *60 verdict as a table: facts in, pass or the first thing that went wrong out.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CallReport } from '../../source/phone/index.js';
import { judgeSelfTest, type SelfTestFacts, type VerdictReason } from '../../source/phone/self-test-verdict.js';

const registered = { kind: 'registered', status: 200, expiresSeconds: 300, algorithm: 'SHA-256' } as const;

function report(packetsReceived: number, rmsDbfs: number, audibleShare: number): CallReport {
  return { callId: 'x', direction: 'outgoing', peer: 'sip:*60@127.0.0.1', codec: 'PCMU', packetsReceived, packetsSent: 0, packetsLost: 0, lossPercent: 0, jitterMs: 0.3, level: { rmsDbfs, peakDbfs: rmsDbfs + 10, audibleShare }, durationMs: 5000, endedBy: 'local' };
}

const table: Array<[string, SelfTestFacts, boolean, VerdictReason, RegExp]> = [
  ['music heard', { registration: registered, call: { kind: 'answered', report: report(250, -18, 1) } }, true, 'music-heard', /music heard/],
  ['wrong password', { registration: { kind: 'refused', status: 403, reason: '403 Forbidden' } }, false, 'registration-refused', /wrong password/],
  ['interval too brief', { registration: { kind: 'refused', status: 423, reason: '423 Interval Too Brief' } }, false, 'registration-refused', /423/],
  ['nobody answers REGISTER', { registration: { kind: 'no-answer', detail: 'no answer to REGISTER' } }, false, 'no-answer-to-register', /server unreachable/],
  ['REGISTER not sent', { registration: { kind: 'failed', detail: 'REGISTER could not be sent: x' } }, false, 'registration-failed', /could not be sent/],
  ['*60 refused', { registration: registered, call: { kind: 'failed', status: 403, reason: '403 Forbidden' } }, false, 'call-not-answered', /not answered: 403/],
  ['*60 rings out', { registration: registered, call: { kind: 'cancelled', reason: 'not answered within 10000 ms' } }, false, 'call-not-answered', /not answered/],
  ['answered, no RTP', { registration: registered, call: { kind: 'answered', report: report(0, -120, 0) } }, false, 'no-audio', /no audio/],
  ['answered, silence', { registration: registered, call: { kind: 'answered', report: report(250, -90, 0) } }, false, 'silence', /silence/],
  ['answered, a click in silence', { registration: registered, call: { kind: 'answered', report: report(250, -60, 0.01) } }, false, 'silence', /silence/],
];

describe('judging a *60 self-test', () => {
  for (const [name, facts, pass, reason, message] of table) {
    test(`${name}: ${pass ? 'passes' : `fails with ${reason}`}`, () => {
      const verdict = judgeSelfTest(facts);
      assert.equal(verdict.pass, pass);
      assert.equal(verdict.reason, reason);
      assert.match(verdict.message, message);
    });
  }
});
