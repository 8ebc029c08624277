import { UpdraftError } from '../../common/errors.js';
import { getConnection } from '../../sdk/context.js';
import { MySqlHook } from '../mysql/mysql-hook.js';
import { PostgresHook } from '../postgres/postgres-hook.js';
import type { SqlConnectionFields } from './connection-fields.js';
import type { DbApiHook, DbApiHookOptions } from './dbapi-hook.js';

/** Connection types served by PostgresHook (Airflow's and SQLAlchemy's spellings). */
export const POSTGRES_CONN_TYPES: readonly string[] = [
  'postgres', 'postgresql', 'postgresql+psycopg2', 'postgresql+psycopg', 'postgresql+asyncpg', 'postgresql+pg8000', 'psql', 'pg',
];
/** Connection types served by MySqlHook. */
export const MYSQL_CONN_TYPES: readonly string[] = [
  'mysql', 'mariadb', 'mysql+mysqldb', 'mysql+pymysql', 'mysql+mysqlconnector', 'mysql+aiomysql', 'mariadb+mariadbconnector', 'mariadb+pymysql',
];

export type SqlHook = PostgresHook | MySqlHook;

/** Options passed to the hook's constructor (Airflow's hook_params). */
export type SqlHookParams = Omit<DbApiHookOptions, 'connection'> & { options?: string | undefined };

function normalizeType(connType: string): string {
  return connType.trim().toLowerCase().replace(/-/g, '_');
}

/** Which hook serves a connection type, or null for a type no SQL hook serves. */
export function sqlHookKind(connType: string): 'postgres' | 'mysql' | null {
  const type = normalizeType(connType);
  if (POSTGRES_CONN_TYPES.includes(type)) return 'postgres';
  if (MYSQL_CONN_TYPES.includes(type)) return 'mysql';
  return null;
}

/**
 * The SQL hook for a connection (Airflow's Connection.get_hook): PostgresHook for postgres types,
 * MySqlHook for mysql/mariadb. Give a connection id (looked up in the running task) or the
 * connection itself. Another type is UPDRAFT_ERR_CONNECTION_INVALID naming the supported ones.
 */
export async function getSqlHook(connIdOrConnection: string | SqlConnectionFields, hookParams: SqlHookParams = {}): Promise<SqlHook> {
  const connection = typeof connIdOrConnection === 'string' ? await getConnection(connIdOrConnection) : connIdOrConnection;
  if (connection === null || typeof connection !== 'object') {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `getSqlHook needs a connection id or a connection object; got ${connection === null ? 'null' : typeof connection}`);
  }
  const connId = connection.connId ?? (typeof connIdOrConnection === 'string' ? connIdOrConnection : '(given connection)');
  const connType = connection.connType ?? '';
  const kind = sqlHookKind(connType);
  const withConnection = { ...hookParams, connection };
  switch (kind) {
    case 'postgres':
      return new PostgresHook({ ...withConnection, postgresConnId: connId });
    case 'mysql':
      return new MySqlHook({ ...withConnection, mysqlConnId: connId });
    case null:
      throw new UpdraftError('UPDRAFT_ERR_CONNECTION_INVALID',
        `connection ${JSON.stringify(connId)} has type ${JSON.stringify(connType)}, which no SQL hook serves; supported types: ${[...POSTGRES_CONN_TYPES, ...MYSQL_CONN_TYPES].join(', ')}`,
        { details: { connId, connType } });
  }
}

export type { DbApiHook };
