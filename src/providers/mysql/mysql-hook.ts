import type mysql from 'mysql2/promise';
import type { TaskLogger } from '../../sdk/context.js';
import type { SqlConnectionFields } from '../sql/connection-fields.js';
import { DbApiHook, type DbApiHookOptions } from '../sql/dbapi-hook.js';
import { mysqlPoolOptions } from './mysql-config.js';
import { MySqlDriver, mysqlDialect } from './mysql-driver.js';

export interface MySqlHookOptions extends DbApiHookOptions {
  /** Default 'mysql_default'. */
  mysqlConnId?: string | undefined;
}

/**
 * A MySQL / MariaDB hook over mysql2's promise pool (Airflow's MySqlHook). BIGINT and DECIMAL come
 * back as strings (exact), DATE as 'YYYY-MM-DD', DATETIME and TIMESTAMP as Date (UTC), JSON columns
 * as parsed values (on MariaDB 10.5+ too, through its extended column metadata). Statements with
 * parameters run as server-side prepared statements.
 */
export class MySqlHook extends DbApiHook<mysql.PoolConnection> {
  readonly dialect = mysqlDialect;
  protected readonly hookName = 'MySqlHook';
  protected readonly defaultPort = 3306;

  constructor(options: MySqlHookOptions = {}) {
    super(options.mysqlConnId ?? 'mysql_default', options);
  }

  protected createDriver(connection: SqlConnectionFields, log: TaskLogger): MySqlDriver {
    return new MySqlDriver(mysqlPoolOptions(connection, { poolSize: this.options.poolSize ?? 4, log }), log);
  }

  /** A pooled mysql2 promise connection; call connection.release() when done. */
  async getConn(): Promise<mysql.PoolConnection> {
    const driver = await this.driver() as MySqlDriver;
    try {
      return await driver.pool.getConnection();
    } catch (error) {
      throw this.wrap(error, null);
    }
  }
}
