import pg from 'pg';
import Cursor from 'pg-cursor';
import type { TaskLogger } from '../../sdk/context.js';
import {
  valuesTuples, type DriverResult, type DriverSession, type DriverStreamOptions, type InsertSpec, type SqlDialect, type SqlDriver,
} from '../sql/driver.js';
import type { RowMode } from '../sql/types.js';
import { postgresField, postgresTypeParsers } from './postgres-types.js';

export function quotePostgresIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export const postgresDialect: SqlDialect = {
  name: 'postgres',
  lexer: { dollarQuotes: true, backslashEscapes: false, hashComments: false, nestedBlockComments: true },
  placeholder: (index) => `$${index}`,
  reuseSlots: true,
  quoteIdentifier: quotePostgresIdentifier,
  maxBindParameters: 65_535,
  prepareValue(value) {
    if (value === undefined) return null;
    if (typeof value === 'bigint') return value.toString();
    return value;
  },
  insertSql(spec: InsertSpec): string {
    const columns = spec.columns === null ? '' : ` (${spec.columns.map(quotePostgresIdentifier).join(', ')})`;
    let sql = `INSERT INTO ${spec.table}${columns} VALUES ${valuesTuples(postgresDialect, spec.width, spec.rowCount)}`;
    if (spec.upsert !== null) {
      const target = spec.upsert.conflictColumns.map(quotePostgresIdentifier).join(', ');
      const updated = (spec.columns ?? []).filter((c) => !spec.upsert!.conflictColumns.includes(c));
      sql += updated.length === 0
        ? ` ON CONFLICT (${target}) DO NOTHING`
        : ` ON CONFLICT (${target}) DO UPDATE SET ${updated.map((c) => `${quotePostgresIdentifier(c)} = EXCLUDED.${quotePostgresIdentifier(c)}`).join(', ')}`;
    }
    return sql;
  },
};

function toResult(result: pg.QueryResult | pg.QueryResult[]): DriverResult {
  // A string of several statements sent without parameters returns one result each: keep the last (as psycopg2).
  const last = Array.isArray(result) ? result.at(-1) : result;
  if (last === undefined) return { rows: [], fields: [], rowCount: null };
  return { rows: last.rows as unknown[], fields: (last.fields ?? []).map(postgresField), rowCount: last.rowCount ?? null };
}

class PostgresSession implements DriverSession {
  constructor(readonly client: pg.PoolClient) {}

  async query(statement: string, values: readonly unknown[] | undefined, rowMode: RowMode): Promise<DriverResult> {
    const config: pg.QueryConfig = { text: statement, types: postgresTypeParsers };
    if (values !== undefined) config.values = values as unknown[];
    if (rowMode === 'array') (config as pg.QueryArrayConfig).rowMode = 'array';
    return toResult(await this.client.query(config) as pg.QueryResult | pg.QueryResult[]);
  }

  async* stream(statement: string, values: readonly unknown[] | undefined, options: DriverStreamOptions): AsyncGenerator<unknown[]> {
    const cursor = this.client.query(new Cursor<unknown>(statement, values ?? null, {
      types: postgresTypeParsers, ...(options.rowMode === 'array' ? { rowMode: 'array' as const } : {}),
    }));
    let fieldsSent = false;
    try {
      while (true) {
        const rows = await new Promise<unknown[]>((resolve, reject) => {
          cursor.read(options.batchSize, (error, batch, result) => {
            if (error) {
              reject(error);
              return;
            }
            if (!fieldsSent) {
              fieldsSent = true;
              options.onFields((result.fields ?? []).map(postgresField));
            }
            resolve(batch);
          });
        });
        if (rows.length === 0) return;
        yield rows;
      }
    } finally {
      await new Promise<void>((resolve) => cursor.close(() => resolve()));
    }
  }

  release(broken = false): void {
    this.client.release(broken);
  }
}

export class PostgresDriver implements SqlDriver {
  readonly pool: pg.Pool;

  constructor(config: pg.PoolConfig, log: TaskLogger) {
    this.pool = new pg.Pool({ idleTimeoutMillis: 10_000, ...config, types: postgresTypeParsers });
    // An idle client that loses its server emits 'error' on the pool; unhandled it would end the process.
    this.pool.on('error', (error) => log.warn(`An idle PostgreSQL connection failed: ${error.message}`));
  }

  async acquire(): Promise<DriverSession> {
    return new PostgresSession(await this.pool.connect());
  }

  async end(): Promise<void> {
    if (!this.pool.ended && !this.pool.ending) await this.pool.end();
  }
}
