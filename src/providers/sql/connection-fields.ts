import { UpdraftError } from '../../common/errors.js';
import { parseConnectionExtra } from '../../connections/connection.js';

/**
 * The fields of a connection the SQL hooks read: a TaskConnection (getConnection() in a task), a
 * Connection from `updraft/connections`, or a plain object with the same fields.
 */
export interface SqlConnectionFields {
  connId?: string | undefined;
  connType?: string | null | undefined;
  host?: string | null | undefined;
  schema?: string | null | undefined;
  login?: string | null | undefined;
  password?: string | null | undefined;
  port?: number | null | undefined;
  /** An object, or its JSON text. Values from a URI query are strings ('10', 'true'). */
  extra?: Record<string, unknown> | string | null | undefined;
}

/** The connection's extra as an object (the connection model's own parser). */
export function connectionExtras(connection: SqlConnectionFields): Record<string, unknown> {
  return parseConnectionExtra(connection.connId ?? '', connection.extra);
}

/** An extra that must be a non-negative number of seconds (a number or numeric string). */
export function extraSeconds(extras: Record<string, unknown>, key: string, connId: string | undefined): number | undefined {
  const value = extras[key];
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : Number.NaN;
  if (!Number.isFinite(n) || n < 0) {
    throw new UpdraftError('UPDRAFT_ERR_CONNECTION_INVALID',
      `connection ${JSON.stringify(connId ?? '')} has extra ${key}=${JSON.stringify(value)}; it must be a number of seconds like 10`,
      { details: { connId: connId ?? null, key } });
  }
  return n;
}

/** An extra that must be a boolean (true/false, 1/0, 'true'/'false', 'yes'/'no'). */
export function extraBoolean(extras: Record<string, unknown>, key: string, connId: string | undefined): boolean | undefined {
  const value = extras[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'boolean') return value;
  const text = String(value).trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(text)) return true;
  if (['false', '0', 'no', 'off'].includes(text)) return false;
  throw new UpdraftError('UPDRAFT_ERR_CONNECTION_INVALID',
    `connection ${JSON.stringify(connId ?? '')} has extra ${key}=${JSON.stringify(value)}; it must be true or false`,
    { details: { connId: connId ?? null, key } });
}

export function extraString(extras: Record<string, unknown>, key: string, connId: string | undefined): string | undefined {
  const value = extras[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new UpdraftError('UPDRAFT_ERR_CONNECTION_INVALID',
    `connection ${JSON.stringify(connId ?? '')} has extra ${key}=${JSON.stringify(value)}; it must be a string`,
    { details: { connId: connId ?? null, key } });
}

/** host:port/database as user — for messages; never the password. */
export function describeTarget(connection: SqlConnectionFields, defaults: { port: number; database: string | null }): string {
  const host = connection.host || 'localhost';
  const port = connection.port ?? defaults.port;
  const database = connection.schema || defaults.database || '';
  const user = connection.login ? ` as ${connection.login}` : '';
  return `${host}:${port}${database === '' ? '' : `/${database}`}${user}`;
}
