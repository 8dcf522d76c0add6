// The switchboard's Registrar in a test app: a drachtio-srf app connected to
// the server under test that answers REGISTER with a Registrar over an
// in-memory PhoneDirectory, recording its 'change' events and log lines.
// Also the users file that drives REGISTER load with SIPp.
import { pino } from 'pino';
import { Registrar, type RegistrarOptions } from '../../../source/switchboard/registrar.js';
import type { RegistrationState } from '../../../source/switchboard/registration-state.js';
import type { Phone } from '../../../source/store/types.js';
import { connectApp, type ControlTarget, type TestApp } from './app.js';

export const TEST_REALM = 'taxi.test';

export function testPhone(extension: string, password: string): Phone {
  return { extension, password, displayName: `Desk ${extension}`, kind: 'desk', createdAt: '2030-01-01T00:00:00Z' };
}

export interface RunningRegistrar {
  registrar: Registrar;
  app: TestApp;
  /** The directory the registrar reads on every REGISTER; tests may change it. */
  phones: Map<string, Phone>;
  changes: Array<[extension: string, state: RegistrationState]>;
  /** Parsed log lines the registrar wrote (info and above). */
  log: Array<Record<string, unknown>>;
  /** Stops the registrar's timers and disconnects the app. */
  stop(): Promise<void>;
}

export type TestRegistrarOptions = Partial<Omit<RegistrarOptions, 'srf' | 'phones' | 'log'>>;

/** Connects an app whose REGISTER handler is a fresh Registrar (timers started). */
export async function startRegistrar(
  control: ControlTarget,
  opts: TestRegistrarOptions = {},
  phones: Phone[] = [testPhone('201', 'kierowca'), testPhone('202', 'dyspozytor')],
): Promise<RunningRegistrar> {
  const directory = new Map(phones.map((p) => [p.extension, p]));
  const log: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void log.push(JSON.parse(line) as Record<string, unknown>) });
  let registrar: Registrar | undefined;
  const app = await connectApp(control, (srf) => {
    registrar = new Registrar({ srf, phones: { getPhone: (e) => directory.get(e) }, realm: TEST_REALM, log: logger, ...opts });
    // What the pbx does; srf.register(fn) is the same route as use('register', fn).
    srf.use('register', (req, res) => registrar!.handleRegister(req, res));
  });
  const changes: RunningRegistrar['changes'] = [];
  registrar!.on('change', (extension: string, state: RegistrationState) => changes.push([extension, state]));
  registrar!.start();
  return {
    registrar: registrar!,
    app,
    phones: directory,
    changes,
    log,
    stop: async () => {
      registrar!.stop();
      await app.disconnect();
    },
  };
}

/**
 * A SIPp users file (-inf) for scenarios/registrar-load.xml: one line per
 * phone, its extension and SIPp's authentication keyword with its password
 * (SIPp cannot build that keyword from two fields). With a registrar whose
 * PhoneDirectory holds the same phones, this is all a REGISTER load run needs:
 *
 *   sipp HOST:PORT -sf test/e2e/scenarios/registrar-load.xml -inf users.csv \
 *        -key expires 3600 -m <phones> -r <registrations per second> [-t t1]
 *
 * Each SIPp call is one phone's full exchange (REGISTER, 401, REGISTER, 200),
 * so SIPp's call rate and response times are the registrar's. Registrations
 * of one run come from one source address: raise authFailLimit if a run is
 * meant to include wrong passwords.
 */
export function registerLoadUsers(phones: ReadonlyArray<Pick<Phone, 'extension' | 'password'>>): string {
  for (const p of phones) {
    if (/[;\]\s\n]/.test(p.extension + p.password)) {
      throw new Error(`extension and password must not contain ';', ']' or blanks for a SIPp users file: ${p.extension}`);
    }
  }
  return ['SEQUENTIAL', ...phones.map((p) => `${p.extension};[authentication username=${p.extension} password=${p.password}]`), ''].join('\n');
}
