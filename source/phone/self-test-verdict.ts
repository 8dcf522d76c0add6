// What a `*60` self-test found, judged: did the phone hear the switchboard's
// test music, and if not, the first thing that went wrong. Pure: the
// test-call command gathers the facts, this decides, tests use plain tables.
import type { CallReport } from './call.js';
import type { RegisterOutcome } from './registration.js';

/** At least this share of received packets must carry sound for "music heard". */
export const MUSIC_AUDIBLE_SHARE = 0.2;

export type CallAttempt =
  | { kind: 'answered'; report: CallReport }
  | { kind: 'failed'; status: number; reason: string }
  | { kind: 'cancelled'; reason: string };

export interface SelfTestFacts {
  registration: RegisterOutcome;
  /** Absent when the call was not tried (registration failed). */
  call?: CallAttempt;
}

export type VerdictReason =
  | 'music-heard'
  | 'registration-refused'
  | 'no-answer-to-register'
  | 'registration-failed'
  | 'call-not-answered'
  | 'no-audio'
  | 'silence';

export interface Verdict {
  pass: boolean;
  reason: VerdictReason;
  /** One line for the technician. */
  message: string;
}

export function judgeSelfTest(facts: SelfTestFacts): Verdict {
  const r = facts.registration;
  switch (r.kind) {
    case 'refused':
      return {
        pass: false,
        reason: 'registration-refused',
        message:
          r.status === 403 || r.status === 401
            ? `registration refused (${r.reason}): wrong password or unknown extension`
            : `registration refused (${r.reason})`,
      };
    case 'no-answer':
      return { pass: false, reason: 'no-answer-to-register', message: `server unreachable: ${r.detail}` };
    case 'failed':
      return { pass: false, reason: 'registration-failed', message: r.detail };
    case 'registered':
      break;
  }
  const call = facts.call;
  if (!call) return { pass: false, reason: 'call-not-answered', message: 'the *60 call was not made' };
  if (call.kind === 'failed') return { pass: false, reason: 'call-not-answered', message: `*60 not answered: ${call.reason}` };
  if (call.kind === 'cancelled') return { pass: false, reason: 'call-not-answered', message: `*60 not answered: ${call.reason}` };
  const report = call.report;
  if (report.packetsReceived === 0) {
    return { pass: false, reason: 'no-audio', message: 'no audio: the call was answered but no RTP arrived (firewall or NAT between phone and switchboard?)' };
  }
  if (report.level.audibleShare < MUSIC_AUDIBLE_SHARE) {
    return { pass: false, reason: 'silence', message: `silence: ${report.packetsReceived} RTP packets arrived but carried no sound (${report.level.rmsDbfs} dBFS)` };
  }
  return { pass: true, reason: 'music-heard', message: 'music heard' };
}
