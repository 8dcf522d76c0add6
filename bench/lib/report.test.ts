import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { granularity, isClean, percentile, summarize, type StepResult } from './report.js';
import { parseCounts, parseRtts, parseSippDuration, scenarioScreen } from './sipp.js';

const step = (rate: number, over: Partial<StepResult> = {}): StepResult => ({
  rate,
  half: false,
  calls: rate * 5,
  achieved: rate,
  successful: rate * 5,
  failed: 0,
  retrans: 0,
  cpu: {},
  notes: [],
  ...over,
});

describe('benchmark report', () => {
  it('takes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(values, 50), 50);
    assert.equal(percentile(values, 99), 99);
    assert.equal(percentile([7], 99), 7);
    assert.equal(percentile([], 99), undefined);
  });

  it('calls a step clean only without failures, retransmissions or a rate shortfall', () => {
    assert.equal(isClean(step(400)), true);
    assert.equal(isClean(step(400, { failed: 1 })), false);
    assert.equal(isClean(step(400, { retrans: 1 })), false);
    assert.equal(isClean(step(400, { achieved: 379 })), false);
  });

  it('finds the highest clean rate before the first unclean step', () => {
    assert.deepEqual(summarize([step(200), step(400), step(600, { retrans: 3 })]), { highestClean: 400, allClean: false });
    assert.deepEqual(summarize([step(200), step(400)]), { highestClean: 400, allClean: true });
    assert.deepEqual(summarize([step(200, { failed: 2 })]), { highestClean: undefined, allClean: false });
  });

  it('sees the step SIPp times come in', () => {
    assert.equal(granularity([0, 4, 8, 12, 0]), 4);
    assert.equal(granularity([0, 0]), undefined);
  });
});

describe('SIPp output', () => {
  it('reads durations, per-call response times and per-message counts', () => {
    assert.equal(parseSippDuration('00:00:05:007000'), 5.007);
    assert.equal(parseSippDuration('00:01:02'), 62);
    assert.deepEqual(parseRtts('Date_ms;response_time_ms;rtd_no\n36.001;24;1\n40.001;0;1\n40.001;3;2\n'), [24, 0]);
    const counts = parseCounts({ '0_INVITE_Sent': '10', '0_INVITE_Retrans': '2', '1_100_Recv': '10', '1_100_Retrans': '2' });
    assert.deepEqual(
      counts.map((m) => [m.label, m.direction, m.count, m.retrans]),
      [
        ['INVITE', 'sent', 10, 2],
        ['100', 'recv', 10, 2],
      ],
    );
  });

  it('cuts the scenario screen out of a screen log', () => {
    const log = [
      '------------------------------ Scenario Screen -------- [1-9]: Change Screen --',
      '  INVITE ---------->  1',
      '----------------------------- Statistics Screen ------- [1-9]: Change Screen --',
      '  Elapsed Time',
    ].join('\n');
    assert.equal(scenarioScreen(log), log.split('\n').slice(0, 2).join('\n'));
  });
});
