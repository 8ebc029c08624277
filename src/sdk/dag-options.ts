import { UpdraftError } from '../common/errors.js';
import { parseDuration, type Duration } from '../common/duration.js';
import { parseDagDate, validateTimezone } from './dates.js';
import { checkKnownKeys, describe, isPlainObject, validateId } from './naming.js';
import { resolveDagParams, type ParamSpec, type ParamsInput } from './params.js';
import { resolveSchedule, type ResolvedSchedule } from './schedule.js';
import { checkDefaultArgs, type DefaultArgs } from './task-options.js';

export interface DagOptions {
  /** Letters, digits, `_`, `.`, `-`; at most 250 characters. */
  dagId: string;
  /**
   * A 5-field cron expression ('0 6 * * *'), a preset (@once @hourly @daily @weekly @monthly
   * @quarterly @yearly), a duration ('1d', '6h', '30m'), or null / omitted for manual runs only.
   */
  schedule?: string | null;
  /** A Date, or an ISO string; without an offset it is read in the DAG's time zone. */
  startDate?: string | Date | null;
  endDate?: string | Date | null;
  /** IANA time zone for cron schedules and naive dates; default 'UTC'. */
  timezone?: string;
  /** Default false: only the latest interval is run when the DAG is (re)enabled. */
  catchup?: boolean;
  /** Default 16. */
  maxActiveRuns?: number;
  /** Default 16. */
  maxActiveTasks?: number;
  dagrunTimeout?: Duration | null;
  /** Task options every task of the DAG starts from. */
  defaultArgs?: DefaultArgs;
  /** Plain default values, or param({...}) with constraints. */
  params?: ParamsInput;
  tags?: string[];
  description?: string | null;
  doc?: string | null;
}

export interface ResolvedDagOptions {
  readonly dagId: string;
  readonly schedule: Readonly<ResolvedSchedule>;
  readonly startDate: Date | null;
  readonly endDate: Date | null;
  readonly timezone: string;
  readonly catchup: boolean;
  readonly maxActiveRuns: number;
  readonly maxActiveTasks: number;
  readonly dagrunTimeoutMs: number | null;
  readonly defaultArgs: Readonly<DefaultArgs>;
  readonly params: Readonly<Record<string, Readonly<ParamSpec>>>;
  readonly tags: readonly string[];
  readonly description: string | null;
  readonly doc: string | null;
}

export const DAG_OPTION_KEYS = [
  'dagId', 'schedule', 'startDate', 'endDate', 'timezone', 'catchup', 'maxActiveRuns', 'maxActiveTasks',
  'dagrunTimeout', 'defaultArgs', 'params', 'tags', 'description', 'doc',
];

export function resolveDagOptions(options: unknown): ResolvedDagOptions {
  if (!isPlainObject(options)) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG', `dag(options, body) needs an options object like { dagId: 'etl', schedule: '@daily' }; got ${describe(options)}`);
  }
  const dagId = validateId(options.dagId, 'DAG id');
  const what = `DAG ${JSON.stringify(dagId)}`;
  checkKnownKeys(options, DAG_OPTION_KEYS, what);
  const bad = (key: string, allowed: string): never => {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG', `${what} has ${key}: ${describe(options[key])}; ${allowed}`);
  };
  const positiveInt = (key: string, fallback: number): number => {
    const value = options[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) bad(key, `${key} must be a positive integer`);
    return value as number;
  };
  const optionalText = (key: string): string | null => {
    const value = options[key];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string') bad(key, `${key} must be a string`);
    return value as string;
  };

  const timezone = options.timezone === undefined ? 'UTC' : validateTimezone(options.timezone, what);
  const schedule = resolveSchedule(options.schedule, what);
  const startDate = parseDagDate(options.startDate, timezone, `${what} startDate`);
  const endDate = parseDagDate(options.endDate, timezone, `${what} endDate`);
  if (startDate !== null && endDate !== null && endDate.getTime() < startDate.getTime()) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG',
      `${what} has endDate ${endDate.toISOString()} before startDate ${startDate.toISOString()}; the end date must not be earlier than the start date`);
  }
  if (options.catchup !== undefined && typeof options.catchup !== 'boolean') bad('catchup', 'catchup must be true or false');
  let dagrunTimeoutMs: number | null = null;
  if (options.dagrunTimeout !== undefined && options.dagrunTimeout !== null) {
    dagrunTimeoutMs = parseDuration(options.dagrunTimeout, `${what} dagrunTimeout`);
    if (dagrunTimeoutMs === 0) bad('dagrunTimeout', 'dagrunTimeout must be longer than zero (null means no limit)');
  }
  const tags = options.tags ?? [];
  if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string' && t.trim() !== '' && t.length <= 100)) {
    bad('tags', 'tags must be a list of non-empty strings of at most 100 characters');
  }
  return Object.freeze({
    dagId,
    schedule: Object.freeze(schedule),
    startDate,
    endDate,
    timezone,
    catchup: options.catchup === true,
    maxActiveRuns: positiveInt('maxActiveRuns', 16),
    maxActiveTasks: positiveInt('maxActiveTasks', 16),
    dagrunTimeoutMs,
    defaultArgs: checkDefaultArgs(options.defaultArgs, what),
    params: resolveDagParams(options.params, what),
    tags: Object.freeze([...new Set(tags as string[])]),
    description: optionalText('description'),
    doc: optionalText('doc'),
  });
}
