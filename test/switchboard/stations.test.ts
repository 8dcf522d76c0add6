// The station board as a pure model: events in, eligibility out, with the
// clock passed in. No sockets, no timers.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import type { Binding, RegistrationState, RegistrationView } from '../../source/switchboard/registration-state.js';
import { StationBoard, type Eligibility, type StationSnapshot } from '../../source/switchboard/stations.js';

const lease = 3000;
const anna = { consoleId: 'console-a', login: 'anna', displayName: 'Anna Nowak' };
const bartek = { consoleId: 'console-b', login: 'bartek', displayName: 'Bartek Kowalski' };

function board(start = 1_000_000) {
  const clock = { now: start };
  const stations = new StationBoard({ now: () => clock.now, leaseMs: lease });
  const changes: StationSnapshot[] = [];
  stations.on('change', (station) => changes.push(station));
  return { stations, clock, changes };
}

/** Board steps as data: each row of a table is a list of these, applied in order. */
type Step =
  | ['bind', typeof anna]
  | ['unbind', string]
  | ['heartbeat']
  | ['ready']
  | ['pause', string]
  | ['registration', RegistrationState]
  | ['in-call', boolean]
  | ['wrap-up-for', number | undefined]
  | ['advance', number];

function apply(stations: StationBoard, clock: { now: number }, steps: Step[], extension = '201') {
  for (const step of steps) {
    switch (step[0]) {
      case 'bind':
        stations.bind(extension, step[1]);
        break;
      case 'unbind':
        stations.unbind(extension, step[1]);
        break;
      case 'heartbeat':
        stations.heartbeat(extension, anna.consoleId);
        break;
      case 'ready':
        stations.setReady(extension);
        break;
      case 'pause':
        stations.pause(extension, step[1]);
        break;
      case 'registration':
        stations.setRegistration(extension, step[1]);
        break;
      case 'in-call':
        stations.setInCall(extension, step[1]);
        break;
      case 'wrap-up-for':
        stations.setWrapUp(extension, step[1] === undefined ? undefined : clock.now + step[1]);
        break;
      case 'advance':
        clock.now += step[1];
        stations.tick();
        break;
    }
  }
}

const working: Step[] = [['bind', anna], ['registration', 'registered'], ['ready']];

const eligibilityTable: { name: string; steps: Step[]; expected: Eligibility }[] = [
  { name: 'a station nobody has bound has no console', steps: [['registration', 'registered']], expected: { eligible: false, reason: 'no-console' } },
  { name: 'a bound, registered and ready station is eligible', steps: working, expected: { eligible: true } },
  { name: 'a freshly bound station starts paused', steps: [['bind', anna], ['registration', 'registered']], expected: { eligible: false, reason: 'paused' } },
  { name: 'a ready station whose phone never registered is not registered', steps: [['bind', anna], ['ready']], expected: { eligible: false, reason: 'not-registered' } },
  { name: 'a ready station whose phone stopped answering is unreachable', steps: [...working, ['registration', 'unreachable']], expected: { eligible: false, reason: 'phone-unreachable' } },
  { name: 'a paused station is paused with any reason', steps: [...working, ['pause', 'coffee']], expected: { eligible: false, reason: 'paused' } },
  { name: 'a station paused for missed calls is paused', steps: [...working, ['pause', 'missed-calls']], expected: { eligible: false, reason: 'paused' } },
  { name: 'a station in a call is in call', steps: [...working, ['in-call', true]], expected: { eligible: false, reason: 'in-call' } },
  { name: 'a station whose call ended is eligible again', steps: [...working, ['in-call', true], ['in-call', false]], expected: { eligible: true } },
  { name: 'a station in wrap-up is in wrap-up', steps: [...working, ['wrap-up-for', 10_000], ['advance', 500], ['heartbeat']], expected: { eligible: false, reason: 'wrap-up' } },
  {
    name: 'wrap-up ends by itself at its time',
    steps: [...working, ['wrap-up-for', 2000], ['advance', 1000], ['heartbeat'], ['advance', 1000], ['heartbeat']],
    expected: { eligible: true },
  },
  { name: 'wrap-up cleared early ends at once', steps: [...working, ['wrap-up-for', 10_000], ['wrap-up-for', undefined]], expected: { eligible: true } },
  { name: 'a heartbeat just inside the lease keeps the station', steps: [...working, ['advance', lease - 1]], expected: { eligible: true } },
  { name: 'a lease with no heartbeat for its whole length has expired', steps: [...working, ['advance', lease]], expected: { eligible: false, reason: 'lease-expired' } },
  {
    name: 'heartbeats keep the lease alive indefinitely',
    steps: [...working, ['advance', 2000], ['heartbeat'], ['advance', 2000], ['heartbeat'], ['advance', 2000]],
    expected: { eligible: true },
  },
  { name: 'a heartbeat from the same console revives a lapsed lease', steps: [...working, ['advance', 5000], ['heartbeat']], expected: { eligible: true } },
  { name: 'an unbound station has no console and is no longer ready', steps: [...working, ['unbind', anna.consoleId]], expected: { eligible: false, reason: 'no-console' } },
  { name: 'unbinding by a console that does not hold the station changes nothing', steps: [...working, ['unbind', bartek.consoleId]], expected: { eligible: true } },
  { name: 'a lapsed lease outranks a pause', steps: [['bind', anna], ['advance', lease]], expected: { eligible: false, reason: 'lease-expired' } },
  { name: 'a pause outranks a missing registration', steps: [['bind', anna]], expected: { eligible: false, reason: 'paused' } },
  { name: 'a call outranks wrap-up', steps: [...working, ['wrap-up-for', 10_000], ['in-call', true]], expected: { eligible: false, reason: 'in-call' } },
];

for (const row of eligibilityTable) {
  test(row.name, () => {
    const { stations, clock } = board();
    apply(stations, clock, row.steps);
    assert.deepEqual(stations.eligibility('201'), row.expected);
    assert.deepEqual(stations.station('201')?.eligibility, row.expected);
  });
}

test('an extension the board never heard of has no console', () => {
  const { stations } = board();
  assert.deepEqual(stations.eligibility('999'), { eligible: false, reason: 'no-console' });
  assert.equal(stations.station('999'), undefined);
});

test('ready and pause without a console are refused', () => {
  const { stations } = board();
  stations.setRegistration('201', 'registered');
  assert.equal(stations.setReady('201'), false);
  assert.equal(stations.pause('201', 'lunch'), false);
  assert.equal(stations.station('201')?.ready, false);
});

test('a second console is refused while the first holds a live lease', () => {
  const { stations } = board();
  stations.bind('201', anna);
  const result = stations.bind('201', bartek);
  assert.deepEqual(result, { outcome: 'taken', heldBy: anna });
  assert.equal(stations.station('201')?.session?.login, 'anna');
});

test('a takeover replaces the holder and starts the station paused', () => {
  const { stations } = board();
  stations.bind('201', anna);
  stations.setReady('201');
  const result = stations.bind('201', bartek, { takeover: true });
  assert.deepEqual(result, { outcome: 'bound', replaced: anna });
  const station = stations.station('201')!;
  assert.equal(station.session?.consoleId, bartek.consoleId);
  assert.equal(station.ready, false);
  assert.equal(stations.heartbeat('201', anna.consoleId), false, 'the old console no longer holds it');
  assert.equal(stations.unbind('201', anna.consoleId), false, 'the old console closing does not free it');
  assert.equal(stations.station('201')?.session?.consoleId, bartek.consoleId);
});

test('a console whose lease lapsed gives way without a takeover', () => {
  const { stations, clock } = board();
  stations.bind('201', anna);
  clock.now += lease;
  assert.deepEqual(stations.bind('201', bartek), { outcome: 'bound', replaced: anna });
});

test('binding again from the same console keeps it ready', () => {
  const { stations } = board();
  stations.bind('201', anna);
  stations.setReady('201');
  assert.deepEqual(stations.bind('201', anna), { outcome: 'bound', replaced: undefined });
  assert.equal(stations.station('201')?.ready, true);
});

test('the pause reason is kept until the dispatcher is ready again', () => {
  const { stations } = board();
  stations.bind('201', anna);
  stations.pause('201', 'missed-calls');
  assert.equal(stations.station('201')?.pauseReason, 'missed-calls');
  stations.setReady('201');
  assert.equal(stations.station('201')?.pauseReason, undefined);
});

test('every change is reported once with the station snapshot', () => {
  const { stations, changes } = board();
  stations.bind('201', anna);
  stations.setRegistration('201', 'registered');
  stations.setRegistration('201', 'registered');
  stations.setReady('201');
  assert.deepEqual(
    changes.map((c) => [c.session?.login, c.registration, c.ready, c.eligibility.eligible]),
    [
      ['anna', 'none', false, false],
      ['anna', 'registered', false, false],
      ['anna', 'registered', true, true],
    ],
  );
});

test('heartbeats alone report nothing', () => {
  const { stations, clock, changes } = board();
  apply(stations, clock, working);
  const before = changes.length;
  for (let i = 0; i < 5; i++) apply(stations, clock, [['advance', 1000], ['heartbeat']]);
  assert.equal(changes.length, before);
});

test('tick reports a lapsed lease once, and a heartbeat reports the revival', () => {
  const { stations, clock, changes } = board();
  apply(stations, clock, working);
  changes.length = 0;
  apply(stations, clock, [['advance', lease - 1]]);
  assert.equal(changes.length, 0);
  apply(stations, clock, [['advance', 1], ['advance', 250], ['advance', 250]]);
  assert.deepEqual(changes.map((c) => c.eligibility), [{ eligible: false, reason: 'lease-expired' }]);
  assert.equal(changes[0]?.session?.alive, false);
  apply(stations, clock, [['heartbeat']]);
  assert.deepEqual(changes.at(-1)?.eligibility, { eligible: true });
});

test('tick reports the end of wrap-up and clears it', () => {
  const { stations, clock, changes } = board();
  apply(stations, clock, [...working, ['wrap-up-for', 1000]]);
  assert.equal(stations.station('201')?.wrapUpUntil, clock.now + 1000);
  changes.length = 0;
  clock.now += 1000;
  stations.heartbeat('201', anna.consoleId);
  stations.tick();
  assert.equal(changes.length, 1);
  assert.equal(changes[0]?.wrapUpUntil, undefined);
  assert.deepEqual(changes[0]?.eligibility, { eligible: true });
});

test('the snapshot lists every station in extension order with its lease', () => {
  const { stations, clock } = board();
  stations.setRegistration('1000', 'registered');
  stations.bind('201', anna);
  stations.setRegistration('90', 'unreachable');
  const list = stations.snapshot();
  assert.deepEqual(list.map((s) => s.extension), ['90', '201', '1000']);
  assert.equal(list[1]?.session?.leaseExpiresAt, clock.now + lease);
  assert.equal(list[1]?.session?.displayName, 'Anna Nowak');
});

class Registrations extends EventEmitter implements RegistrationView {
  readonly states = new Map<string, RegistrationState>();
  state(extension: string): RegistrationState {
    return this.states.get(extension) ?? 'none';
  }
  bindings(): Binding[] {
    return [];
  }
  set(extension: string, state: RegistrationState) {
    this.states.set(extension, state);
    this.emit('change', extension, state);
  }
}

test('the board follows the registrar and reads the state of stations it creates later', () => {
  const { stations } = board();
  const registrar = new Registrations();
  registrar.states.set('202', 'registered');
  stations.followRegistrations(registrar);
  registrar.set('201', 'registered');
  assert.equal(stations.station('201')?.registration, 'registered');
  stations.bind('202', bartek);
  assert.equal(stations.station('202')?.registration, 'registered');
  registrar.set('201', 'unreachable');
  assert.equal(stations.station('201')?.registration, 'unreachable');
  stations.close();
  registrar.set('201', 'none');
  assert.equal(stations.station('201')?.registration, 'unreachable', 'closed boards stop following');
});

test('a board follows one registrar only', () => {
  const { stations } = board();
  const registrar = new Registrations();
  stations.followRegistrations(registrar);
  stations.followRegistrations(registrar);
  assert.throws(() => stations.followRegistrations(new Registrations()), /already follows/);
});
