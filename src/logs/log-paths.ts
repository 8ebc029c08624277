import { join } from 'node:path';
import { UpdraftError } from '../common/errors.js';

/** Identifies one attempt's log. */
export interface TaskLogKey {
  dagId: string;
  runId: string;
  taskId: string;
  tryNumber: number;
}

/**
 * Makes an id safe as one path segment while keeping the mapping one-to-one: `%` becomes `%25`,
 * `/` `%2F`, `\` `%5C` and NUL `%00`. Ids are validated elsewhere, but run ids come from users
 * (`--run-id`, the API), and a `/` in one must never escape its folder.
 */
function segment(value: string): string {
  return value.replace(/[%/\\\0]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/**
 * The log file of an attempt relative to a base folder (local or remote):
 * `dag_id=<d>/run_id=<r>/task_id=<t>/attempt=<n>.log`, always with `/` separators.
 */
export function taskLogRelativePath(key: TaskLogKey): string {
  if (!Number.isInteger(key.tryNumber) || key.tryNumber < 1) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT',
      `try number ${JSON.stringify(key.tryNumber)} of task ${key.taskId} is not allowed; it must be an integer >= 1`);
  }
  return `dag_id=${segment(key.dagId)}/run_id=${segment(key.runId)}/task_id=${segment(key.taskId)}/attempt=${key.tryNumber}.log`;
}

/** The absolute (or base-relative) local path of an attempt's log file. */
export function taskLogPath(baseFolder: string, key: TaskLogKey): string {
  return join(baseFolder, ...taskLogRelativePath(key).split('/'));
}
