import { UpdraftError } from '../../common/errors.js';
import { BaseOperator, type BaseOperatorOptions } from '../../sdk/base-operator.js';
import type { TaskContext } from '../../sdk/context.js';
import { describe, isPlainObject } from '../../sdk/naming.js';
import { resolveTemplateFunctions, type Templated } from '../../sdk/templated.js';
import type { DbApiHook } from './dbapi-hook.js';
import { getSqlHook, type SqlHookParams } from './hooks.js';
import { checkSqlOption, loadSqlFiles, type SqlOption } from './sql-source.js';
import { fetchAllHandler, type SqlParameters } from './types.js';

/** The options SqlOperator and its database-specific subclasses share. */
export interface SqlQueryOptions extends BaseOperatorOptions {
  /** SQL text, a list of statements, or a .sql file / file: URL (rendered as a template). Templated. */
  sql: SqlOption;
  /** Values for $1/? placeholders (array) or :name placeholders (object). Templated. */
  parameters?: Templated<SqlParameters> | undefined;
  /** Default false: all statements in one transaction; true: each commits on its own. */
  autocommit?: boolean | undefined;
  /** Default false: split a script on ';' (quotes, comments and $$ respected). */
  splitStatements?: boolean | undefined;
  /** Default true: push only the last statement's rows; false: a list, one entry per statement. */
  returnLast?: boolean | undefined;
  /** Default false: log the rows pushed to XCom. */
  showReturnValueInLogs?: boolean | undefined;
  /** Connect to this database instead of the connection's schema. */
  database?: string | undefined;
  /** Passed to the hook's constructor (e.g. { poolSize: 2 }, PostgreSQL { options: '-c search_path=x' }). */
  hookParams?: SqlHookParams | undefined;
}

export interface SqlOperatorOptions extends SqlQueryOptions {
  /** The connection; its type picks the hook (postgres → PostgresHook, mysql/mariadb → MySqlHook). */
  connId: string;
}

export const SQL_QUERY_OPTION_KEYS = [
  'sql', 'parameters', 'autocommit', 'splitStatements', 'returnLast', 'showReturnValueInLogs', 'database', 'hookParams',
] as const;

/**
 * Runs SQL on a connection (Airflow's SQLExecuteQueryOperator). The rows of the last statement
 * (arrays in column order; null for a statement without a result set) are the return value pushed
 * to XCom, or a list with one entry per statement when `returnLast` is false or `sql` is a list.
 * Declare what the query returns as the type parameter: `new SqlOperator<[string, number][]>(…)`.
 */
export class SqlOperator<TOutput = unknown[][] | null> extends BaseOperator<TOutput> {
  override readonly templateFields: readonly string[] = ['sql', 'parameters'];
  readonly connId: string;
  /** The sql option as given (a .sql path stays a path here). */
  readonly sqlSource: SqlOption;
  parameters: Templated<SqlParameters> | undefined;
  readonly autocommit: boolean;
  readonly splitStatements: boolean;
  readonly returnLast: boolean;
  readonly showReturnValueInLogs: boolean;
  readonly database: string | undefined;
  readonly hookParams: SqlHookParams;

  constructor(options: SqlOperatorOptions);
  /** @internal For subclasses with their own connection option name. */
  constructor(options: SqlQueryOptions, own: { connId: string; keys: readonly string[] });
  constructor(options: SqlQueryOptions & { connId?: string }, own?: { connId: string; keys: readonly string[] }) {
    super(options, [...SQL_QUERY_OPTION_KEYS, ...(own?.keys ?? ['connId'])]);
    const what = `${new.target.name} ${JSON.stringify(this.taskId)} in DAG ${JSON.stringify(this.dagId)}`;
    const connId = own?.connId ?? options.connId;
    if (typeof connId !== 'string' || connId.trim() === '') {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG', `${what} has connId: ${describe(connId)}; it must be a connection id like 'postgres_default'`);
    }
    checkSqlOption(options.sql, what);
    for (const key of ['autocommit', 'splitStatements', 'returnLast', 'showReturnValueInLogs'] as const) {
      if (options[key] !== undefined && typeof options[key] !== 'boolean') {
        throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG', `${what} has ${key}: ${describe(options[key])}; it must be true or false`);
      }
    }
    const params = options.parameters;
    if (params !== undefined && typeof params !== 'function' && !Array.isArray(params) && !isPlainObject(params)) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG', `${what} has parameters: ${describe(params)}; it must be an array ($1 / ? placeholders) or an object (:name placeholders)`);
    }
    if (options.database !== undefined && (typeof options.database !== 'string' || options.database === '')) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG', `${what} has database: ${describe(options.database)}; it must be a database name`);
    }
    if (options.hookParams !== undefined && !isPlainObject(options.hookParams)) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG', `${what} has hookParams: ${describe(options.hookParams)}; it must be an object of hook options`);
    }
    this.connId = connId;
    this.sqlSource = options.sql;
    this.parameters = params;
    this.autocommit = options.autocommit ?? false;
    this.splitStatements = options.splitStatements ?? false;
    this.returnLast = options.returnLast ?? true;
    this.showReturnValueInLogs = options.showReturnValueInLogs ?? false;
    this.database = options.database;
    this.hookParams = { ...(options.hookParams ?? {}) };
  }

  /**
   * The SQL to render: a .sql file is read here, when the runtime renders the task's templates in
   * the worker, so its content is rendered like inline SQL.
   */
  get sql(): Templated<string | string[]> {
    return loadSqlFiles(this.sqlSource, `sql of task ${JSON.stringify(this.taskId)}`);
  }

  /** The hook for this task's connection (PostgresOperator and MySqlOperator pin their hook). */
  protected async makeHook(): Promise<DbApiHook> {
    const params: SqlHookParams = this.database === undefined ? this.hookParams : { ...this.hookParams, database: this.database };
    return getSqlHook(this.connId, params);
  }

  async execute(ctx: TaskContext): Promise<TOutput> {
    const sql = resolveTemplateFunctions(this.sql, ctx);
    const parameters = resolveTemplateFunctions(this.parameters, ctx) as SqlParameters | undefined;
    const isText = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';
    if (!isText(sql) && !(Array.isArray(sql) && sql.length > 0 && sql.every(isText))) {
      throw new UpdraftError('UPDRAFT_ERR_TEMPLATE', `sql of ${this.taskId} rendered to ${describe(sql)}; it must be SQL text or a list of statements`);
    }
    const hook = await this.makeHook();
    ctx.log.info(`Executing SQL on connection ${JSON.stringify(this.connId)}${this.database === undefined ? '' : ` (database ${JSON.stringify(this.database)})`}`);
    let output: unknown;
    try {
      output = await hook.run(sql, {
        autocommit: this.autocommit, parameters, handler: fetchAllHandler,
        splitStatements: this.splitStatements, returnLast: this.returnLast,
      });
    } finally {
      // The pool also closes at task end; closing now frees the server connection at once.
      await hook.close();
    }
    if (this.showReturnValueInLogs) ctx.log.info(`Operator output is: ${describeOutput(output)}`);
    return output as TOutput;
  }
}

function describeOutput(output: unknown): string {
  try {
    return JSON.stringify(output, (_key, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value)) ?? String(output);
  } catch {
    return String(output);
  }
}
