// `dispatcher demo` on a terminal (a pseudo-terminal made by util-linux
// `script`): the interactive console comes up logged in as the demo
// dispatcher at station 202, ready; a passenger rings its desk phone, `a`
// answers, `h` hangs up, `q` stops the console and the whole demo, exit 0.
// The kept data folder's call log then says station 202 answered.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { cli, spawnCliInPty } from '../console/console-process.js';
import { eventually, within } from '../e2e/support/wait.js';

test('dispatcher demo runs the console as the demo dispatcher: a answers the desk phone, q stops everything', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'demo-console-e2e-'));
  const demo = spawnCliInPty(['demo', '--stations', '1', '--rate', '120', '--lang', 'en', '--data', dataDir], dataDir, 100, 30);
  let mark = 0;
  const see = async (text: string | RegExp, ms = 30_000) => {
    await eventually(
      () => {
        const screen = demo.stdout().slice(mark);
        return typeof text === 'string' ? screen.includes(text) : text.test(screen);
      },
      ms,
      () => `${text} on the terminal; ${demo.describe(800)}`,
    );
  };
  try {
    await see('Station 202');
    await see('READY');
    await see('Phone 202 (in this console) — a: answer · h: hang up');
    await see(/Queue \(\d+\)/);
    // A passenger is offered to this station: the banner and the hint.
    await see('a: answer · h: decline', 60_000);
    await see('RINGING!');
    mark = demo.stdout().length;
    demo.write('a');
    await see('On the phone — h: hang up');
    mark = demo.stdout().length;
    demo.write('h');
    // Idle again: a whole frame drawn after h without the call's line (the station is
    // free and may be offered the next passenger). Waiting also keeps h and q apart:
    // keys written together reach the console as one input.
    await eventually(
      () => {
        const frame = lastFrame(demo.stdout().slice(mark));
        return frame !== undefined && !frame.includes('On the phone');
      },
      30_000,
      () => `a frame without the call banner; ${demo.describe(800)}`,
    );
    demo.write('q');
    assert.equal(await within(demo.exited, 60_000, 'the demo to stop after q'), 0, demo.stdout().slice(-800));
    assert.match(demo.stdout(), /\d+ passengers called: [1-9]\d* answered by a station/);

    // The event lines went to a file, not the screen.
    const events = readFileSync(path.join(dataDir, 'demo-events.log'), 'utf8');
    assert.match(events, /station 202 answered caller \+48600\d{6}/);
    assert.doesNotMatch(demo.stdout(), /arrived, waiting in the queue/);
    assert.ok(existsSync(path.join(dataDir, 'console-settings')));
    const calls = spawnSync(process.execPath, ['--import', 'tsx', cli, 'calls', '--data', dataDir, '--csv', '--limit', '1000'], { encoding: 'utf8' });
    assert.equal(calls.status, 0, calls.stderr);
    assert.match(calls.stdout, /,answered,[^\n]*,202 \(dispatcher\),/);
  } finally {
    await demo.stop();
  }
});

/** The last whole frame in what the terminal showed (Ink redraws the whole screen each time). */
function lastFrame(screen: string): string | undefined {
  const start = screen.lastIndexOf('Station 202 ·');
  if (start < 0) return undefined;
  const frame = screen.slice(start);
  return frame.includes('q: quit') ? frame : undefined;
}
