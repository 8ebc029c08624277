import { UpdraftError } from '../common/errors.js';
import { parseDuration, type Duration } from '../common/duration.js';
import { checkKnownKeys, describe, isPlainObject } from './naming.js';
import { resolveTaskParams } from './params.js';
import { TRIGGER_RULES, isTriggerRule, type TriggerRule } from './trigger-rules.js';

/** Options every task accepts (and defaultArgs of a DAG or a task group, without taskId). */
export interface TaskOptions {
  taskId?: string;
  /** Default 'updraft'. */
  owner?: string;
  /** Default 0. */
  retries?: number;
  /** Default '5m'. */
  retryDelay?: Duration;
  /** Default false: doubles the delay after each try (capped by maxRetryDelay). */
  retryExponentialBackoff?: boolean;
  maxRetryDelay?: Duration | null;
  /** Per attempt; default null (no limit). */
  executionTimeout?: Duration | null;
  /** Default false: run only when this task succeeded (or was skipped) in the previous run. */
  dependsOnPast?: boolean;
  /** Default 'all_success'. */
  triggerRule?: TriggerRule;
  /** Default 'default_pool'. */
  pool?: string;
  /** Default 1. */
  poolSlots?: number;
  /** Default 1; the effective weight adds the weights of all downstream tasks. */
  priorityWeight?: number;
  /** Default 'default'. */
  queue?: string;
  email?: string | string[];
  emailOnFailure?: boolean;
  emailOnRetry?: boolean;
  params?: Record<string, unknown>;
  doc?: string | null;
}

export type DefaultArgs = Omit<TaskOptions, 'taskId'>;

export interface ResolvedTaskOptions {
  readonly owner: string;
  readonly retries: number;
  readonly retryDelayMs: number;
  readonly retryExponentialBackoff: boolean;
  readonly maxRetryDelayMs: number | null;
  readonly executionTimeoutMs: number | null;
  readonly dependsOnPast: boolean;
  readonly triggerRule: TriggerRule;
  readonly pool: string;
  readonly poolSlots: number;
  readonly priorityWeight: number;
  readonly queue: string;
  readonly email: readonly string[];
  readonly emailOnFailure: boolean;
  readonly emailOnRetry: boolean;
  readonly params: Readonly<Record<string, unknown>>;
  readonly doc: string | null;
}

export const TASK_OPTION_KEYS: readonly string[] = [
  'taskId', 'owner', 'retries', 'retryDelay', 'retryExponentialBackoff', 'maxRetryDelay', 'executionTimeout',
  'dependsOnPast', 'triggerRule', 'pool', 'poolSlots', 'priorityWeight', 'queue', 'email', 'emailOnFailure',
  'emailOnRetry', 'params', 'doc',
];
export const DEFAULT_ARGS_KEYS: readonly string[] = TASK_OPTION_KEYS.filter((key) => key !== 'taskId');

const INT32_MAX = 2 ** 31 - 1;

/** Keeps only task option keys of `options` (operator-specific keys are dropped). */
export function pickTaskOptions(options: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of TASK_OPTION_KEYS) if (options[key] !== undefined) out[key] = options[key];
  return out;
}

/** Checks defaultArgs eagerly, so a mistake is reported against the DAG or group, not its first task. */
export function checkDefaultArgs(value: unknown, what: string): Readonly<DefaultArgs> {
  if (value === undefined || value === null) return Object.freeze({});
  if (!isPlainObject(value)) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG', `${what} defaultArgs is ${describe(value)}; write an object of task options like { retries: 2, owner: 'data' }`);
  }
  if ('taskId' in value) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG', `${what} defaultArgs sets taskId; every task needs its own id, so taskId is not allowed in defaultArgs`);
  }
  checkKnownKeys(value, DEFAULT_ARGS_KEYS, `${what} defaultArgs`);
  resolveTaskOptions(value, `${what} defaultArgs`);
  return Object.freeze({ ...value });
}

/**
 * Layers task options (later layers win; params merge key by key) and compiles them into the
 * resolved, frozen form with durations in milliseconds.
 */
export function mergeTaskOptions(layers: readonly Record<string, unknown>[]): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  let params: Record<string, unknown> | undefined;
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      if (key === 'params' && isPlainObject(value)) params = { ...params, ...value };
      else merged[key] = value;
    }
  }
  if (params !== undefined) merged.params = params;
  return merged;
}

export function resolveTaskOptions(options: Record<string, unknown>, what: string): ResolvedTaskOptions {
  const bad = (key: string, allowed: string): never => {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG', `${what} has ${key}: ${describe(options[key])}; ${allowed}`);
  };
  const bool = (key: string, fallback: boolean): boolean => {
    const value = options[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') bad(key, `${key} must be true or false`);
    return value as boolean;
  };
  const int = (key: string, fallback: number, min: number): number => {
    const value = options[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > INT32_MAX) {
      bad(key, `${key} must be an integer from ${min} to ${INT32_MAX}`);
    }
    return value as number;
  };
  const text = (key: string, fallback: string): string => {
    const value = options[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || value.trim() === '') bad(key, `${key} must be a non-empty string`);
    return value as string;
  };
  const duration = (key: string, fallback: number | null, nullable: boolean): number | null => {
    const value = options[key];
    if (value === undefined) return fallback;
    if (value === null) {
      if (!nullable) bad(key, `${key} must be a duration like '5m'`);
      return null;
    }
    const ms = parseDuration(value, `${what} ${key}`);
    if (ms === 0 && nullable) bad(key, `${key} must be longer than zero (null means no limit)`);
    return ms;
  };

  const triggerRule = options.triggerRule ?? 'all_success';
  if (!isTriggerRule(triggerRule)) {
    throw new UpdraftError('UPDRAFT_ERR_UNKNOWN_TRIGGER_RULE',
      `${what} has the unknown trigger rule ${describe(triggerRule)}; allowed trigger rules are ${TRIGGER_RULES.join(', ')}`);
  }
  const emailValue = options.email;
  let email: string[] = [];
  if (typeof emailValue === 'string') email = [emailValue];
  else if (Array.isArray(emailValue) && emailValue.every((e) => typeof e === 'string')) email = [...emailValue as string[]];
  else if (emailValue !== undefined && emailValue !== null) bad('email', 'email must be an address or a list of addresses');
  for (const address of email) if (!address.includes('@')) bad('email', `${JSON.stringify(address)} is not an email address`);

  const doc = options.doc;
  if (doc !== undefined && doc !== null && typeof doc !== 'string') bad('doc', 'doc must be a string');

  const pool = text('pool', 'default_pool');
  if (!/^[A-Za-z0-9_.-]+$/.test(pool)) bad('pool', 'a pool name has only letters, digits, "_", "." and "-"');

  return Object.freeze({
    owner: text('owner', 'updraft'),
    retries: int('retries', 0, 0),
    retryDelayMs: duration('retryDelay', 300_000, false) as number,
    retryExponentialBackoff: bool('retryExponentialBackoff', false),
    maxRetryDelayMs: duration('maxRetryDelay', null, true),
    executionTimeoutMs: duration('executionTimeout', null, true),
    dependsOnPast: bool('dependsOnPast', false),
    triggerRule,
    pool,
    poolSlots: int('poolSlots', 1, 1),
    priorityWeight: int('priorityWeight', 1, -INT32_MAX),
    queue: text('queue', 'default'),
    email: Object.freeze(email),
    emailOnFailure: bool('emailOnFailure', false),
    emailOnRetry: bool('emailOnRetry', false),
    params: resolveTaskParams(options.params, what),
    doc: typeof doc === 'string' ? doc : null,
  });
}
