import type { TaskInstance } from '../core/ports/metadata-store.js';
import type { TaskState } from '../core/states.js';

/**
 * A run's task instances as the evaluation reads them, with what lets it skip the tasks nothing
 * happened to: which rows changed since the run was last evaluated, how many tasks are in each
 * state, and which wait for a retry or a reschedule.
 */
export interface RunTaskView {
  tis: ReadonlyMap<string, TaskInstance>;
  /** Task ids whose row changed since the last evaluation; null: evaluate every task. */
  changed: ReadonlySet<string> | null;
  counts: ReadonlyMap<TaskState, number>;
  /** Task ids in up_for_retry or up_for_reschedule. */
  waiting: ReadonlySet<string>;
}

export function isWaiting(state: TaskState): boolean {
  return state === 'up_for_retry' || state === 'up_for_reschedule';
}

/** A view of rows just read from the store: every task is evaluated. */
export function fullView(tis: Iterable<TaskInstance>): RunTaskView {
  const byId = new Map<string, TaskInstance>();
  const counts = new Map<TaskState, number>();
  const waiting = new Set<string>();
  for (const ti of tis) {
    byId.set(ti.taskId, ti);
    counts.set(ti.state, (counts.get(ti.state) ?? 0) + 1);
    if (isWaiting(ti.state)) waiting.add(ti.taskId);
  }
  return { tis: byId, changed: null, counts, waiting };
}
