import { ERROR_CODES, UpdraftError, isUpdraftError, toError, type ErrorCode } from '../common/errors.js';
import type { SerializedError, TerminalOutcome, Workload } from '../core/ports/execution-protocol.js';

/**
 * Outcomes the executors decide themselves (timeouts, dead workers, shutdown, kills). Their message is
 * what the scheduler appends to the attempt's log, so it names the task, the limit and the cause.
 */
export function executorFailure(code: ErrorCode, message: string, retryable: boolean): Extract<TerminalOutcome, { state: 'failed' }> {
  return { state: 'failed', retryable, error: { name: 'UpdraftError', message, code, stack: null } };
}

export function describeAttempt(workload: Workload): string {
  return `task ${workload.dagId}.${workload.taskId} (run ${workload.runId}, try ${workload.tryNumber})`;
}

export function serializeError(error: unknown): SerializedError {
  const e = toError(error);
  return { name: e.name, message: e.message, code: isUpdraftError(e) ? e.code : null, stack: e.stack ?? null };
}

/** Rebuilds an Error from a `{ ok: false }` reply so task code can catch it like a local one. */
export function errorFromSerialized(serialized: SerializedError): Error {
  const code = serialized.code;
  const error = code !== null && Object.hasOwn(ERROR_CODES, code)
    ? new UpdraftError(code as ErrorCode, serialized.message, { details: { remoteStack: serialized.stack } })
    : Object.assign(new Error(serialized.message), { code: serialized.code });
  if (serialized.name !== '' && !(error instanceof UpdraftError)) error.name = serialized.name;
  return error;
}

/** Loose check of an outcome that came over IPC from a worker. */
export function isTerminalOutcome(value: unknown): value is TerminalOutcome {
  if (value === null || typeof value !== 'object') return false;
  const state = (value as { state?: unknown }).state;
  switch (state) {
    case 'success':
    case 'skipped':
    case 'up_for_reschedule':
      return true;
    case 'failed': {
      const error = (value as { error?: unknown }).error;
      return error !== null && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string';
    }
    default:
      return false;
  }
}
