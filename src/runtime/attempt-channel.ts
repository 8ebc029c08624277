import { ERROR_CODES, UpdraftError, isUpdraftError, toError, type ErrorCode } from '../common/errors.js';
import type { ExecutionRequest, SerializedError } from '../core/ports/execution-protocol.js';
import type { SecretMasker } from '../logs/secret-masker.js';

/**
 * How a running attempt reaches the scheduler side: IPC in a worker process, a direct call in the
 * in-process executor, HTTP for remote workers. Never the metadata database.
 */
export interface AttemptChannel {
  /** Resolves to the reply's value; rejects with an Error built from the reply's error. */
  request(req: ExecutionRequest): Promise<unknown>;
}

/** Rebuilds an Error from a `{ ok: false }` reply, keeping its code, so task code can catch it. */
export function errorFromReply(serialized: SerializedError): Error {
  const code = serialized.code;
  let error: Error;
  if (code !== null && Object.hasOwn(ERROR_CODES, code)) {
    error = new UpdraftError(code as ErrorCode, serialized.message, { details: { remoteStack: serialized.stack } });
  } else {
    error = Object.assign(new Error(serialized.message), { code });
    if (serialized.name !== '') error.name = serialized.name;
  }
  return error;
}

/**
 * An error as it leaves the attempt (outcome, log). Message and stack pass through the masker:
 * a failing task often puts the password it used in its error. User errors without an Updraft code
 * get UPDRAFT_ERR_TASK_FAILED, so the scheduler can tell them from framework faults.
 */
export function serializeTaskError(error: unknown, masker?: SecretMasker): SerializedError {
  const e = toError(error);
  const mask = (text: string): string => (masker === undefined ? text : masker.mask(text));
  const ownCode = (e as { code?: unknown }).code;
  const code = isUpdraftError(e) ? e.code : typeof ownCode === 'string' && ownCode.startsWith('UPDRAFT_ERR_') ? ownCode : 'UPDRAFT_ERR_TASK_FAILED';
  return { name: e.name, message: mask(e.message), code, stack: e.stack === undefined ? null : mask(e.stack) };
}
