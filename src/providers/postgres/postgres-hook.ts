import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { UpdraftError } from '../../common/errors.js';
import type { TaskLogger } from '../../sdk/context.js';
import type { SqlConnectionFields } from '../sql/connection-fields.js';
import { DbApiHook, type DbApiHookOptions } from '../sql/dbapi-hook.js';
import { truncateStatement } from '../sql/sql-errors.js';
import { postgresClientConfig } from './postgres-config.js';
import { PostgresDriver, postgresDialect } from './postgres-driver.js';

export interface PostgresHookOptions extends DbApiHookOptions {
  /** Default 'postgres_default'. */
  postgresConnId?: string | undefined;
  /** Server options at connection start, e.g. '-c search_path=analytics' (replaces the `options` extra). */
  options?: string | undefined;
}

/**
 * A PostgreSQL hook over `pg` (Airflow's PostgresHook). int8 and numeric values come back as
 * strings (exact), json/jsonb as parsed values, timestamp/timestamptz as Date, date as
 * 'YYYY-MM-DD', bytea as Buffer.
 */
export class PostgresHook extends DbApiHook<pg.PoolClient> {
  readonly dialect = postgresDialect;
  protected readonly hookName = 'PostgresHook';
  protected readonly defaultPort = 5432;
  readonly serverOptions: string | undefined;

  constructor(options: PostgresHookOptions = {}) {
    super(options.postgresConnId ?? 'postgres_default', options);
    this.serverOptions = options.options;
  }

  protected createDriver(connection: SqlConnectionFields, log: TaskLogger): PostgresDriver {
    const config = postgresClientConfig(connection, { options: this.serverOptions, log });
    return new PostgresDriver({ ...config, max: this.options.poolSize ?? 4 }, log);
  }

  /** A pooled pg client; call client.release() when done. */
  async getConn(): Promise<pg.PoolClient> {
    const driver = await this.driver() as PostgresDriver;
    try {
      return await driver.pool.connect();
    } catch (error) {
      throw this.wrap(error, null);
    }
  }

  /**
   * Runs a COPY statement with a stream (Airflow's copy_expert): `COPY … TO STDOUT` writes into
   * `stream` (a Writable); `COPY … FROM STDIN` reads `stream` (a Readable) into the table.
   * Resolves with the number of rows copied.
   */
  async copyExpert(sql: string, stream: Readable | Writable): Promise<number> {
    const direction = copyDirection(sql);
    const log = this.log;
    log.info(`Running COPY: ${truncateStatement(sql, 1000)}`);
    const client = await this.getConn();
    let broken = false;
    try {
      if (direction === 'to') {
        if (!isWritable(stream)) throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', 'copyExpert with COPY … TO STDOUT needs a Writable stream to write into');
        const source = client.query(copyTo(sql));
        await pipeline(source, stream);
        return source.rowCount ?? 0;
      }
      if (!isReadable(stream)) throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', 'copyExpert with COPY … FROM STDIN needs a Readable stream to read from');
      const sink = client.query(copyFrom(sql));
      await pipeline(stream, sink);
      return sink.rowCount ?? 0;
    } catch (error) {
      broken = true;
      throw this.wrap(error, sql);
    } finally {
      client.release(broken);
    }
  }
}

function copyDirection(sql: string): 'to' | 'from' {
  if (typeof sql !== 'string') throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `copyExpert needs a COPY statement; got ${typeof sql}`);
  const flat = sql.replace(/\s+/g, ' ');
  if (/\bTO\s+STDOUT\b/i.test(flat)) return 'to';
  if (/\bFROM\s+STDIN\b/i.test(flat)) return 'from';
  throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT',
    `copyExpert needs COPY … TO STDOUT or COPY … FROM STDIN; got: ${truncateStatement(sql, 120)}`);
}

function isWritable(stream: unknown): stream is Writable {
  return stream instanceof Writable || (typeof stream === 'object' && stream !== null && typeof (stream as Writable).write === 'function');
}

function isReadable(stream: unknown): stream is Readable {
  return stream instanceof Readable || (typeof stream === 'object' && stream !== null && typeof (stream as Readable).pipe === 'function');
}
