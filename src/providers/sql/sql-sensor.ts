import { UpdraftError } from '../../common/errors.js';
import type { TaskContext } from '../../sdk/context.js';
import { FailTaskError } from '../../sdk/control-flow.js';
import { describe, isPlainObject } from '../../sdk/naming.js';
import { BaseSensorOperator, type BaseSensorOperatorOptions } from '../../sdk/sensors/base-sensor-operator.js';
import { resolveTemplateFunctions, type Templated } from '../../sdk/templated.js';
import { getSqlHook, type SqlHookParams } from './hooks.js';
import { checkSqlOption, loadSqlFiles, type SqlOption } from './sql-source.js';
import type { SqlField, SqlParameters, SqlResult } from './types.js';

export interface SqlSensorOptions extends BaseSensorOperatorOptions {
  connId: string;
  /** A query whose first cell decides; SQL text or a .sql file / file: URL. Templated. */
  sql: SqlOption;
  /** Values for $1/? placeholders (array) or :name placeholders (object). Templated. */
  parameters?: Templated<SqlParameters> | undefined;
  /** Decides success from the first cell (default: the cell is truthy). */
  success?: ((firstCell: unknown) => boolean) | undefined;
  /** When it returns true the task fails at once, without retry. */
  failure?: ((firstCell: unknown) => boolean) | undefined;
  /** Default false: with true, a query returning no row fails the task instead of poking again. */
  failOnEmpty?: boolean | undefined;
  /** Passed to the hook's constructor. */
  hookParams?: SqlHookParams | undefined;
}

/**
 * Waits until a query's first cell satisfies a condition (Airflow's SqlSensor). Each poke runs the
 * query; no row → not yet (or a failure with failOnEmpty); otherwise `failure(cell)` true fails
 * the task without retry, then `success(cell)` — or, without it, the cell being truthy — decides.
 * Truthy as in Airflow: null, false, 0, '' and an exact numeric 0 ('0', '0.00' from bigint or
 * numeric columns, which come back as strings) are false.
 */
export class SqlSensor extends BaseSensorOperator {
  override readonly templateFields: readonly string[] = ['sql', 'parameters'];
  readonly connId: string;
  readonly sqlSource: SqlOption;
  parameters: Templated<SqlParameters> | undefined;
  readonly success: ((firstCell: unknown) => boolean) | undefined;
  readonly failure: ((firstCell: unknown) => boolean) | undefined;
  readonly failOnEmpty: boolean;
  readonly hookParams: SqlHookParams;

  constructor(options: SqlSensorOptions) {
    super(options, ['connId', 'sql', 'parameters', 'success', 'failure', 'failOnEmpty', 'hookParams']);
    const what = `SqlSensor ${JSON.stringify(this.taskId)} in DAG ${JSON.stringify(this.dagId)}`;
    if (typeof options.connId !== 'string' || options.connId.trim() === '') {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG', `${what} has connId: ${describe(options.connId)}; it must be a connection id like 'postgres_default'`);
    }
    checkSqlOption(options.sql, what);
    if (Array.isArray(options.sql)) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG', `${what} has a list of statements as sql; a sensor runs one query`);
    }
    for (const key of ['success', 'failure'] as const) {
      if (options[key] !== undefined && typeof options[key] !== 'function') {
        throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG', `${what} has ${key}: ${describe(options[key])}; it must be a function of the first cell returning true or false`);
      }
    }
    if (options.failOnEmpty !== undefined && typeof options.failOnEmpty !== 'boolean') {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG', `${what} has failOnEmpty: ${describe(options.failOnEmpty)}; it must be true or false`);
    }
    if (options.hookParams !== undefined && !isPlainObject(options.hookParams)) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG', `${what} has hookParams: ${describe(options.hookParams)}; it must be an object of hook options`);
    }
    this.connId = options.connId;
    this.sqlSource = options.sql;
    this.parameters = options.parameters;
    this.success = options.success;
    this.failure = options.failure;
    this.failOnEmpty = options.failOnEmpty ?? false;
    this.hookParams = { ...(options.hookParams ?? {}) };
  }

  /** The query to render; a .sql file is read when the task's templates are rendered. */
  get sql(): Templated<string | string[]> {
    return loadSqlFiles(this.sqlSource, `sql of task ${JSON.stringify(this.taskId)}`);
  }

  async poke(ctx: TaskContext): Promise<boolean> {
    const sql = resolveTemplateFunctions(this.sql, ctx);
    if (typeof sql !== 'string' || sql.trim() === '') {
      throw new UpdraftError('UPDRAFT_ERR_TEMPLATE', `sql of ${this.taskId} rendered to ${describe(sql)}; it must be SQL text`);
    }
    const parameters = resolveTemplateFunctions(this.parameters, ctx) as SqlParameters | undefined;
    const hook = await getSqlHook(this.connId, this.hookParams);
    let result: SqlResult;
    try {
      ctx.log.info(`Poking: ${sql.replace(/\s+/g, ' ').trim()}`);
      result = (await hook.run(sql, { parameters, autocommit: true, handler: (r) => r })) as SqlResult;
    } finally {
      await hook.close();
    }
    const first = result.rows[0];
    if (first === undefined) {
      if (this.failOnEmpty) throw new UpdraftError('UPDRAFT_ERR_SQL', `SqlSensor ${this.taskId}: no rows returned, failing as failOnEmpty is set`);
      return false;
    }
    const cell = first[0];
    if (this.failure !== undefined && this.failure(cell)) {
      throw new FailTaskError(`Failure criteria met: failure(${describe(cell)}) returned true`);
    }
    if (this.success !== undefined) return Boolean(this.success(cell));
    return truthy(cell, result.fields[0]);
  }
}

function truthy(cell: unknown, field: SqlField | undefined): boolean {
  if (typeof cell === 'string' && field !== undefined && (field.kind === 'bigint' || field.kind === 'decimal')) {
    return Number(cell) !== 0;
  }
  if (Array.isArray(cell)) return cell.length > 0;
  if (cell instanceof Map || cell instanceof Set) return cell.size > 0;
  return Boolean(cell);
}
