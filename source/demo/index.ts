// The demo world on loopback: a switchboard on embedded defaults in this
// process, demo users and phones in its store, N stations whose simulated
// dispatchers keep their consoles ready and answer their phones, and
// passengers calling the queue number from the trunk address. startDemo()
// composes it; the handle's stop() takes it all down in reverse order.
// The interactive console can be attached to `apiUrl` with `dispatcher`'s
// login and the free extension; with `deskPhone` that extension's phone is in
// this process too, for the console to answer with keys.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { pbxDefaults, type PbxConfig } from '../commands/pbx-config.js';
import { startPbx, type Pbx } from '../commands/pbx.js';
import type { CallRecord } from '../store/index.js';
import { serverUri } from '../phone/index.js';
import { ConsoleSession } from './console-session.js';
import { DemoDeskPhone } from './desk-phone.js';
import type { DemoEvent, DemoEventListener } from './events.js';
import { Passengers } from './passengers.js';
import type { Random } from './random.js';
import { DemoStation } from './station.js';

export type { DemoEvent, DemoEventListener } from './events.js';
export { describeEvent } from './events.js';

export const LOOPBACK = '127.0.0.1';

export interface DemoOptions {
  /** Stations with a simulated dispatcher (default 3). */
  stations?: number;
  /** Passenger calls a minute (default 12; 0 = none). */
  rate?: number;
  /** Data directory; default a temporary folder removed on stop. */
  dataDir?: string;
  /** Ringing before a simulated dispatcher answers, ms (default 1-3 s). */
  answerDelayMs?: readonly [number, number];
  /** Talk time before the dispatcher hangs up, ms (default 4-12 s). */
  talkMs?: readonly [number, number];
  /** How long a passenger waits before giving up, ms (default 5-45 s). */
  patienceMs?: readonly [number, number];
  /** The switchboard's log (default silent). */
  log?: Logger;
  onEvent?: DemoEventListener;
  random?: Random;
  /**
   * Also register the person's extension with a phone in this process, for
   * the interactive console to answer with keys (handle.deskPhone).
   */
  deskPhone?: boolean;
}

export interface DemoAccount {
  login: string;
  password: string;
  /** A station extension nobody uses, for a person's console (and softphone). */
  extension: string;
  sipPassword: string;
}

export interface DemoHandle {
  apiUrl: string;
  sipPort: number;
  queueNumber: string;
  dispatcher: DemoAccount;
  /** Extensions answered by simulated dispatchers. */
  stations: string[];
  dataDir: string;
  /** The person's phone in this process, when asked for with `deskPhone`. */
  deskPhone: DemoDeskPhone | undefined;
  /** The most recent calls from the switchboard's call log. */
  callLog(limit?: number): CallRecord[];
  stop(): Promise<void>;
}

const secret = () => randomBytes(9).toString('base64url');

export async function startDemo(options: DemoOptions = {}): Promise<DemoHandle> {
  const stationCount = options.stations ?? 3;
  const random = options.random ?? Math.random;
  // Once stopping, hang-ups and cancels are the demo's own doing: not news.
  let quiet = false;
  const emit: DemoEventListener = (e: DemoEvent) => {
    if (!quiet) options.onEvent?.(e);
  };
  const cleanup: Array<() => Promise<void> | void> = [];
  const undo = async () => {
    for (const step of cleanup.splice(0).reverse()) {
      try {
        await step();
      } catch (err) {
        emit({ type: 'problem', text: `stopping: ${(err as Error).message}` });
      }
    }
  };
  try {
    const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'dispatcher-demo-'));
    if (!options.dataDir) cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const config: PbxConfig = {
      ...pbxDefaults,
      dataDir,
      contacts: [`sip:${LOOPBACK}:0;transport=udp,tcp`],
      api: { host: LOOPBACK, port: 0 },
      drachtio: undefined,
      adminPassword: secret(),
      digestAlgorithms: [...pbxDefaults.digestAlgorithms],
      // The passengers call from this machine: it is the demo's trunk.
      trunks: [LOOPBACK],
      overflowAfterSeconds: undefined,
      overflowTo: undefined,
      rtpPorts: { ...pbxDefaults.rtpPorts },
    };
    const pbx: Pbx = await startPbx(config, options.log ?? pino({ level: 'silent' }));
    cleanup.push(() => pbx.close());
    const sip = pbx.sip.endpoints.find((e) => e.transport === 'udp') ?? pbx.sip.endpoints[0]!;

    // Demo people and phones: simulated dispatchers at 201.., the person's station after them.
    const extensions = Array.from({ length: stationCount + 1 }, (_, i) => String(201 + i));
    const stationAccounts = extensions.slice(0, stationCount).map((extension, i) => ({ extension, sipPassword: secret(), login: `demo${i + 1}`, password: secret() }));
    const dispatcher: DemoAccount = { login: 'dispatcher', password: secret(), extension: extensions[stationCount]!, sipPassword: secret() };
    for (const a of [...stationAccounts, dispatcher]) {
      // With a kept --data folder, phones from an earlier run keep their passwords.
      const existing = pbx.store.phones.getPhone(a.extension);
      if (existing) a.sipPassword = existing.password;
      else pbx.store.phones.add({ extension: a.extension, password: a.sipPassword, displayName: `Stanowisko ${a.extension}`, kind: 'headset' });
      if (pbx.store.users.getUser(a.login)) pbx.store.users.setPassword(a.login, a.password);
      else pbx.store.users.add({ login: a.login, password: a.password, displayName: a.login === 'dispatcher' ? 'Dyspozytor (demo)' : `Dyspozytor ${a.login}`, roles: ['dispatcher'] });
    }

    const passengers = new Passengers({
      trunkAddress: LOOPBACK,
      queueUri: serverUri(sip.address, sip.port, 'udp', config.queueNumber),
      perMinute: options.rate ?? 12,
      patienceMs: options.patienceMs ?? [5_000, 45_000],
      random,
      emit,
    });
    const stations = stationAccounts.map(
      (a) =>
        new DemoStation({
          extension: a.extension,
          password: a.sipPassword,
          sip: { host: sip.address, port: sip.port },
          answerDelayMs: options.answerDelayMs ?? [1_000, 3_000],
          talkMs: options.talkMs ?? [4_000, 12_000],
          random,
          emit,
          served: (caller) => passengers.served(caller),
        }),
    );
    for (const station of stations) {
      cleanup.push(() => station.stop());
      await station.start();
    }
    let deskPhone: DemoDeskPhone | undefined;
    if (options.deskPhone) {
      deskPhone = new DemoDeskPhone({
        extension: dispatcher.extension,
        password: dispatcher.sipPassword,
        sip: { host: sip.address, port: sip.port },
        emit,
        served: (caller) => passengers.served(caller),
      });
      const phone = deskPhone;
      cleanup.push(() => phone.stop());
      await phone.start();
    }
    const consoles = stationAccounts.map(
      (a) => new ConsoleSession({ apiUrl: pbx.api.url, login: a.login, password: a.password, extension: a.extension, onProblem: (text) => emit({ type: 'problem', text }) }),
    );
    for (const c of consoles) {
      cleanup.push(() => c.close());
      await c.start();
    }
    cleanup.push(() => passengers.stop());
    await passengers.start();

    let stopping: Promise<void> | undefined;
    return {
      apiUrl: pbx.api.url,
      sipPort: sip.port,
      queueNumber: config.queueNumber,
      dispatcher,
      stations: stationAccounts.map((a) => a.extension),
      dataDir,
      deskPhone,
      callLog: (limit = 50) => pbx.store.calls.recent(limit),
      stop: () => {
        quiet = true;
        return (stopping ??= undo());
      },
    };
  } catch (err) {
    await undo();
    throw err;
  }
}
