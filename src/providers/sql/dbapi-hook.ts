import { UpdraftError } from '../../common/errors.js';
import { onTaskEnd, type TaskLogger } from '../../sdk/context.js';
import { describeTarget, type SqlConnectionFields } from './connection-fields.js';
import type { DriverSession, SqlDialect, SqlDriver } from './driver.js';
import { currentLog, resolveConnection } from './hook-support.js';
import { insertRowsInto } from './insert-rows.js';
import { streamRows } from './iter-rows.js';
import { sqlError, truncateStatement } from './sql-errors.js';
import { bindNamedParameters, splitSqlStatements } from './sql-lexer.js';
import type {
  InsertRow, InsertRowsOptions, IterRowsOptions, RowMode, RunOptions, SqlParameters, SqlResult, SqlRowStream,
  TestConnectionResult,
} from './types.js';

export interface DbApiHookOptions {
  /** Use this connection instead of looking up the connection id (outside a task, tests, CLI). */
  connection?: SqlConnectionFields | undefined;
  /** The database to connect to, instead of the connection's schema. */
  database?: string | undefined;
  /** Default 4: most pooled connections this hook opens at once. */
  poolSize?: number | undefined;
  /** Where the hook logs outside a task (inside a task it writes to the task log). */
  logger?: TaskLogger | undefined;
}

/**
 * The base of the SQL hooks (Airflow's DbApiHook): statements, records, batched inserts and row
 * streaming over a connection pool that is opened on first use. Inside a task the pool is closed
 * when the task ends (onTaskEnd); outside a task call close().
 */
export abstract class DbApiHook<TConn = unknown> {
  /** The connection id the hook looks up in a task (unless given a connection). */
  readonly connId: string;
  readonly database: string | undefined;
  protected readonly options: DbApiHookOptions;
  abstract readonly dialect: SqlDialect;
  /** Class name for messages ('PostgresHook'). */
  protected abstract readonly hookName: string;
  protected abstract readonly defaultPort: number;
  #driver: Promise<SqlDriver> | null = null;
  #connection: SqlConnectionFields | null = null;

  constructor(connId: string, options: DbApiHookOptions = {}) {
    this.connId = connId;
    this.options = options;
    this.database = options.database;
  }

  /** Opens the driver's pool for this connection; called once, on first use. */
  protected abstract createDriver(connection: SqlConnectionFields, log: TaskLogger): SqlDriver;

  /** A pooled native client (pg.PoolClient / mysql2 PoolConnection); give it back with release(). */
  abstract getConn(): Promise<TConn>;

  /** The connection the hook uses (looked up once), with `database` applied as its schema. */
  async getConnectionFields(): Promise<SqlConnectionFields> {
    if (this.#connection === null) {
      const found = await resolveConnection(this.options.connection, this.connId, this.hookName);
      this.#connection = this.database === undefined ? found : { ...found, schema: this.database };
    }
    return this.#connection;
  }

  protected get log(): TaskLogger {
    return currentLog(this.options.logger);
  }

  /** The pool, opened on first use; closed when the task ends. */
  protected async driver(): Promise<SqlDriver> {
    if (this.#driver === null) {
      const opening = this.getConnectionFields().then((connection) => {
        const driver = this.createDriver(connection, this.log);
        // Outside a task nobody ends the pool for us: close() is the caller's job then.
        onTaskEnd(() => this.close());
        return driver;
      });
      this.#driver = opening;
      opening.catch(() => {
        if (this.#driver === opening) this.#driver = null;
      });
    }
    return this.#driver;
  }

  /** Closes the pool (idempotent); the next call opens a new one. */
  async close(): Promise<void> {
    const pending = this.#driver;
    this.#driver = null;
    if (pending === null) return;
    const driver = await pending.catch(() => null);
    await driver?.end();
  }

  /** 'postgres 127.0.0.1:5432/db as user' — for messages. */
  protected target(): string {
    const connection = this.#connection ?? this.options.connection ?? {};
    return `${this.dialect.name} ${describeTarget(connection, { port: this.defaultPort, database: this.database ?? null })}`;
  }

  protected wrap(error: unknown, statement: string | null): UpdraftError {
    return sqlError(error, { database: this.target(), statement, secret: (this.#connection ?? this.options.connection)?.password });
  }

  protected async acquire(): Promise<DriverSession> {
    const driver = await this.driver();
    try {
      return await driver.acquire();
    } catch (error) {
      throw this.wrap(error, null);
    }
  }

  /** `sql` and `parameters` as the driver takes them: :name placeholders become positional. */
  protected bind(sql: string, parameters: SqlParameters | undefined): { sql: string; values: unknown[] | undefined } {
    if (parameters === undefined || parameters === null) return { sql, values: undefined };
    if (Array.isArray(parameters)) return { sql, values: parameters.map((v) => this.dialect.prepareValue(v)) };
    if (typeof parameters !== 'object') {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT',
        `SQL parameters must be an array (positional) or an object (:name placeholders); got ${typeof parameters}`);
    }
    const bound = bindNamedParameters(sql, parameters as Record<string, unknown>, {
      rules: this.dialect.lexer, placeholder: (i) => this.dialect.placeholder(i), reuseSlots: this.dialect.reuseSlots,
    });
    return { sql: bound.sql, values: bound.values.map((v) => this.dialect.prepareValue(v)) };
  }

  /** Splits a script into statements by this dialect's rules (quotes, comments, $$ respected). */
  splitStatements(sql: string): string[] {
    return splitSqlStatements(sql, this.dialect.lexer);
  }

  /** Quotes an identifier for this dialect ("name" / `name`), doubling embedded quotes. */
  quoteIdentifier(name: string): string {
    return this.dialect.quoteIdentifier(name);
  }

  /** Runs one statement on a session, wrapping its error. */
  protected async execute(session: DriverSession, statement: string, options: { parameters?: SqlParameters | undefined; rowMode: RowMode }): Promise<SqlResult<unknown>> {
    const { parameters, rowMode } = options;
    const bound = this.bind(statement, parameters);
    try {
      const result = await session.query(bound.sql, bound.values, rowMode);
      return { statement, rows: result.rows, fields: result.fields, rowCount: result.rowCount };
    } catch (error) {
      throw this.wrap(error, statement);
    }
  }

  /** All rows of a query, each an array in column order (Airflow's get_records, rows as tuples). */
  async getRecords<TRow extends unknown[] = unknown[]>(sql: string, parameters?: SqlParameters): Promise<TRow[]> {
    return (await this.#single(sql, parameters, 'array')).rows as TRow[];
  }

  /** All rows of a query as objects keyed by column name (a repeated name keeps the last column). */
  async getRecordObjects<TRow extends object = Record<string, unknown>>(sql: string, parameters?: SqlParameters): Promise<TRow[]> {
    return (await this.#single(sql, parameters, 'object')).rows as TRow[];
  }

  /** The first row of a query as an array, or null when it returns no row (Airflow's get_first). */
  async getFirst<TRow extends unknown[] = unknown[]>(sql: string, parameters?: SqlParameters): Promise<TRow | null> {
    const rows = (await this.#single(sql, parameters, 'array')).rows;
    return (rows[0] ?? null) as TRow | null;
  }

  async #single(sql: string, parameters: SqlParameters | undefined, rowMode: RowMode): Promise<SqlResult<unknown>> {
    checkSql(sql, 'sql');
    const session = await this.acquire();
    try {
      return await this.execute(session, sql, { parameters, rowMode });
    } finally {
      session.release();
    }
  }

  /**
   * Runs one or more statements (Airflow's run). Without autocommit they share one transaction that
   * is rolled back if any fails; with autocommit each commits on its own. With a handler, returns
   * its result for the last statement (a single string and returnLast) or a list, one per
   * statement; without a handler returns null.
   */
  async run<T = unknown>(sql: string | readonly string[], options: RunOptions<T> = {}): Promise<T | T[] | null> {
    const { autocommit = false, parameters, handler, splitStatements = false, returnLast = true } = options;
    let statements: string[];
    if (typeof sql === 'string') {
      checkSql(sql, 'sql');
      statements = splitStatements ? this.splitStatements(sql) : [sql];
    } else if (Array.isArray(sql)) {
      sql.forEach((s, i) => checkSql(s, `sql[${i}]`));
      statements = [...sql];
    } else {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `run() needs sql as a string or an array of strings; got ${typeof sql}`);
    }
    if (statements.length === 0) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', 'run() was given no SQL statement (the list is empty, or the script holds only comments)');
    }
    if (handler !== undefined && typeof handler !== 'function') {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `run() handler must be a function of the statement result; got ${typeof handler}`);
    }
    const log = this.log;
    const results: T[] = [];
    const session = await this.acquire();
    let inTransaction = false;
    try {
      if (!autocommit) {
        await this.execute(session, 'BEGIN', { rowMode: 'array' });
        inTransaction = true;
      }
      for (const statement of statements) {
        log.info(`Running statement: ${truncateStatement(statement, 1000)}${parameters === undefined ? '' : ', with parameters'}`);
        const result = await this.execute(session, statement, { parameters, rowMode: 'array' });
        if (result.rowCount !== null) log.info(`Rows affected: ${result.rowCount}`);
        if (handler !== undefined) results.push(handler(result as SqlResult));
      }
      if (inTransaction) {
        await this.execute(session, 'COMMIT', { rowMode: 'array' });
        inTransaction = false;
      }
    } catch (error) {
      if (inTransaction) await session.query('ROLLBACK', undefined, 'array').catch(() => undefined);
      throw error;
    } finally {
      session.release();
    }
    if (handler === undefined) return null;
    const single = typeof sql === 'string' && (returnLast || !splitStatements);
    return single ? results.at(-1)! : results;
  }

  /**
   * Inserts rows with multi-row INSERT statements and bound parameters, committing every
   * `commitEvery` rows (Airflow's insert_rows); `replace` upserts. Returns the number of rows sent.
   */
  async insertRows(table: string, rows: Iterable<InsertRow> | AsyncIterable<InsertRow>, options: InsertRowsOptions = {}): Promise<number> {
    const session = await this.acquire();
    let broken = false;
    try {
      return await insertRowsInto({
        session, dialect: this.dialect, table, rows, options, log: this.log,
        wrap: (error, statement) => this.wrap(error, statement),
      });
    } catch (error) {
      broken = true;
      throw error;
    } finally {
      session.release(broken);
    }
  }

  /**
   * Streams the rows of one query with constant memory, `batchSize` rows per round trip (PostgreSQL:
   * a server-side cursor; MySQL: a result stream with backpressure). The columns are on `.fields`
   * once the first batch has arrived. Rows are objects keyed by column, or arrays with rowMode 'array'.
   */
  iterRows<TRow extends object = Record<string, unknown>>(sql: string, options?: IterRowsOptions & { rowMode?: 'object' }): SqlRowStream<TRow>;
  iterRows<TRow extends unknown[] = unknown[]>(sql: string, options: IterRowsOptions & { rowMode: 'array' }): SqlRowStream<TRow>;
  iterRows(sql: string, options: IterRowsOptions & { rowMode?: RowMode } = {}): SqlRowStream<unknown> {
    checkSql(sql, 'sql');
    return streamRows({
      sql, options,
      acquire: () => this.acquire(),
      bind: (text, parameters) => this.bind(text, parameters),
      wrap: (error) => this.wrap(error, sql),
      log: () => this.log,
    });
  }

  /** Runs `SELECT 1` (Airflow's test_connection); never throws. */
  async testConnection(): Promise<TestConnectionResult> {
    try {
      await this.getFirst('SELECT 1');
      return { ok: true, message: 'Connection successfully tested' };
    } catch (error) {
      return { ok: false, message: (error as Error).message };
    }
  }
}

function checkSql(sql: unknown, what: string): asserts sql is string {
  if (typeof sql !== 'string' || sql.trim() === '') {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `${what} must be a non-empty SQL string; got ${sql === '' ? 'an empty string' : typeof sql}`);
  }
}
