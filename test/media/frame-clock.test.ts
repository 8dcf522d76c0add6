import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameClock, framesDue } from '../../source/media/frame-clock.js';
import { ManualTime } from './support.js';

function clockWithLog(time: ManualTime, maxCatchUp = 3) {
  const clock = new FrameClock({ source: time, maxCatchUp, onError: (err) => assert.fail(err as Error) });
  const ran: { frame: number; at: number }[] = [];
  clock.add((frame) => ran.push({ frame, at: time.now() }));
  return { clock, ran };
}

describe('the frame clock', () => {
  it('works out which frames are due from absolute time', () => {
    assert.deepEqual(framesDue(0, 20, 0, 0, 3), { first: 0, last: 0 });
    assert.deepEqual(framesDue(0, 20, 1, 19.9, 3), { first: 1, last: 0 });
    assert.deepEqual(framesDue(0, 20, 1, 20, 3), { first: 1, last: 1 });
    assert.deepEqual(framesDue(0, 20, 1, 45, 3), { first: 1, last: 2 });
    // A stall: frames 1 to 11 due, only the last 3 are run.
    assert.deepEqual(framesDue(0, 20, 1, 220, 3), { first: 9, last: 11 });
  });

  it('runs one frame per 20 ms with no drift when every timer fires late', () => {
    const time = new ManualTime();
    time.lateMs = (n) => [3, 7, 1, 12, 0, 5][n % 6]!;
    const { ran } = clockWithLog(time);
    time.runUntil(1000 + 60_000);
    // Frames 0..3000 are due by then (frame n at start + 20n); a late timer may still owe the very last.
    assert.ok(ran.length >= 3000 && ran.length <= 3001, `${ran.length} frames in 60 s`);
    ran.forEach((r, i) => {
      assert.equal(r.frame, i);
      // Never early, and never more than the worst timer lateness behind.
      assert.ok(r.at >= 1000 + 20 * r.frame, `frame ${r.frame} ran early`);
      assert.ok(r.at - (1000 + 20 * r.frame) < 20 + 12, `frame ${r.frame} ran ${r.at - 1000 - 20 * r.frame} ms late`);
    });
  });

  it('catches up a short stall by running the missed frames at once', () => {
    const time = new ManualTime();
    const { clock, ran } = clockWithLog(time);
    time.runUntil(1000 + 100);
    assert.deepEqual(ran.map((r) => r.frame), [0, 1, 2, 3, 4, 5]);
    time.lateMs = () => 45;
    time.runUntil(1000 + 100 + 20 + 45);
    time.lateMs = () => 0;
    assert.deepEqual(ran.slice(6).map((r) => r.frame), [6, 7, 8]);
    assert.equal(clock.skippedFrames, 0);
  });

  it('skips ahead after a long stall instead of bursting stale frames', () => {
    const time = new ManualTime();
    const { clock, ran } = clockWithLog(time);
    time.runUntil(1000 + 40); // frames 0, 1, 2
    time.lateMs = () => 1000;
    time.runUntil(1000 + 60 + 1000); // the timer for frame 3 fires a second late
    time.lateMs = () => 0;
    const after = ran.slice(3).map((r) => r.frame);
    assert.deepEqual(after, [51, 52, 53]);
    assert.equal(clock.skippedFrames, 48);
    time.runUntil(1000 + 1100);
    assert.equal(ran.at(-1)!.frame, 55);
  });

  it('stops its timer when the last task goes and starts a new timeline with the next', () => {
    const time = new ManualTime();
    const clock = new FrameClock({ source: time });
    const frames: number[] = [];
    const remove = clock.add((f) => frames.push(f));
    time.runUntil(1050);
    remove();
    assert.equal(time.armed, false);
    assert.equal(clock.taskCount, 0);
    time.runUntil(5000);
    clock.add((f) => frames.push(f));
    time.runUntil(5020);
    assert.deepEqual(frames, [0, 1, 2, 0, 1]);
  });

  it('lets a task remove itself or add another while frames run', () => {
    const time = new ManualTime();
    const clock = new FrameClock({ source: time });
    const seen: string[] = [];
    const removeA = clock.add((f) => {
      seen.push(`a${f}`);
      if (f === 1) {
        removeA();
        clock.add((g) => seen.push(`b${g}`));
      }
    });
    clock.add(() => undefined);
    time.runUntil(1060);
    assert.deepEqual(seen.filter((s) => s.startsWith('a')), ['a0', 'a1']);
    assert.ok(seen.includes('b2') && seen.includes('b3'));
  });

  it('keeps running the other tasks when one throws', () => {
    const time = new ManualTime();
    const errors: unknown[] = [];
    const clock = new FrameClock({ source: time, onError: (err) => errors.push(err) });
    let good = 0;
    clock.add(() => {
      throw new Error('broken task');
    });
    clock.add(() => good++);
    time.runUntil(1040);
    assert.equal(good, 3);
    assert.equal(errors.length, 3);
  });

  it('gives about 50 frames a second on the real clock', async () => {
    const clock = new FrameClock();
    let frames = 0;
    const started = performance.now();
    clock.add(() => frames++);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const elapsed = performance.now() - started;
    clock.stop();
    // Generous: a loaded CI machine may stall, and frames skipped after a stall are not run.
    const expected = elapsed / 20;
    assert.ok(frames >= expected * 0.7 && frames <= expected + 2, `${frames} frames in ${elapsed.toFixed(0)} ms`);
  });
});
