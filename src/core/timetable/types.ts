/** The data interval a run covers: [start, end). For exact (non-periodic) runs start equals end. */
export interface DataInterval {
  start: Date;
  end: Date;
}

/** When a run may be created, what it covers, and its logical date (the interval start). */
export interface NextRunInfo {
  runAfter: Date;
  dataInterval: DataInterval;
  logicalDate: Date;
}

/** The DAG's bounds: startDate (earliest), endDate (latest) and whether missed intervals are caught up. */
export interface TimeRestriction {
  earliest: Date | null;
  latest: Date | null;
  catchup: boolean;
}

export interface Timetable {
  /** As the user wrote it: '0 0 * * *', '@daily', '1d', '@once', 'None'. */
  readonly summary: string;
  /** false for none and once. */
  readonly periodic: boolean;
  /** last: data interval of the newest automated run (null: none yet). Returns null when no more runs. */
  nextDagRunInfo(last: DataInterval | null, restriction: TimeRestriction, now: Date): NextRunInfo | null;
  /** Data interval for a manual run triggered at runAfter. */
  inferManualDataInterval(runAfter: Date): DataInterval;
  /** Every run whose logical date lies in [from, to] (both inclusive), oldest first — for backfill and dry-run. */
  runsBetween(from: Date, to: Date, restriction: TimeRestriction): NextRunInfo[];
}

/** A run for [start, end), created once the interval is over. */
export function intervalRun(start: number, end: number): NextRunInfo {
  return { runAfter: new Date(end), dataInterval: { start: new Date(start), end: new Date(end) }, logicalDate: new Date(start) };
}

/** A run for one instant (once, manual runs of unscheduled DAGs). */
export function exactRun(at: number): NextRunInfo {
  return { runAfter: new Date(at), dataInterval: { start: new Date(at), end: new Date(at) }, logicalDate: new Date(at) };
}
