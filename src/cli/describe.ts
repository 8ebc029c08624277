import type { ScheduleSpec } from '../core/dag-spec.js';

export function scheduleSummary(schedule: ScheduleSpec): string {
  switch (schedule.kind) {
    case 'none': return 'None';
    case 'once': return '@once';
    case 'cron': return schedule.preset ?? schedule.expression;
    case 'delta': return schedule.text;
  }
}
