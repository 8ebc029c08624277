import { UpdraftError, isUpdraftError } from '../../common/errors.js';
import { getConnection, getContext, type TaskLogger } from '../../sdk/context.js';
import type { SqlConnectionFields } from './connection-fields.js';

const SILENT: TaskLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** The running task's log, or `fallback` (silent by default) outside a task. */
export function currentLog(fallback: TaskLogger | undefined): TaskLogger {
  try {
    return getContext().log;
  } catch {
    return fallback ?? SILENT;
  }
}

/** The connection a hook was given, or the one its connection id names in the running task. */
export async function resolveConnection(
  given: SqlConnectionFields | undefined,
  connId: string,
  hookName: string,
): Promise<SqlConnectionFields> {
  if (given !== undefined) return given;
  try {
    return await getConnection(connId);
  } catch (error) {
    if (isUpdraftError(error, 'UPDRAFT_ERR_NOT_IN_TASK')) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT',
        `${hookName} looks up connection ${JSON.stringify(connId)} only inside a running task; outside a task pass the connection itself: new ${hookName}({ connection: Connection.fromUri('${connId}', uri) })`,
        { cause: error, details: { connId } });
    }
    throw error;
  }
}

export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A positive integer option, or the default; anything else is UPDRAFT_ERR_INVALID_ARGUMENT. */
export function positiveInteger(value: unknown, fallback: number, what: string | { what: string; allowZero: boolean }): number {
  const allowZero = typeof what === 'object' && what.allowZero;
  const name = typeof what === 'object' ? what.what : what;
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT',
      `${name} is ${describeValue(value)}; it must be an integer ${allowZero ? '≥ 0' : '≥ 1'}`);
  }
  return value;
}
