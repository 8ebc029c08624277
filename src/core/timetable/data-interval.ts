import { intervalRun, type DataInterval, type NextRunInfo, type TimeRestriction, type Timetable } from './types.js';

/**
 * The points a periodic schedule falls on, in epoch milliseconds. Cron and delta schedules differ
 * only here; how runs are laid out on the points is shared (DataIntervalTimetable).
 */
export interface IntervalGrid {
  /** First point strictly after t. */
  next(t: number): number;
  /** Last point strictly before t. */
  prev(t: number): number;
  /** t when it is a point, else the next point. */
  alignToNext(t: number): number;
  /** t when it is a point, else the previous point. */
  alignToPrev(t: number): number;
  /** With catchup off: start of the newest complete interval at `now`, not before `earliest`. */
  skipToLatest(earliest: number | null, now: number): number;
}

/**
 * Airflow 2's data-interval timetables (CronDataIntervalTimetable, DeltaDataIntervalTimetable): the
 * run for [start, end) is created at end and its logical date is start.
 */
export class DataIntervalTimetable implements Timetable {
  readonly periodic = true;

  constructor(readonly summary: string, protected readonly grid: IntervalGrid) {}

  nextDagRunInfo(last: DataInterval | null, restriction: TimeRestriction, now: Date): NextRunInfo | null {
    let earliest = restriction.earliest === null ? null : restriction.earliest.getTime();
    if (!restriction.catchup) earliest = this.grid.skipToLatest(earliest, now.getTime());
    else if (earliest !== null) earliest = this.grid.alignToNext(earliest);

    let start: number;
    if (last === null) {
      // First run: the first point the schedule allows, with its interval built forwards.
      if (earliest === null) return null;
      start = earliest;
    } else {
      // Aligning the last end lets a changed schedule pick up on its own points.
      const fromLast = this.grid.alignToPrev(last.end.getTime());
      start = earliest === null ? fromLast : Math.max(fromLast, earliest);
    }
    if (restriction.latest !== null && start > restriction.latest.getTime()) return null;
    return intervalRun(start, this.grid.next(start));
  }

  inferManualDataInterval(runAfter: Date): DataInterval {
    // The newest complete interval: a daily DAG triggered at 01:00 on the 25th covers the 24th.
    const end = this.grid.alignToPrev(runAfter.getTime());
    return { start: new Date(this.grid.prev(end)), end: new Date(end) };
  }

  runsBetween(from: Date, to: Date, restriction: TimeRestriction): NextRunInfo[] {
    const earliest = Math.max(from.getTime(), restriction.earliest?.getTime() ?? -Infinity);
    const latest = Math.min(to.getTime(), restriction.latest?.getTime() ?? Infinity);
    if (earliest > latest) return [];
    // Backfills enumerate every interval whatever the DAG's catchup says (Airflow's iter_dagrun_infos_between).
    const bounds: TimeRestriction = { earliest: new Date(earliest), latest: new Date(latest), catchup: true };
    const out: NextRunInfo[] = [];
    let info = this.nextDagRunInfo(null, bounds, to);
    while (info !== null && info.logicalDate.getTime() <= latest) {
      const last = out.at(-1);
      if (last !== undefined && info.logicalDate.getTime() <= last.logicalDate.getTime()) break;
      out.push(info);
      info = this.nextDagRunInfo(info.dataInterval, bounds, to);
    }
    return out;
  }
}
