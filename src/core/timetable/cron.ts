import { Cron, CronPattern } from 'croner';
import { UpdraftError } from '../../common/errors.js';
import { DataIntervalTimetable, type IntervalGrid } from './data-interval.js';
import { assertTimeZone, fromWall, toWall } from './zone.js';

/** Airflow's cron presets (airflow.utils.dates.cron_presets). */
export const CRON_PRESETS: Readonly<Record<string, string>> = Object.freeze({
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@weekly': '0 0 * * 0',
  '@monthly': '0 0 1 * *',
  '@quarterly': '0 0 1 */3 *',
  '@yearly': '0 0 1 1 *',
});

/**
 * Cron points in a time zone, computed the way Airflow's CronMixin does: the cron expression is
 * matched against the wall clock, then the wall time is made an instant (see zone.ts for DST).
 * Schedules that fire at least once every hour instead step by the wall-clock distance from the
 * current instant, so '30 * * * *' keeps firing every real hour through both DST changes.
 */
class CronGrid implements IntervalGrid {
  private readonly cron: Cron;
  private readonly everyHour: boolean;
  // Laying runs out asks for the same points repeatedly (next(start) is asked again when
  // aligning the next run's start), and croner takes ~0.1 ms a call: remember recent answers.
  private readonly nextMemo = new Map<number, number>();
  private readonly prevMemo = new Map<number, number>();

  constructor(private readonly expression: string, private readonly timeZone: string) {
    // Matching happens on wall-clock readings encoded as UTC, so croner itself works in UTC.
    try {
      this.cron = new Cron(expression, { utcOffset: 0, mode: '5-part' });
      this.everyHour = new CronPattern(expression, 'UTC', { mode: '5-part' }).hour.every((on) => on !== 0);
    } catch (error) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_SCHEDULE',
        `schedule ${JSON.stringify(expression)} is not a valid 5-field cron expression (${(error as Error).message}); write e.g. '0 0 * * *' or a preset (${Object.keys(CRON_PRESETS).join(', ')})`,
        { cause: error, details: { schedule: expression } });
    }
    if (this.cron.nextRun(new Date(0)) === null) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_SCHEDULE',
        `schedule ${JSON.stringify(expression)} never fires (no date matches it)`, { details: { schedule: expression } });
    }
  }

  next(t: number): number {
    return memo(this.nextMemo, t, () => this.computeNext(t));
  }

  prev(t: number): number {
    return memo(this.prevMemo, t, () => this.computePrev(t));
  }

  private computeNext(t: number): number {
    const wall = toWall(t, this.timeZone);
    const found = this.cron.nextRun(new Date(wall));
    if (found === null) throw this.exhausted(t, 'after');
    return this.everyHour ? t + (found.getTime() - wall) : fromWall(found.getTime(), this.timeZone);
  }

  private computePrev(t: number): number {
    const wall = toWall(t, this.timeZone);
    const found = this.cron.previousRuns(1, new Date(wall))[0];
    if (found === undefined) throw this.exhausted(t, 'before');
    return this.everyHour ? t - (wall - found.getTime()) : fromWall(found.getTime(), this.timeZone);
  }

  alignToNext(t: number): number {
    const next = this.next(t);
    return this.prev(next) === t ? t : next;
  }

  alignToPrev(t: number): number {
    const prev = this.prev(t);
    return this.next(prev) === t ? t : prev;
  }

  skipToLatest(earliest: number | null, now: number): number {
    // Airflow's cron variant: when now is right on a point, the interval ending now is complete.
    const lastStart = this.prev(now);
    const nextStart = this.next(lastStart);
    const start = nextStart > now ? this.prev(lastStart) : lastStart;
    return earliest === null ? start : Math.max(start, this.alignToNext(earliest));
  }

  private exhausted(t: number, side: string): UpdraftError {
    return new UpdraftError('UPDRAFT_ERR_INVALID_SCHEDULE',
      `schedule ${JSON.stringify(this.expression)} has no time ${side} ${new Date(t).toISOString()}`,
      { details: { schedule: this.expression } });
  }
}

const MEMO_SIZE = 256;

function memo(cache: Map<number, number>, key: number, compute: () => number): number {
  const known = cache.get(key);
  if (known !== undefined) return known;
  const value = compute();
  if (cache.size >= MEMO_SIZE) cache.clear();
  cache.set(key, value);
  return value;
}

export class CronTimetable extends DataIntervalTimetable {
  /** The 5-field expression actually used (presets expanded). */
  readonly expression: string;
  readonly timeZone: string;

  constructor(options: { expression: string; timezone: string; summary?: string }) {
    const written = options.expression.trim();
    const expression = written.startsWith('@') ? CRON_PRESETS[written.toLowerCase()] : written.replace(/\s+/g, ' ');
    if (expression === undefined) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_SCHEDULE',
        `schedule ${JSON.stringify(written)} is not a known preset; allowed presets: ${Object.keys(CRON_PRESETS).join(', ')} (or @once, or a 5-field cron expression)`,
        { details: { schedule: written } });
    }
    assertTimeZone(options.timezone);
    super(options.summary ?? written, new CronGrid(expression, options.timezone));
    this.expression = expression;
    this.timeZone = options.timezone;
  }
}
