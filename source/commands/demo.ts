// `dispatcher demo` (what `npm start` runs): the demo world on loopback
// (source/demo/). On a terminal it then runs the interactive console logged in
// as the demo dispatcher, whose station phone is in this process and answered
// with keys (a, h); the event lines and the switchboard's log go to files in
// the data folder so they do not garble the screen. Without a terminal, or
// with --no-console, it prints one line per event and where to attach a
// console. `q`, Ctrl-C or SIGTERM stops everything and exits 0.
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { createLogger } from '../log.js';
import { describeEvent, startDemo, type DemoEvent, type DemoHandle } from '../demo/index.js';
import type { DemoConfig } from './demo-config.js';
import { firstStopSignal } from './stop-signal.js';

type Counts = { 'caller-arrived': number; answered: number; 'caller-gave-up': number };
const clock = () => new Date().toTimeString().slice(0, 8);
const newCounts = (): Counts => ({ 'caller-arrived': 0, answered: 0, 'caller-gave-up': 0 });
const count = (counts: Counts, e: DemoEvent) => {
  if (e.type in counts) counts[e.type as keyof Counts]++;
};
const summary = (c: Counts) => `${c['caller-arrived']} passengers called: ${c.answered} answered by a station, ${c['caller-gave-up']} gave up waiting`;

export async function runDemo(config: DemoConfig, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const terminal = (out as { isTTY?: boolean }).isTTY === true;
  return config.console && terminal ? runDemoWithConsole(config, out) : runDemoPrinting(config, out);
}

async function runDemoPrinting(config: DemoConfig, out: NodeJS.WritableStream): Promise<number> {
  const log = createLogger(config.loglevel, 'demo');
  const stopRequested = firstStopSignal(log);
  const print = (line: string) => out.write(`${line}\n`);
  const counts = newCounts();
  let demo: DemoHandle;
  try {
    demo = await startDemo({
      stations: config.stations,
      rate: config.rate,
      dataDir: config.dataDir,
      log,
      onEvent: (e) => {
        count(counts, e);
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
  print(summary(counts));
  return 0;
}

/** The files the console mode writes in the data folder instead of the terminal. */
export const demoFiles = { events: 'demo-events.log', log: 'demo.log', consoleSettings: 'console-settings' } as const;

async function runDemoWithConsole(config: DemoConfig, out: NodeJS.WritableStream): Promise<number> {
  // Our own folder when none is kept: the log files must have a home before the switchboard starts.
  const dataDir = config.dataDir ?? mkdtempSync(path.join(tmpdir(), 'dispatcher-demo-'));
  const removeData = () => {
    if (!config.dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  mkdirSync(dataDir, { recursive: true });
  const eventsFile = path.join(dataDir, demoFiles.events);
  const logFile = path.join(dataDir, demoFiles.log);
  const destination = pino.destination({ dest: logFile, sync: true, mkdir: true });
  const log = pino({ name: 'demo', level: config.loglevel }, destination);
  const counts = newCounts();
  // A signal before the console is up stops the start; afterwards the console takes SIGINT/SIGTERM itself.
  let interrupted = false;
  const interrupt = () => void (interrupted = true);
  process.on('SIGINT', interrupt).on('SIGTERM', interrupt);
  out.write(`Starting the demo office (events: ${eventsFile})…\n`);
  let demo: DemoHandle;
  try {
    demo = await startDemo({
      stations: config.stations,
      rate: config.rate,
      dataDir,
      log,
      deskPhone: true,
      onEvent: (e) => {
        count(counts, e);
        appendFileSync(eventsFile, `${clock()}  ${describeEvent(e)}\n`);
      },
    });
  } catch (err) {
    process.off('SIGINT', interrupt).off('SIGTERM', interrupt);
    process.stderr.write(`dispatcher: demo could not start: ${(err as Error).message} (log: ${logFile})\n`);
    destination.end();
    return 1;
  }
  let code = 0;
  try {
    if (!interrupted) code = await consoleAsDemoDispatcher(demo, config, dataDir);
  } finally {
    process.off('SIGINT', interrupt).off('SIGTERM', interrupt);
    out.write('Stopping the demo office…\n');
    try {
      await demo.stop();
    } catch (err) {
      log.error({ err }, `demo did not stop cleanly: ${(err as Error).message}`);
      code = 1;
    }
    destination.end();
    removeData();
  }
  out.write(`${summary(counts)}\n`);
  if (config.dataDir) out.write(`Events: ${eventsFile}; switchboard log: ${logFile}\n`);
  return code;
}

/** The interactive console, logged in as the demo dispatcher with its own settings folder in the data folder. */
async function consoleAsDemoDispatcher(demo: DemoHandle, config: DemoConfig, dataDir: string): Promise<number> {
  const [{ logIn }, { SettingsFile }, { chooseLanguage }, { prepareInkEnvironment }] = await Promise.all([
    import('../console/client/api.js'),
    import('../console/settings.js'),
    import('../console/i18n/index.js'),
    import('../console/ink-environment.js'),
  ]);
  const d = demo.dispatcher;
  const login = await logIn(demo.apiUrl, d.login, d.password);
  if (!login.ok) {
    process.stderr.write(`dispatcher: the demo dispatcher could not log in: ${login.reason}\n`);
    return 1;
  }
  // Never the user's real console settings: a folder of the demo's own.
  const settings = new SettingsFile(path.join(dataDir, demoFiles.consoleSettings));
  const stored = settings.update({ server: demo.apiUrl, token: login.response.token, login: d.login, extension: d.extension });
  if (!stored.ok) throw new Error(`demo console settings refused: ${JSON.stringify(stored.problems)}`);
  // Before Ink and React are first loaded, which happens just below.
  prepareInkEnvironment(process.env);
  const { runInteractive } = await import('../console/interactive.js');
  return runInteractive({
    settings,
    server: demo.apiUrl,
    language: chooseLanguage(config.language, undefined, process.env),
    deskPhone: demo.deskPhone,
    startReady: true,
    closeOn: ['SIGINT', 'SIGTERM', 'SIGHUP'],
  });
}
