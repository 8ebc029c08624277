import { UpdraftError } from '../../common/errors.js';
import { DataIntervalTimetable, type IntervalGrid } from './data-interval.js';

/**
 * A fixed duration between runs, in absolute time (a '1d' schedule is 24 hours, also across DST
 * changes). Points are startDate + k·every, as in Airflow's DeltaDataIntervalTimetable.
 */
class DeltaGrid implements IntervalGrid {
  constructor(private readonly everyMs: number) {}

  next(t: number): number {
    return t + this.everyMs;
  }

  prev(t: number): number {
    return t - this.everyMs;
  }

  alignToNext(t: number): number {
    return t;
  }

  alignToPrev(t: number): number {
    return t;
  }

  skipToLatest(earliest: number | null, now: number): number {
    // Airflow rounds now down to a multiple of the delta counted from the Unix epoch (not from
    // startDate) and steps back one interval: the newest complete interval on that grid.
    const rounded = now - (((now % this.everyMs) + this.everyMs) % this.everyMs);
    const start = rounded - this.everyMs;
    return earliest === null ? start : Math.max(start, earliest);
  }
}

export class DeltaTimetable extends DataIntervalTimetable {
  readonly everyMs: number;

  constructor(options: { everyMs: number; summary?: string }) {
    const { everyMs } = options;
    if (!Number.isFinite(everyMs) || everyMs <= 0) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_SCHEDULE',
        `schedule interval of ${everyMs} ms is not positive; write a duration like '1d', '6h' or '30m'`,
        { details: { everyMs } });
    }
    super(options.summary ?? `${everyMs}ms`, new DeltaGrid(everyMs));
    this.everyMs = everyMs;
  }
}
