import { Cron } from 'croner';
import { UpdraftError } from '../common/errors.js';
import { parseDuration } from '../common/duration.js';
import { describe } from './naming.js';

/** A resolved schedule; same shape as ScheduleSpec in core/dag-spec.ts. */
export type ResolvedSchedule =
  | { kind: 'none' }
  | { kind: 'once' }
  | { kind: 'cron'; expression: string; preset?: string }
  | { kind: 'delta'; everyMs: number; text: string };

export const SCHEDULE_PRESETS: Readonly<Record<string, string | null>> = {
  '@once': null,
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@weekly': '0 0 * * 0',
  '@monthly': '0 0 1 * *',
  '@quarterly': '0 0 1 */3 *',
  '@yearly': '0 0 1 1 *',
};

const REFERENCE_DATE = new Date('2000-01-01T00:00:00Z');

const ALLOWED = `a 5-field cron expression ('0 6 * * *'), a preset (${Object.keys(SCHEDULE_PRESETS).join(', ')}), a duration ('1d', '6h', '30m') or null for manual runs only`;

export function resolveSchedule(value: unknown, what: string): ResolvedSchedule {
  if (value === undefined || value === null) return { kind: 'none' };
  const fail = (why: string): never => {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_SCHEDULE', `${what} schedule ${describe(value)} ${why}; write ${ALLOWED}`);
  };
  if (typeof value !== 'string') return fail('is not a string');
  const text = value.trim();
  if (text.startsWith('@')) {
    if (!(text in SCHEDULE_PRESETS)) return fail('is not a known preset');
    const expression = SCHEDULE_PRESETS[text];
    return expression === null || expression === undefined ? { kind: 'once' } : { kind: 'cron', expression, preset: text };
  }
  const fields = text.split(/\s+/);
  if (fields.length === 1) {
    let everyMs: number;
    try {
      everyMs = parseDuration(text, 'schedule');
    } catch {
      return fail('is neither a cron expression nor a duration');
    }
    if (everyMs <= 0) return fail('is a zero duration');
    return { kind: 'delta', everyMs, text };
  }
  if (fields.length !== 5) {
    return fail(`has ${fields.length} fields (${fields.length === 6 ? 'seconds are not supported' : 'minute hour day-of-month month day-of-week'})`);
  }
  const expression = fields.join(' ');
  let cron: Cron;
  try {
    // Whether an expression ever matches does not depend on the zone; UTC keeps the check cheap.
    cron = new Cron(expression, { paused: true, mode: '5-part' });
  } catch (error) {
    return fail(`is not a valid cron expression (${(error as Error).message.replace(/^CronPattern: /, '')})`);
  }
  if (cron.nextRun(REFERENCE_DATE) === null) return fail('never matches any date');
  return { kind: 'cron', expression };
}
