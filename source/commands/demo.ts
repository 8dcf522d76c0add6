// `dispatcher demo`: the demo world on loopback (source/demo/), with one
// printed line per event, and where to attach a console. Until the
// interactive console is merged this is a readable log; SIGINT or SIGTERM
// stops everything and exits 0.
import { createLogger } from '../log.js';
import { describeEvent, startDemo, type DemoHandle } from '../demo/index.js';
import type { DemoConfig } from './demo-config.js';
import { firstStopSignal } from './stop-signal.js';

export async function runDemo(config: DemoConfig, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const log = createLogger(config.loglevel, 'demo');
  const stopRequested = firstStopSignal(log);
  const print = (line: string) => out.write(`${line}\n`);
  const clock = () => new Date().toTimeString().slice(0, 8);
  const counts = { 'caller-arrived': 0, answered: 0, 'caller-gave-up': 0 };
  let demo: DemoHandle;
  try {
    demo = await startDemo({
      stations: config.stations,
      rate: config.rate,
      dataDir: config.dataDir,
      log,
      onEvent: (e) => {
        if (e.type in counts) counts[e.type as keyof typeof counts]++;
        print(`${clock()}  ${describeEvent(e)}`);
      },
    });
  } catch (err) {
    log.fatal({ err }, `demo could not start: ${(err as Error).message}`);
    return 1;
  }
  const d = demo.dispatcher;
  print(
    [
      'Demo switchboard on this machine:',
      `  console API     ${demo.apiUrl}`,
      `  SIP             127.0.0.1:${demo.sipPort} (UDP and TCP), passengers dial ${demo.queueNumber}`,
      `  stations        ${demo.stations.join(', ')} answered by simulated dispatchers; ${config.rate} passenger calls a minute`,
      `  your console    login "${d.login}", password "${d.password}", station ${d.extension}`,
      `  your phone      extension ${d.extension}, SIP password "${d.sipPassword}", realm "dispatcher"`,
      `  data            ${demo.dataDir}${config.dataDir ? '' : ' (removed on exit)'}`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  await stopRequested;
  print(`${clock()}  stopping`);
  try {
    await demo.stop();
  } catch (err) {
    log.error({ err }, `demo did not stop cleanly: ${(err as Error).message}`);
    return 1;
  }
  print(`${counts['caller-arrived']} passengers called: ${counts.answered} answered by a station, ${counts['caller-gave-up']} gave up waiting`);
  return 0;
}
