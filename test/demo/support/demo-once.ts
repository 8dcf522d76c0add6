// Runs a demo until a passenger has been answered and the call log shows an
// answered call, stops it, and then returns without process.exit(): the
// process ends only if stop() left no socket, timer or child behind.
import { startDemo, type DemoEvent } from '../../../source/demo/index.js';

const events: DemoEvent[] = [];
const demo = await startDemo({ stations: 2, rate: 60, answerDelayMs: [100, 400], talkMs: [800, 1200], patienceMs: [30_000, 30_000], onEvent: (e) => events.push(e) });
const deadline = Date.now() + 60_000;
while (!demo.callLog().some((c) => c.outcome === 'answered')) {
  if (Date.now() > deadline) {
    process.stdout.write(`${JSON.stringify({ error: 'no answered call in the call log', events })}\n`);
    break;
  }
  await new Promise((r) => setTimeout(r, 50));
}
const answered = demo.callLog().filter((c) => c.outcome === 'answered');
await demo.stop();
process.stdout.write(`${JSON.stringify({ stopped: true, answered: answered.length, events: events.map((e) => e.type) })}\n`);
