import type { DbApiHook } from '../sql/dbapi-hook.js';
import { SqlOperator, type SqlQueryOptions } from '../sql/sql-operator.js';
import { MySqlHook } from './mysql-hook.js';

export interface MySqlOperatorOptions extends SqlQueryOptions {
  /** Default 'mysql_default'. */
  mysqlConnId?: string;
}

/** SqlOperator on a MySQL / MariaDB connection (Airflow's MySqlOperator); always uses MySqlHook. */
export class MySqlOperator<TOutput = unknown[][] | null> extends SqlOperator<TOutput> {
  constructor(options: MySqlOperatorOptions) {
    super(options, { connId: options.mysqlConnId ?? 'mysql_default', keys: ['mysqlConnId'] });
  }

  protected override async makeHook(): Promise<DbApiHook> {
    return new MySqlHook({
      ...this.hookParams, mysqlConnId: this.connId, ...(this.database === undefined ? {} : { database: this.database }),
    });
  }
}
