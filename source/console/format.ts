// Small pieces of text the screens share: clock times and the words for a
// station's state, all from the catalogue.
import type { StationState } from '../api/messages.js';
import type { Catalogue } from './i18n/index.js';

/** 75 000 ms -> "01:15"; an hour or more -> "1:02:03". Never negative (clocks differ a little). */
export function clock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** The pause reason in words: known codes from the catalogue, a dispatcher's own words as they are. */
export function pauseReasonText(t: Catalogue, reason: string | null): string | null {
  if (!reason) return null;
  return t.pauseReasons[reason] ?? reason;
}

/** One station's state for the stations list. */
export function stationStateText(t: Catalogue, station: StationState): string {
  if (station.eligible) return t.eligible;
  if (station.reason === 'paused') {
    const why = pauseReasonText(t, station.pauseReason);
    return why ? `${t.reasons.paused}: ${why}` : t.reasons.paused;
  }
  // A newer switchboard may know reasons this console does not: show its word.
  return station.reason ? (t.reasons[station.reason] ?? station.reason) : t.reasons.paused;
}

export function registrationText(t: Catalogue, station: StationState | null): string {
  if (!station) return t.unregistered;
  if (station.registration === 'registered') return t.registered;
  if (station.registration === 'unreachable') return t.unreachablePhone;
  return t.unregistered;
}
