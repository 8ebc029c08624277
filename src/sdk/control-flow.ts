import { UpdraftError, isUpdraftError } from '../common/errors.js';

/**
 * Errors user code throws to steer its task instead of failing it. The runtime maps them by code
 * (not by instanceof, so a DAG file using another copy of the package still works):
 * SkipTaskError → skipped, FailTaskError → failed without retry, RescheduleTaskError → up_for_reschedule.
 */
export class SkipTaskError extends UpdraftError {
  constructor(message = 'The task asked to be skipped') {
    super('UPDRAFT_ERR_TASK_SKIPPED', message);
    this.name = 'SkipTaskError';
  }
}

export class FailTaskError extends UpdraftError {
  constructor(message = 'The task asked to fail without retrying', options: { cause?: unknown } = {}) {
    super('UPDRAFT_ERR_TASK_FAIL_NO_RETRY', message, options);
    this.name = 'FailTaskError';
  }
}

export class RescheduleTaskError extends UpdraftError {
  readonly rescheduleAt: Date;

  constructor(rescheduleAt: Date, message?: string) {
    if (!(rescheduleAt instanceof Date) || Number.isNaN(rescheduleAt.getTime())) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT',
        `RescheduleTaskError needs a valid Date for rescheduleAt; got ${String(rescheduleAt)}`);
    }
    super('UPDRAFT_ERR_TASK_RESCHEDULED', message ?? `The task asked to be rescheduled at ${rescheduleAt.toISOString()}`,
      { details: { rescheduleAt: rescheduleAt.toISOString() } });
    this.name = 'RescheduleTaskError';
    this.rescheduleAt = rescheduleAt;
  }
}

export function isSkipTaskError(value: unknown): value is UpdraftError {
  return isUpdraftError(value, 'UPDRAFT_ERR_TASK_SKIPPED');
}

export function isFailTaskError(value: unknown): value is UpdraftError {
  return isUpdraftError(value, 'UPDRAFT_ERR_TASK_FAIL_NO_RETRY');
}

export function isRescheduleTaskError(value: unknown): value is UpdraftError & { rescheduleAt: Date } {
  return isUpdraftError(value, 'UPDRAFT_ERR_TASK_RESCHEDULED') && (value as { rescheduleAt?: unknown }).rescheduleAt instanceof Date;
}
