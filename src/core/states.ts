/** Task instance states, with Airflow's names and meaning. */
export const TASK_STATES = [
  'none', 'scheduled', 'queued', 'running', 'success', 'failed', 'skipped',
  'upstream_failed', 'up_for_retry', 'up_for_reschedule', 'removed',
] as const;
export type TaskState = (typeof TASK_STATES)[number];

/** States after which a task instance does nothing more in this run (unless cleared). */
export const FINISHED_TASK_STATES: ReadonlySet<TaskState> = new Set<TaskState>([
  'success', 'failed', 'skipped', 'upstream_failed', 'removed',
]);

/** States in which a task holds (or is about to hold) an executor slot. */
export const ACTIVE_TASK_STATES: ReadonlySet<TaskState> = new Set<TaskState>(['queued', 'running']);

export const DAG_RUN_STATES = ['queued', 'running', 'success', 'failed'] as const;
export type DagRunState = (typeof DAG_RUN_STATES)[number];

export const RUN_TYPES = ['scheduled', 'manual', 'backfill'] as const;
export type RunType = (typeof RUN_TYPES)[number];

/** Trigger rules are part of the authoring surface; core reads the same list. */
export { TRIGGER_RULES, isTriggerRule, type TriggerRule } from '../sdk/trigger-rules.js';

export function isTaskState(value: string): value is TaskState {
  return (TASK_STATES as readonly string[]).includes(value);
}
