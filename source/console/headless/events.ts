// What a headless console reports: the difference between two states as
// events, one JSON object each. Pure, so what a kiosk logs for any sequence of
// switchboard messages is a unit test.
import type { StationState } from '../../api/messages.js';
import { ringingHere, type ConsoleState } from '../client/state.js';

export type HeadlessEvent = { event: string } & Record<string, unknown>;

export function describeChanges(before: ConsoleState, after: ConsoleState, now: number): HeadlessEvent[] {
  const events: HeadlessEvent[] = [];
  const link = after.link;
  if (link !== before.link) {
    if (link.state === 'connected') events.push({ event: 'connected' });
    else if (link.state === 'connecting' && link.attempt > 0) events.push({ event: 'reconnecting', attempt: link.attempt });
    else if (link.state === 'disconnected' && !after.sessionEnded && before.link.state !== 'disconnected') {
      events.push({ event: 'disconnected', ...(link.retryAt !== null && { retryInMs: Math.max(0, link.retryAt - now) }) });
    }
  }
  if (after.sessionEnded && !before.sessionEnded) events.push({ event: 'session-ended' });
  if (after.user !== before.user && after.user) events.push({ event: 'welcome', login: after.user.login, roles: after.user.roles });
  if (after.bound && !before.bound) events.push({ event: 'bound', extension: after.extension });
  if (!after.bound && before.bound && after.link.state === 'connected') events.push({ event: 'unbound', extension: before.extension });

  const own = after.bound ? after.station : null;
  const ownBefore = before.bound ? before.station : null;
  if (own && (own.ready !== ownBefore?.ready || own.pauseReason !== ownBefore?.pauseReason)) {
    events.push(own.ready ? { event: 'ready', extension: own.extension } : { event: 'paused', extension: own.extension, reason: own.pauseReason });
  }
  if (own && own.registration !== ownBefore?.registration) events.push({ event: 'registration', extension: own.extension, state: own.registration });
  if (own && own.eligible !== ownBefore?.eligible) events.push({ event: 'eligible', extension: own.extension, eligible: own.eligible, reason: own.reason });

  const call = after.station?.call ?? null;
  const callBefore = before.station?.call ?? null;
  if (call && (!callBefore || callBefore.since !== call.since || callBefore.peer !== call.peer)) {
    events.push({ event: 'call-started', kind: call.kind, peer: call.peer, recording: call.recording, since: call.since });
  }
  if (callBefore && (!call || callBefore.since !== call.since || callBefore.peer !== call.peer)) {
    events.push({ event: 'call-ended', kind: callBefore.kind, peer: callBefore.peer, seconds: Math.max(0, Math.round((now - callBefore.since) / 1000)) });
  }

  if (after.stations !== before.stations) {
    const previous = new Map(before.stations.map((s) => [s.extension, stationSummary(s)]));
    for (const station of after.stations) {
      if (station.extension === after.extension) continue;
      const summary = stationSummary(station);
      if (JSON.stringify(summary) !== JSON.stringify(previous.get(station.extension))) events.push({ event: 'station', ...summary });
    }
  }

  if (after.callers !== before.callers && queueKey(after) !== queueKey(before)) {
    events.push({
      event: 'queue',
      waiting: after.callers.length,
      callers: after.callers.map((c) => ({ id: c.id, from: c.from, waitingSince: c.waitingSince, ringing: c.ringing })),
    });
  }
  const rangBefore = new Set(ringingHere(before).map((c) => c.id));
  for (const caller of ringingHere(after)) {
    if (!rangBefore.has(caller.id)) events.push({ event: 'ringing', callerId: caller.id, from: caller.from, extension: after.extension });
  }

  if (after.refusal && after.refusal !== before.refusal) events.push({ event: 'refused', ...after.refusal });
  if (after.takenOverBy && after.takenOverBy !== before.takenOverBy) events.push({ event: 'taken-over', by: after.takenOverBy });
  if (after.lastError && after.lastError !== before.lastError) events.push({ event: 'error', ...after.lastError });
  return events;
}

function stationSummary(s: StationState) {
  return {
    extension: s.extension,
    console: s.console?.login ?? null,
    ready: s.ready,
    eligible: s.eligible,
    reason: s.reason,
    registration: s.registration,
    inCall: s.call !== null,
  };
}

/** Who waits and where they ring; waiting times change by themselves and are no event. */
function queueKey(state: ConsoleState): string {
  return state.callers.map((c) => `${c.id}:${c.ringing.join(',')}`).join(';');
}
