import { FINISHED_TASK_STATES, type TaskState } from './states.js';

/**
 * Final state of a run when every task is finished; null while any is unfinished (a task with no
 * task instance yet counts as unfinished). Failed when any leaf is failed or upstream_failed
 * (Airflow), else success — skipped leaves count as success, removed leaves are ignored.
 */
export function deriveRunState(tasks: ReadonlyMap<string, TaskState>, leafTaskIds: readonly string[]): 'success' | 'failed' | null {
  for (const state of tasks.values()) {
    if (!FINISHED_TASK_STATES.has(state)) return null;
  }
  let failed = false;
  for (const id of leafTaskIds) {
    const state = tasks.get(id);
    if (state === undefined) return null;
    if (state === 'failed' || state === 'upstream_failed') failed = true;
  }
  return failed ? 'failed' : 'success';
}
