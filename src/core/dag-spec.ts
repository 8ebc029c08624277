import type { TriggerRule } from './states.js';

/**
 * The serialized form of a DAG: what the DAG processor stores and the scheduler reads. The scheduler
 * never runs user code, so everything it needs to decide is here, as plain JSON. Durations are
 * milliseconds; dates are ISO-8601 strings in UTC.
 */
export const DAG_SPEC_VERSION = 1;

export type ScheduleSpec =
  | { kind: 'none' }
  | { kind: 'once' }
  | { kind: 'cron'; expression: string; /** the preset as written, e.g. '@daily' */ preset?: string }
  | { kind: 'delta'; everyMs: number; /** as written, e.g. '1d' */ text: string };

export interface SensorSpec {
  mode: 'poke' | 'reschedule';
  pokeIntervalMs: number;
  timeoutMs: number;
  softFail: boolean;
  exponentialBackoff: boolean;
}

export type TaskKind = 'operator' | 'taskflow' | 'branch' | 'short_circuit' | 'sensor';

export interface TaskSpec {
  taskId: string;
  /** Operator class name, e.g. 'BashOperator', '@task'. */
  operator: string;
  kind: TaskKind;
  upstream: string[];
  downstream: string[];
  /** Enclosing task group ids, outermost first ([] at top level). */
  groups: string[];
  owner: string;
  retries: number;
  retryDelayMs: number;
  retryExponentialBackoff: boolean;
  maxRetryDelayMs: number | null;
  executionTimeoutMs: number | null;
  dependsOnPast: boolean;
  triggerRule: TriggerRule;
  pool: string;
  poolSlots: number;
  priorityWeight: number;
  queue: string;
  email: string[];
  emailOnFailure: boolean;
  emailOnRetry: boolean;
  params: Record<string, unknown>;
  doc: string | null;
  sensor: SensorSpec | null;
  /** For short_circuit: skip every downstream task (true, Airflow's default) or only direct ones. */
  ignoreDownstreamTriggerRules: boolean;
  /** Names of the fields rendered as templates (shown in `tasks render`). */
  templateFields: string[];
}

/** A DAG param: a default plus an optional JSON-schema-like constraint, validated at trigger time. */
export interface ParamSpec {
  default?: unknown;
  type?: 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null';
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  description?: string;
  required?: boolean;
}

export interface DagSpec {
  specVersion: number;
  dagId: string;
  /** Absolute path of the file that defines the DAG. */
  fileloc: string;
  schedule: ScheduleSpec;
  startDate: string | null;
  endDate: string | null;
  timezone: string;
  catchup: boolean;
  maxActiveRuns: number;
  maxActiveTasks: number;
  dagrunTimeoutMs: number | null;
  params: Record<string, ParamSpec>;
  tags: string[];
  description: string | null;
  doc: string | null;
  /** Tasks in a stable topological order. */
  tasks: TaskSpec[];
}
