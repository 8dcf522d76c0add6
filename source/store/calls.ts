// The call log: every passenger call from arrival to its end (answered,
// abandoned, overflow), each offer made to a station with its result, and the
// recording. Written by the switchboard as a call moves; read by
// `dispatcher calls` and the consoles.
import type { Database, Statement } from 'better-sqlite3';

export type CallOutcome = 'in-progress' | 'answered' | 'abandoned' | 'overflow';
export type OfferResult = 'answered' | 'rejected' | 'timeout' | 'busy' | 'unreachable' | 'cancelled';

export interface CallOffer {
  extension: string;
  station: string | null;
  offeredAt: string;
  result: OfferResult | null;
  endedAt: string | null;
}

export interface CallRecord {
  id: number;
  callId: string;
  callerNumber: string | null;
  arrivedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  outcome: CallOutcome;
  answeredBy: { station: string | null; extension: string | null; login: string | null };
  waitMs: number | null;
  talkMs: number | null;
  recordingFile: string | null;
  offers: CallOffer[];
}

interface CallRow {
  id: number;
  call_id: string;
  caller_number: string | null;
  arrived_at: string;
  answered_at: string | null;
  ended_at: string | null;
  outcome: CallOutcome;
  answered_by_station: string | null;
  answered_by_extension: string | null;
  answered_by_login: string | null;
  wait_ms: number | null;
  talk_ms: number | null;
  recording_file: string | null;
}

interface OfferRow {
  call_id: number;
  station: string | null;
  extension: string;
  offered_at: string;
  result: OfferResult | null;
  ended_at: string | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class CallLog {
  readonly #insertCall: Statement<[string, string | null, string]>;
  readonly #insertOffer: Statement<[number, string | null, string, string]>;
  readonly #endOffer: Statement<[string, string, number]>;
  readonly #answer: Statement<[string, string | null, string, string | null, number, number]>;
  readonly #end: Statement<[string, CallOutcome, number | null, number | null, number]>;
  readonly #recording: Statement<[string, number]>;
  readonly #recent: Statement<[number], CallRow>;
  readonly #offersOf: Statement<[number], OfferRow>;
  readonly #orphans: Statement<[string]>;

  constructor(db: Database) {
    this.#insertCall = db.prepare('INSERT INTO calls (call_id, caller_number, arrived_at) VALUES (?, ?, ?)');
    this.#insertOffer = db.prepare('INSERT INTO call_offers (call_id, station, extension, offered_at) VALUES (?, ?, ?, ?)');
    this.#endOffer = db.prepare('UPDATE call_offers SET result = ?, ended_at = ? WHERE id = ? AND result IS NULL');
    this.#answer = db.prepare(
      'UPDATE calls SET answered_at = ?, answered_by_station = ?, answered_by_extension = ?, answered_by_login = ?, wait_ms = ? WHERE id = ?',
    );
    this.#end = db.prepare(
      "UPDATE calls SET ended_at = ?, outcome = ?, wait_ms = coalesce(wait_ms, ?), talk_ms = ? WHERE id = ? AND outcome = 'in-progress'",
    );
    this.#recording = db.prepare('UPDATE calls SET recording_file = ? WHERE id = ?');
    this.#recent = db.prepare('SELECT * FROM calls ORDER BY id DESC LIMIT ?');
    this.#offersOf = db.prepare('SELECT * FROM call_offers WHERE call_id = ? ORDER BY id');
    // A switchboard that stopped mid-call cannot say how the call ended.
    this.#orphans = db.prepare("UPDATE calls SET outcome = 'abandoned', ended_at = ? WHERE outcome = 'in-progress'");
  }

  /** A passenger's call arrived; returns the log's id for it. */
  arrived(callId: string, callerNumber: string | undefined, at: number): number {
    return Number(this.#insertCall.run(callId, callerNumber ?? null, iso(at)).lastInsertRowid);
  }

  /** A station is being rung for this call; returns the offer's id. */
  offered(call: number, extension: string, station: string | undefined, at: number): number {
    return Number(this.#insertOffer.run(call, station ?? null, extension, iso(at)).lastInsertRowid);
  }

  offerEnded(offer: number, result: OfferResult, at: number): void {
    this.#endOffer.run(result, iso(at), offer);
  }

  answered(call: number, by: { station?: string; extension: string; login?: string }, arrivedAt: number, at: number): void {
    this.#answer.run(iso(at), by.station ?? null, by.extension, by.login ?? null, Math.max(0, at - arrivedAt), call);
  }

  ended(call: number, outcome: Exclude<CallOutcome, 'in-progress'>, times: { arrivedAt: number; answeredAt?: number }, at: number): void {
    const waitMs = Math.max(0, (times.answeredAt ?? at) - times.arrivedAt);
    const talkMs = times.answeredAt === undefined ? null : Math.max(0, at - times.answeredAt);
    this.#end.run(iso(at), outcome, waitMs, talkMs, call);
  }

  recorded(call: number, file: string): void {
    this.#recording.run(file, call);
  }

  /** Closes calls a previous run left in progress (it stopped or crashed mid-call). */
  closeOrphans(at: number): number {
    return this.#orphans.run(iso(at)).changes;
  }

  recent(limit = 50): CallRecord[] {
    return this.#recent.all(limit).map((row) => ({
      id: row.id,
      callId: row.call_id,
      callerNumber: row.caller_number,
      arrivedAt: row.arrived_at,
      answeredAt: row.answered_at,
      endedAt: row.ended_at,
      outcome: row.outcome,
      answeredBy: { station: row.answered_by_station, extension: row.answered_by_extension, login: row.answered_by_login },
      waitMs: row.wait_ms,
      talkMs: row.talk_ms,
      recordingFile: row.recording_file,
      offers: this.#offersOf.all(row.id).map((o) => ({
        extension: o.extension,
        station: o.station,
        offeredAt: o.offered_at,
        result: o.result,
        endedAt: o.ended_at,
      })),
    }));
  }
}
