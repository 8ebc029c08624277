import { exactRun, type DataInterval, type NextRunInfo, type TimeRestriction, type Timetable } from './types.js';

/** '@once': one run at startDate (whatever catchup says), none after it; no startDate, no run. */
export class OnceTimetable implements Timetable {
  readonly summary = '@once';
  readonly periodic = false;

  nextDagRunInfo(last: DataInterval | null, restriction: TimeRestriction, _now: Date): NextRunInfo | null {
    if (last !== null || restriction.earliest === null) return null;
    const at = restriction.earliest.getTime();
    if (restriction.latest !== null && at > restriction.latest.getTime()) return null;
    return exactRun(at);
  }

  inferManualDataInterval(runAfter: Date): DataInterval {
    return { start: new Date(runAfter), end: new Date(runAfter) };
  }

  runsBetween(from: Date, to: Date, restriction: TimeRestriction): NextRunInfo[] {
    const run = this.nextDagRunInfo(null, restriction, to);
    if (run === null) return [];
    const at = run.logicalDate.getTime();
    return at >= from.getTime() && at <= to.getTime() ? [run] : [];
  }
}
