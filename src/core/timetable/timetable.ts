import { UpdraftError } from '../../common/errors.js';
import type { ScheduleSpec } from '../dag-spec.js';
import { CronTimetable } from './cron.js';
import { DeltaTimetable } from './delta.js';
import { NullTimetable } from './none.js';
import { OnceTimetable } from './once.js';
import type { Timetable } from './types.js';

export type { DataInterval, NextRunInfo, TimeRestriction, Timetable } from './types.js';
export { CRON_PRESETS, CronTimetable } from './cron.js';
export { DeltaTimetable } from './delta.js';
export { NullTimetable } from './none.js';
export { OnceTimetable } from './once.js';

const MAX_CACHED_CRON = 1000;
const cronTimetables = new Map<string, CronTimetable>();

/**
 * The timetable of a DAG. Throws UPDRAFT_ERR_INVALID_SCHEDULE for a bad cron expression or a
 * non-positive interval, UPDRAFT_ERR_INVALID_DAG for an unknown time zone (cron only: the other
 * schedules do not depend on the zone).
 */
export function timetableFor(spec: { schedule: ScheduleSpec; timezone: string }): Timetable {
  const schedule = spec.schedule;
  switch (schedule.kind) {
    case 'none':
      return new NullTimetable();
    case 'once':
      return new OnceTimetable();
    case 'cron': {
      // Parsing a cron expression costs more than using it, and the scheduler asks for the same
      // DAGs' timetables on every pass.
      const key = `${schedule.expression}\u0000${spec.timezone}\u0000${schedule.preset ?? ''}`;
      let timetable = cronTimetables.get(key);
      if (timetable === undefined) {
        timetable = new CronTimetable({
          expression: schedule.expression, timezone: spec.timezone,
          ...(schedule.preset === undefined ? {} : { summary: schedule.preset }),
        });
        if (cronTimetables.size >= MAX_CACHED_CRON) cronTimetables.clear();
        cronTimetables.set(key, timetable);
      }
      return timetable;
    }
    case 'delta':
      return new DeltaTimetable({ everyMs: schedule.everyMs, summary: schedule.text });
    default: {
      const unknown: never = schedule;
      throw new UpdraftError('UPDRAFT_ERR_INVALID_SCHEDULE',
        `schedule ${JSON.stringify(unknown)} has an unknown kind; allowed kinds: none, once, cron, delta`);
    }
  }
}
