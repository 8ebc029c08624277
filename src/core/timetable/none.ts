import type { DataInterval, NextRunInfo, TimeRestriction, Timetable } from './types.js';

/** schedule: null — only manual runs; a manual run covers the instant it was triggered. */
export class NullTimetable implements Timetable {
  readonly summary = 'None';
  readonly periodic = false;

  nextDagRunInfo(_last: DataInterval | null, _restriction: TimeRestriction, _now: Date): NextRunInfo | null {
    return null;
  }

  inferManualDataInterval(runAfter: Date): DataInterval {
    return { start: new Date(runAfter), end: new Date(runAfter) };
  }

  runsBetween(_from: Date, _to: Date, _restriction: TimeRestriction): NextRunInfo[] {
    return [];
  }
}
