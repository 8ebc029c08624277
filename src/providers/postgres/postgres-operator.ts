import type { DbApiHook } from '../sql/dbapi-hook.js';
import { SqlOperator, type SqlQueryOptions } from '../sql/sql-operator.js';
import { PostgresHook } from './postgres-hook.js';

export interface PostgresOperatorOptions extends SqlQueryOptions {
  /** Default 'postgres_default'. */
  postgresConnId?: string;
}

/** SqlOperator on a PostgreSQL connection (Airflow's PostgresOperator); always uses PostgresHook. */
export class PostgresOperator<TOutput = unknown[][] | null> extends SqlOperator<TOutput> {
  constructor(options: PostgresOperatorOptions) {
    super(options, { connId: options.postgresConnId ?? 'postgres_default', keys: ['postgresConnId'] });
  }

  protected override async makeHook(): Promise<DbApiHook> {
    return new PostgresHook({
      ...this.hookParams, postgresConnId: this.connId, ...(this.database === undefined ? {} : { database: this.database }),
    });
  }
}
