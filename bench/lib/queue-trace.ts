// bench:queue's wire timestamps: the lines the SIPp passengers and phones
// log (-trace_logs, <log> actions with SIPp's [timestamp], which is
// gettimeofday in microseconds) and the two latencies taken from them.
// Pure functions, checked in queue-trace.test.ts.

export type TraceKind = 'IN' | 'INV' | 'BYE' | 'END';

export interface TraceLine {
  kind: TraceKind;
  /** The station's extension (not on IN lines). */
  extension?: string;
  /** The passenger's From user, q<step>c<call number>. */
  passenger: string;
  /** Milliseconds since the epoch, microsecond resolution. */
  at: number;
}

// SIPp's [timestamp]: "2026-11-28<TAB>09:51:47.914916<TAB>1795859507.914916".
const LINE = /^(IN|INV|BYE|END) (\S+)(?: (\S+))?\s+\d{4}-\d\d-\d\d\s+[\d:.]+\s+(\d+)\.(\d{6})\s*$/;

/** The trace lines of a SIPp log file; anything else SIPp wrote there is skipped. */
export function parseTrace(text: string): TraceLine[] {
  const out: TraceLine[] = [];
  for (const raw of text.split('\n')) {
    const m = LINE.exec(raw.trim());
    if (!m) continue;
    const kind = m[1] as TraceKind;
    const at = Number(m[4]) * 1000 + Number(m[5]) / 1000;
    if (kind === 'IN') {
      if (m[3] !== undefined) continue;
      out.push({ kind, passenger: m[2]!, at });
    } else {
      if (m[3] === undefined) continue;
      out.push({ kind, extension: m[2]!, passenger: m[3], at });
    }
  }
  return out;
}

/** When each passenger's INVITE was sent (its IN line). */
export function arrivals(lines: TraceLine[]): Map<string, number> {
  const map = new Map<string, number>();
  for (const l of lines) if (l.kind === 'IN' && !map.has(l.passenger)) map.set(l.passenger, l.at);
  return map;
}

export interface Distribution {
  /** Passenger INVITE sent -> the first INVITE for that passenger taken in by a phone, ms. */
  latencies: number[];
  /** Passengers of `arrivals` no phone was offered. */
  neverOffered: number;
  /** Passengers of `arrivals` whose station call ended with the 200 to its BYE (END line). */
  completed: number;
  /** INVITEs to a phone for the same passenger after the first (re-offers after a failed offer). */
  reOffers: number;
}

export function distribution(passengers: Map<string, number>, station: TraceLine[]): Distribution {
  const firstOffer = new Map<string, number>();
  const ended = new Set<string>();
  let reOffers = 0;
  for (const l of station) {
    if (!passengers.has(l.passenger)) continue;
    if (l.kind === 'INV') {
      if (firstOffer.has(l.passenger)) reOffers++;
      else firstOffer.set(l.passenger, l.at);
    } else if (l.kind === 'END') ended.add(l.passenger);
  }
  const latencies: number[] = [];
  let neverOffered = 0;
  for (const [passenger, sent] of passengers) {
    const offered = firstOffer.get(passenger);
    if (offered === undefined) neverOffered++;
    else latencies.push(offered - sent);
  }
  return { latencies, neverOffered, completed: ended.size, reOffers };
}

/**
 * Hand-off: a phone's BYE sent -> the next INVITE that phone takes in, counted
 * only when that INVITE's passenger had called before the BYE was sent (the
 * passenger was waiting: the switchboard had someone to hand over at once).
 * Lines are sorted by time here; `passengers` holds every arrival seen.
 */
export function handOffs(passengers: Map<string, number>, station: TraceLine[]): number[] {
  const lastBye = new Map<string, number>();
  const out: number[] = [];
  for (const l of [...station].sort((a, b) => a.at - b.at)) {
    const ext = l.extension!;
    if (l.kind === 'BYE') lastBye.set(ext, l.at);
    else if (l.kind === 'INV') {
      const bye = lastBye.get(ext);
      lastBye.delete(ext);
      const arrived = passengers.get(l.passenger);
      if (bye !== undefined && arrived !== undefined && arrived < bye) out.push(l.at - bye);
    }
  }
  return out;
}
