// The free stations (eligible and idle) in the order they get the next
// caller: idle longest first. Kept sorted as stations come and go, so the
// queue never sorts on an event: a station that just became free joins at the
// back in O(1) (time only moves forward); one put back after a failed offer
// keeps its old place, found by a scan from the back, O(stations).
import type { StationRecord } from './records.js';

function before(a: StationRecord, b: StationRecord): boolean {
  return a.idleSince < b.idleSince || (a.idleSince === b.idleSince && a.idleOrder < b.idleOrder);
}

export class FreeStations {
  readonly #line: StationRecord[] = [];

  get size(): number {
    return this.#line.length;
  }

  /** The line as it stands, longest idle first (a copy: the caller may change the line while using it). */
  list(): StationRecord[] {
    return [...this.#line];
  }

  add(station: StationRecord): void {
    if (station.inFreeLine) return;
    let i = this.#line.length;
    while (i > 0 && before(station, this.#line[i - 1]!)) i--;
    this.#line.splice(i, 0, station);
    station.inFreeLine = true;
  }

  remove(station: StationRecord): void {
    if (!station.inFreeLine) return;
    const i = this.#line.indexOf(station);
    if (i >= 0) this.#line.splice(i, 1);
    station.inFreeLine = false;
  }
}
