/**
 * The one error type of Updraft. Every error the framework raises carries a code from the closed
 * union below; each code is documented in docs/errors.md. Retry decisions and CLI exit codes read
 * the code, never the message.
 */
export const ERROR_CODES = {
  UPDRAFT_ERR_INVALID_ARGUMENT: 'A value given to an API or the CLI is not one of the allowed values.',
  UPDRAFT_ERR_INVALID_DURATION: 'A duration is not a string like "5m", "1h30m", "45s" or an object like { minutes: 5 }.',
  UPDRAFT_ERR_INVALID_ID: 'A dag id, task id, group id or pool name has characters other than letters, digits, "_", "-" and "." or is too long.',
  UPDRAFT_ERR_INVALID_SCHEDULE: 'A schedule is not a 5-field cron expression, a preset, a duration or null.',
  UPDRAFT_ERR_INVALID_DAG: 'A DAG definition is inconsistent (unknown option, bad dates, bad time zone).',
  UPDRAFT_ERR_DAG_CYCLE: 'The task dependencies of a DAG form a cycle.',
  UPDRAFT_ERR_DUPLICATE_TASK: 'Two tasks in one DAG have the same task id.',
  UPDRAFT_ERR_UNKNOWN_TRIGGER_RULE: 'A task names a trigger rule that does not exist.',
  UPDRAFT_ERR_TASK_OUTSIDE_DAG: 'A task was created outside the body of dag().',
  UPDRAFT_ERR_DAG_IMPORT: 'A DAG file could not be imported (syntax error, exception at import, timeout).',
  UPDRAFT_ERR_DAG_NOT_FOUND: 'No DAG with that id is known.',
  UPDRAFT_ERR_TASK_NOT_FOUND: 'No task with that id is in the DAG.',
  UPDRAFT_ERR_RUN_NOT_FOUND: 'No DAG run matches that run id or logical date.',
  UPDRAFT_ERR_RUN_EXISTS: 'A DAG run with that run id or logical date already exists.',
  UPDRAFT_ERR_PARAMS_INVALID: 'Run conf or params do not satisfy the declared params.',
  UPDRAFT_ERR_TEMPLATE: 'A templated field could not be rendered.',
  UPDRAFT_ERR_CONFIG: 'A configuration value is invalid.',
  UPDRAFT_ERR_DB: 'The metadata database failed or is unreachable.',
  UPDRAFT_ERR_DB_NEWER_THAN_CODE: 'The metadata database was migrated by a newer Updraft than this one.',
  UPDRAFT_ERR_DB_NOT_MIGRATED: 'The metadata database is missing migrations: run `updraft db migrate`.',
  UPDRAFT_ERR_XCOM_TOO_LARGE: 'An XCom value is larger than [core] max_xcom_size.',
  UPDRAFT_ERR_XCOM_NOT_FOUND: 'An XCom value a task needs was never pushed.',
  UPDRAFT_ERR_POOL_NOT_FOUND: 'A task names a pool that does not exist.',
  UPDRAFT_ERR_NOT_IN_TASK: 'A task-only API (getContext, xcomPush) was called outside a running task.',
  UPDRAFT_ERR_TASK_FAILED: 'User code in a task threw; the task attempt failed.',
  UPDRAFT_ERR_TASK_FAIL_NO_RETRY: 'A task asked to fail without retrying (FailTaskError).',
  UPDRAFT_ERR_TASK_TIMEOUT: 'A task attempt ran longer than its executionTimeout and was killed.',
  UPDRAFT_ERR_SENSOR_TIMEOUT: 'A sensor did not succeed within its timeout.',
  UPDRAFT_ERR_WORKER_DIED: 'The worker process running a task attempt exited or stopped heartbeating.',
  UPDRAFT_ERR_TASK_SKIPPED: 'A task asked to be skipped (SkipTaskError, Bash exit code 99).',
  UPDRAFT_ERR_TASK_RESCHEDULED: 'A sensor in reschedule mode asked to be run again later (RescheduleTaskError); not a failure.',
  UPDRAFT_ERR_CONNECTION_NOT_FOUND: 'No connection with that id is defined.',
  UPDRAFT_ERR_CONNECTION_INVALID: 'A connection is malformed: its id, URI (port, __extra__, more than two "://"), JSON form, port or extra is not valid.',
  UPDRAFT_ERR_SECRETS_KEY: 'A stored secret cannot be decrypted: [secrets] encryption_key does not hold the key it was encrypted with, or the stored value was altered.',
  UPDRAFT_ERR_CONNECTION_FAILED: 'A connection test (`updraft connections test`) could not reach or log in to the service the connection names.',
  UPDRAFT_ERR_VARIABLE_NOT_FOUND: 'No variable with that key is defined and no default was given.',
  UPDRAFT_ERR_SHUTDOWN: 'The process is shutting down; the attempt was interrupted.',
  UPDRAFT_ERR_SQL: 'A SQL statement sent through a hook or operator failed; the message names the statement and the database error.',
  UPDRAFT_ERR_S3_NOT_FOUND: 'An S3 bucket or key that an operation needs does not exist.',
  UPDRAFT_ERR_S3_KEY_EXISTS: 'An S3 key already exists and replace is false (nothing was written).',
  UPDRAFT_ERR_S3: 'An S3 request failed (access denied, unreachable endpoint, bad bucket name, server error).',
  UPDRAFT_ERR_EMAIL: 'An email could not be sent (SMTP connection, authentication or recipient refused).',
  UPDRAFT_ERR_REMOTE_LOG: 'A task log could not be uploaded to or read from the remote log folder ([logging] remote_base_log_folder).',
  UPDRAFT_ERR_INTERNAL: 'A bug in Updraft: please report it with the stack trace (--verbose).',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface UpdraftErrorOptions {
  cause?: unknown;
  /** Extra structured facts (the bad value, the file) for logs and JSON output. */
  details?: Record<string, unknown>;
}

export class UpdraftError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: UpdraftErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UpdraftError';
    this.code = code;
    this.details = options.details ?? {};
  }
}

export function isUpdraftError(value: unknown, code?: ErrorCode): value is UpdraftError {
  return value instanceof Error && (value as Partial<UpdraftError>).code !== undefined
    && typeof (value as UpdraftError).code === 'string' && (value as UpdraftError).code.startsWith('UPDRAFT_ERR_')
    && (code === undefined || (value as UpdraftError).code === code);
}

/** Codes that mean "the user gave bad input" (CLI exit code 2). */
export const USAGE_ERROR_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'UPDRAFT_ERR_INVALID_ARGUMENT', 'UPDRAFT_ERR_INVALID_DURATION', 'UPDRAFT_ERR_INVALID_ID',
  'UPDRAFT_ERR_INVALID_SCHEDULE', 'UPDRAFT_ERR_INVALID_DAG', 'UPDRAFT_ERR_DAG_CYCLE',
  'UPDRAFT_ERR_DUPLICATE_TASK', 'UPDRAFT_ERR_UNKNOWN_TRIGGER_RULE', 'UPDRAFT_ERR_TASK_OUTSIDE_DAG',
  'UPDRAFT_ERR_DAG_IMPORT', 'UPDRAFT_ERR_DAG_NOT_FOUND', 'UPDRAFT_ERR_TASK_NOT_FOUND',
  'UPDRAFT_ERR_RUN_NOT_FOUND', 'UPDRAFT_ERR_RUN_EXISTS', 'UPDRAFT_ERR_PARAMS_INVALID', 'UPDRAFT_ERR_CONFIG',
  'UPDRAFT_ERR_DB_NEWER_THAN_CODE', 'UPDRAFT_ERR_DB_NOT_MIGRATED', 'UPDRAFT_ERR_POOL_NOT_FOUND',
  'UPDRAFT_ERR_CONNECTION_NOT_FOUND', 'UPDRAFT_ERR_VARIABLE_NOT_FOUND', 'UPDRAFT_ERR_CONNECTION_INVALID',
  'UPDRAFT_ERR_SECRETS_KEY',
]);

/** Wraps anything thrown (strings, objects) into an Error, keeping the original as cause. */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === 'string' ? value : JSON.stringify(value) ?? String(value), { cause: value });
}
