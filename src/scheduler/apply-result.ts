import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '../common/logger.js';
import { formatTaskLogLine } from '../logs/task-log-writer.js';
import type { AttemptResult } from '../core/ports/execution-protocol.js';
import type { MetadataStore, TaskInstance, TaskInstanceKey } from '../core/ports/metadata-store.js';
import type { TaskState } from '../core/states.js';
import { retryDelayMs, shouldRetry } from '../core/retry-policy.js';
import { descendants, type CompiledSpec } from './spec-cache.js';

export interface InflightAttempt {
  dagId: string;
  runId: string;
  taskId: string;
  tryNumber: number;
  isReschedule: boolean;
  firstAttemptAt: Date | null;
  startedAt: Date | null;
  logicalDate: Date;
}

export interface ApplyResultInput {
  store: MetadataStore;
  logger: Logger;
  now: Date;
  result: AttemptResult;
  inflight: InflightAttempt | null;
  spec: CompiledSpec | null;
  /**
   * The attempt's 'started' report was folded into this one (both arrived before a pass): the row
   * never showed running, so its start is written here.
   */
  startedUnrecorded?: boolean;
}

/** Errors the runtime never saw (the executor killed or lost the process): the log gets a line from us. */
const EXECUTOR_ERRORS = new Set(['UPDRAFT_ERR_WORKER_DIED', 'UPDRAFT_ERR_TASK_TIMEOUT', 'UPDRAFT_ERR_SHUTDOWN']);

/**
 * Records the end of one attempt: the task instance's new state (compare-and-set from queued or
 * running, so a late or duplicate report cannot overwrite a cleared or marked task), the attempt in
 * history, and the skips a branch or short circuit asks for. Returns the updated task instance, or
 * null when the report was stale.
 */
export async function applyAttemptResult(input: ApplyResultInput): Promise<TaskInstance | null> {
  const { store, now, result, spec } = input;
  const w = result.workload;
  const key: TaskInstanceKey = { dagId: w.dagId, runId: w.runId, taskId: w.taskId };
  const outcome = result.outcome;
  const started = result.startedAt ?? input.inflight?.startedAt ?? null;
  const durationMs = started === null ? null : Math.max(0, result.endedAt.getTime() - started.getTime());
  const task = spec?.tasks.get(w.taskId);
  const from: TaskState[] = ['queued', 'running'];

  let state: TaskState;
  let attemptState: TaskState;
  let nextAttemptAt: Date | null = null;
  let error: string | null = null;
  let extraTries = 0;
  switch (outcome.state) {
    case 'success':
      state = attemptState = 'success';
      break;
    case 'skipped':
      state = attemptState = 'skipped';
      break;
    case 'up_for_reschedule':
      state = attemptState = 'up_for_reschedule';
      nextAttemptAt = new Date(outcome.rescheduleAt);
      break;
    case 'failed': {
      attemptState = 'failed';
      error = outcome.error.code === null ? `${outcome.error.name}: ${outcome.error.message}` : `${outcome.error.code}: ${outcome.error.message}`;
      const interrupted = outcome.error.code === 'UPDRAFT_ERR_SHUTDOWN';
      // An attempt interrupted by our own shutdown does not use up one of the task's retries.
      if (interrupted) extraTries = 1;
      const current = await store.getTaskInstance(key);
      const maxTries = (current?.maxTries ?? w.maxTries) + extraTries;
      if (shouldRetry({ tryNumber: w.tryNumber, maxTries, retryable: outcome.retryable || interrupted })) {
        state = 'up_for_retry';
        nextAttemptAt = interrupted || task === undefined ? now : new Date(now.getTime() + retryDelayMs({
          retryDelayMs: task.retryDelayMs, exponentialBackoff: task.retryExponentialBackoff, maxRetryDelayMs: task.maxRetryDelayMs,
          tryNumber: w.tryNumber, dagId: w.dagId, taskId: w.taskId, logicalDate: input.inflight?.logicalDate ?? new Date(w.logicalDate ?? now),
        }));
      } else {
        state = 'failed';
      }
      if (EXECUTOR_ERRORS.has(outcome.error.code ?? '') && w.logPath !== undefined) {
        await appendEngineLine(w.logPath, `${outcome.error.message}`, input.logger);
      }
      break;
    }
    default: {
      const exhaustive: never = outcome;
      throw new Error(`unknown outcome ${JSON.stringify(exhaustive)}`);
    }
  }

  const startPatch = input.startedUnrecorded === true && started !== null ? {
    ...(input.inflight?.isReschedule === true ? {} : { startDate: started }),
    firstAttemptAt: input.inflight?.firstAttemptAt ?? started, lastHeartbeatAt: started,
  } : {};
  // Joins the scheduler's pass transaction when there is one (a failure fails the whole pass).
  return store.atomic(async () => {
    const current = extraTries > 0 ? await store.getTaskInstance(key) : null;
    const patch = {
      state, endDate: state === 'up_for_reschedule' ? null : result.endedAt, durationMs, nextAttemptAt, error, claimedBy: null, ...startPatch,
      ...(current !== null ? { maxTries: current.maxTries + extraTries } : {}),
      ...(result.pid === null ? {} : { pid: result.pid }), ...(result.hostname === null ? {} : { hostname: result.hostname }),
    };
    const updated = await store.updateTaskInstance(key, patch, from);
    if (updated === null) {
      input.logger.debug('ignored a stale attempt report', { dag: w.dagId, run: w.runId, task: w.taskId, try: w.tryNumber });
      return null;
    }
    await store.recordAttempt({
      dagId: w.dagId, runId: w.runId, taskId: w.taskId, tryNumber: w.tryNumber, state: attemptState,
      startDate: started, endDate: result.endedAt, durationMs, hostname: result.hostname, pid: result.pid, error,
    });
    if (outcome.state === 'success' && task !== undefined && spec !== null) {
      let toSkip: string[] = [];
      if ('followTaskIds' in outcome) {
        const follow = new Set(outcome.followTaskIds);
        toSkip = task.downstream.filter((id) => !follow.has(id));
      } else if ('skipDownstream' in outcome) {
        toSkip = outcome.skipDownstream === 'all' ? [...descendants(spec, task.taskId)] : [...task.downstream];
      }
      if (toSkip.length > 0) {
        await store.updateTaskInstances(w.dagId, w.runId, toSkip, { state: 'skipped', endDate: now }, ['none', 'scheduled']);
      }
    }
    const level = state === 'failed' ? 'warn' : 'info';
    input.logger[level](`task ${state}`, { dag: w.dagId, run: w.runId, task: w.taskId, try: w.tryNumber, ...(error === null ? {} : { error }) });
    return updated;
  });
}

/** Appends one engine line to an attempt's log, in the task log line format. */
export async function appendEngineLine(logPath: string, message: string, logger: Logger): Promise<void> {
  try {
    await mkdir(dirname(logPath), { recursive: true });
    const now = new Date();
    const lines = message.split('\n').map((line) => `${formatTaskLogLine(now, { level: 'error', source: 'updraft', text: line })}\n`).join('');
    await appendFile(logPath, lines);
  } catch (error) {
    logger.warn('could not append to the task log', { path: logPath, error: String(error) });
  }
}
