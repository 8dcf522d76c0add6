// What must hold of the queue after every event, checked from a snapshot
// alone, so the tests (and a cautious adapter in development) can ask for it
// without knowing the queue's insides. Returns the broken rules in words;
// empty means all is well.
import type { QueueSnapshot } from './snapshot.js';

export function checkInvariants(snapshot: QueueSnapshot): string[] {
  const broken: string[] = [];
  const stations = new Map(snapshot.stations.map((station) => [station.extension, station]));
  const offers = new Map(snapshot.offers.map((offer) => [offer.offerId, offer]));
  const queued = new Map(snapshot.callers.map((caller) => [caller.callerId, caller]));

  // No caller twice: each is waiting, ringing or connected, never two of them.
  const seen = new Set<string>();
  for (const { callerId } of [...snapshot.callers, ...snapshot.connected]) {
    if (seen.has(callerId)) broken.push(`caller ${callerId} is in the queue twice`);
    seen.add(callerId);
  }

  // First in, first out: the line is in arrival order and positions count from 1.
  snapshot.callers.forEach((caller, i) => {
    if (caller.position !== i + 1) broken.push(`caller ${caller.callerId} stands at ${i + 1} but says position ${caller.position}`);
    const previous = snapshot.callers[i - 1];
    if (previous && previous.arrivedAt > caller.arrivedAt) broken.push(`caller ${caller.callerId} stands behind ${previous.callerId}, who arrived later`);
    if ((caller.state === 'ringing') !== caller.ringingAt.length > 0) broken.push(`caller ${caller.callerId} is ${caller.state} with ${caller.ringingAt.length} stations ringing`);
  });

  // Offers: each rings an eligible station that rings for no one else.
  const offersAt = new Map<string, number>();
  for (const offer of snapshot.offers) {
    offersAt.set(offer.extension, (offersAt.get(offer.extension) ?? 0) + 1);
    const station = stations.get(offer.extension);
    if (!station) broken.push(`offer ${offer.offerId} rings unknown station ${offer.extension}`);
    else {
      if (!station.eligible) broken.push(`offer ${offer.offerId} rings station ${offer.extension}, which is not eligible`);
      if (station.state !== 'ringing' || station.offerId !== offer.offerId || station.callerId !== offer.callerId) {
        broken.push(`offer ${offer.offerId} rings station ${offer.extension}, which says ${station.state} ${station.offerId ?? ''}`);
      }
    }
    const caller = queued.get(offer.callerId);
    if (!caller || !caller.ringingAt.includes(offer.extension)) broken.push(`offer ${offer.offerId} is for ${offer.callerId}, who is not ringing at ${offer.extension}`);
  }
  for (const caller of snapshot.callers) {
    for (const extension of caller.ringingAt) {
      const station = stations.get(extension);
      if (station?.callerId !== caller.callerId || !offers.has(station.offerId ?? '')) broken.push(`caller ${caller.callerId} rings at ${extension} without an offer there`);
    }
  }

  // Never two callers on one station.
  const callsAt = new Map<string, number>();
  for (const caller of snapshot.connected) {
    callsAt.set(caller.extension, (callsAt.get(caller.extension) ?? 0) + 1);
    const station = stations.get(caller.extension);
    if (station?.state !== 'in-call' || station.callerId !== caller.callerId) broken.push(`caller ${caller.callerId} is connected to ${caller.extension}, which is not in a call with them`);
  }
  for (const station of snapshot.stations) {
    const load = (offersAt.get(station.extension) ?? 0) + (callsAt.get(station.extension) ?? 0);
    if (load > 1) broken.push(`station ${station.extension} has ${load} callers`);
    if (station.state === 'ringing' && load !== 1) broken.push(`station ${station.extension} rings for nobody`);
    if (station.state === 'in-call' && callsAt.get(station.extension) !== 1) broken.push(`station ${station.extension} is in a call with nobody`);
    if ((station.state === 'idle' || station.state === 'wrap-up' || station.state === 'not-eligible') && load !== 0) {
      broken.push(`station ${station.extension} is ${station.state} with a caller`);
    }
    if (station.state === 'idle' && !station.eligible) broken.push(`station ${station.extension} is idle but not eligible`);
    if (station.state === 'not-eligible' && station.eligible) broken.push(`station ${station.extension} is eligible but shown not eligible`);
  }

  // No free station while a caller it could take waits.
  const free = snapshot.stations.filter((station) => station.state === 'idle');
  if (free.length > 0 && snapshot.callers.length > 0) {
    if (snapshot.strategy === 'longest-idle') {
      const waiting = snapshot.callers.find((caller) => caller.state === 'waiting');
      if (waiting) broken.push(`caller ${waiting.callerId} waits while station ${free[0]!.extension} is free`);
    } else {
      const oldest = snapshot.callers[0]!;
      const idle = free.find((station) => oldest.state === 'waiting' || !oldest.recentlyFailedAt.includes(station.extension));
      if (idle) broken.push(`caller ${oldest.callerId} does not ring free station ${idle.extension}`);
    }
  }
  if (snapshot.strategy === 'ring-all') {
    const younger = snapshot.callers.slice(1).find((caller) => caller.state === 'ringing');
    if (younger) broken.push(`with ring-all only the oldest caller rings, but ${younger.callerId} does`);
  }
  return broken;
}
