// Who rings where: given the callers in arrival order and the free stations
// longest idle first, the strategies pick the new offers. Pure functions of
// their inputs; the queue applies the pairs. Both are O(callers + stations),
// plus a look at the few stations that just failed a caller.

/** What pairing needs to know about a caller. */
export interface PairableCaller {
  state: 'waiting' | 'ringing' | 'connected';
  recentlyFailedAt: ReadonlySet<string>;
}

/** What pairing needs to know about a station. */
export interface PairableStation {
  extension: string;
}

export interface Pairing<C, S> {
  caller: C;
  station: S;
  /**
   * Every free station has failed this caller already: they start over, so
   * the queue forgets the stations tried (and counts from this offer on).
   */
  startsOver: boolean;
}

/**
 * longest-idle: each waiting caller, oldest first, gets the free station idle
 * longest, so 4 callers and 3 free stations make 3 offers at once, to the 3
 * oldest callers, each at another station. A caller passes over the stations
 * that already failed them while another free station exists; when none does
 * they start over at the station idle longest rather than wait behind younger
 * callers.
 */
export function pairLongestIdle<C extends PairableCaller, S extends PairableStation>(
  line: readonly C[],
  free: readonly S[],
): Pairing<C, S>[] {
  const pairs: Pairing<C, S>[] = [];
  const taken = new Array<boolean>(free.length).fill(false);
  let head = 0; // the first station not yet taken
  for (const caller of line) {
    if (head >= free.length) break;
    if (caller.state !== 'waiting') continue;
    let pick = -1;
    for (let i = head; i < free.length; i++) {
      if (!taken[i] && !caller.recentlyFailedAt.has(free[i]!.extension)) {
        pick = i;
        break;
      }
    }
    const startsOver = pick < 0;
    if (startsOver) pick = head;
    taken[pick] = true;
    pairs.push({ caller, station: free[pick]!, startsOver });
    while (head < free.length && taken[head]) head++;
  }
  return pairs;
}

/**
 * ring-all: only the oldest caller rings, at every free station, and a station
 * that becomes free while that caller rings joins in; later callers wait.
 * Stations that already failed the caller are left out, unless the caller
 * waits and they are all there is: then the caller starts over with them all.
 */
export function pairRingAll<C extends PairableCaller, S extends PairableStation>(
  line: readonly C[],
  free: readonly S[],
): Pairing<C, S>[] {
  const caller = line[0];
  if (!caller || free.length === 0) return [];
  const stations = free.filter((station) => !caller.recentlyFailedAt.has(station.extension));
  if (stations.length > 0) return stations.map((station) => ({ caller, station, startsOver: false }));
  if (caller.state !== 'waiting') return [];
  return free.map((station) => ({ caller, station, startsOver: true }));
}
