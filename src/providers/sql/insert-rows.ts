import { UpdraftError } from '../../common/errors.js';
import type { TaskLogger } from '../../sdk/context.js';
import type { DriverSession, SqlDialect, UpsertSpec } from './driver.js';
import { describeValue, positiveInteger } from './hook-support.js';
import type { InsertRow, InsertRowsOptions } from './types.js';

/** Most rows one INSERT statement carries (also bounded by the dialect's bind-parameter limit). */
const MAX_ROWS_PER_STATEMENT = 1000;

/** A table name as SQL: bare or quoted identifiers separated by dots, nothing else. */
const TABLE_NAME = /^(?:"(?:[^"]|"")+"|`(?:[^`]|``)+`|[A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*)(?:\.(?:"(?:[^"]|"")+"|`(?:[^`]|``)+`|[A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*))*$/;

export interface InsertRowsInput {
  session: DriverSession;
  dialect: SqlDialect;
  table: string;
  rows: Iterable<InsertRow> | AsyncIterable<InsertRow>;
  options: InsertRowsOptions;
  log: TaskLogger;
  wrap(error: unknown, statement: string | null): UpdraftError;
}

function conflictColumns(options: InsertRowsOptions, dialect: SqlDialect): readonly string[] {
  const given = options.replaceIndex ?? options.onConflict;
  const list = given === undefined || given === null ? [] : typeof given === 'string' ? [given] : [...given];
  if (list.some((c) => typeof c !== 'string' || c === '')) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `insertRows replaceIndex must be a column name or a list of them; got ${describeValue(given)}`);
  }
  if (dialect.name === 'postgres' && list.length === 0) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT',
      'insertRows with replace: true on PostgreSQL needs replaceIndex: the column(s) of a unique index or primary key, e.g. { replace: true, replaceIndex: \'id\' } (ON CONFLICT needs a conflict target)');
  }
  return list;
}

/** Rows to insert, as arrays of bound values in column order. */
class RowShaper {
  columns: string[] | null;
  width: number | null;
  #objects: boolean | null = null;

  constructor(targetFields: readonly string[] | undefined, readonly dialect: SqlDialect) {
    this.columns = targetFields === undefined ? null : [...targetFields];
    this.width = this.columns?.length ?? null;
  }

  shape(row: InsertRow, index: number): unknown[] {
    const isArray = Array.isArray(row);
    if (!isArray && (row === null || typeof row !== 'object')) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `insertRows row ${index} is ${describeValue(row)}; each row must be an array of values or an object keyed by column`);
    }
    if (this.#objects === null) {
      this.#objects = !isArray;
      if (!isArray && this.columns === null) {
        this.columns = Object.keys(row);
        this.width = this.columns.length;
      }
      if (isArray && this.width === null) this.width = (row as readonly unknown[]).length;
      if (this.width === 0) throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `insertRows row ${index} has no values`);
    } else if (this.#objects === isArray) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `insertRows row ${index} is ${isArray ? 'an array' : 'an object'} but the rows before it are ${isArray ? 'objects' : 'arrays'}; use one kind`);
    }
    const prepare = (v: unknown): unknown => this.dialect.prepareValue(v === undefined ? null : v);
    if (isArray) {
      const values = row as readonly unknown[];
      if (values.length !== this.width) {
        throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT',
          `insertRows row ${index} has ${values.length} values but ${this.columns === null ? 'the first row has' : 'targetFields names'} ${this.width}`);
      }
      return values.map(prepare);
    }
    const record = row as Readonly<Record<string, unknown>>;
    return this.columns!.map((column) => prepare(record[column]));
  }
}

/** The row's conflict key (PostgreSQL upserts): two rows with one key in a statement would fail. */
function keyOf(values: unknown[], positions: number[]): string {
  return JSON.stringify(positions.map((p) => {
    const v = values[p];
    return typeof v === 'bigint' ? `${v}n` : v instanceof Date ? v.toISOString() : v;
  }));
}

export async function insertRowsInto(input: InsertRowsInput): Promise<number> {
  const { session, dialect, table, rows, options, log, wrap } = input;
  if (typeof table !== 'string' || !TABLE_NAME.test(table)) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT',
      `insertRows table ${describeValue(table)} is not a table name; give identifiers separated by dots (events, analytics.events, "Mixed Case")`);
  }
  const commitEvery = positiveInteger(options.commitEvery, 1000, { what: 'insertRows commitEvery', allowZero: true });
  if (options.targetFields !== undefined && (!Array.isArray(options.targetFields) || options.targetFields.length === 0
    || options.targetFields.some((f) => typeof f !== 'string' || f === ''))) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `insertRows targetFields must be a non-empty list of column names; got ${describeValue(options.targetFields)}`);
  }
  const replace = options.replace === true;
  const conflict = replace ? conflictColumns(options, dialect) : [];
  const shaper = new RowShaper(options.targetFields, dialect);

  let total = 0;
  let sinceCommit = 0;
  let batch: unknown[][] = [];
  let batchKeys: Map<string, number> | null = null;
  let conflictPositions: number[] | null = null;
  let statement: string | null = null;

  const run = async (text: string, values?: unknown[]): Promise<void> => {
    statement = text;
    try {
      await session.query(text, values, 'array');
    } catch (error) {
      throw wrap(error, text);
    }
  };
  const capacity = (): number => {
    const byParams = Math.max(1, Math.floor(dialect.maxBindParameters / (shaper.width ?? 1)));
    const left = commitEvery === 0 ? Number.POSITIVE_INFINITY : commitEvery - sinceCommit;
    return Math.min(MAX_ROWS_PER_STATEMENT, byParams, left);
  };
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const upsert: UpsertSpec | null = replace ? { conflictColumns: conflict } : null;
    const text = dialect.insertSql({ table, columns: shaper.columns, width: shaper.width!, rowCount: batch.length, upsert });
    await run(text, batch.flat());
    total += batch.length;
    sinceCommit += batch.length;
    batch = [];
    batchKeys = null;
    if (commitEvery > 0 && sinceCommit >= commitEvery) {
      await run('COMMIT');
      log.info(`Loaded ${total} rows into ${table} so far`);
      sinceCommit = 0;
      await run('BEGIN');
    }
  };

  await run('BEGIN');
  try {
    let index = 0;
    for await (const row of rows) {
      const values = shaper.shape(row, index++);
      if (replace && dialect.name === 'postgres') {
        conflictPositions ??= conflict.map((c) => {
          const at = shaper.columns?.indexOf(c) ?? -1;
          if (at < 0) {
            throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT',
              `insertRows replaceIndex column ${JSON.stringify(c)} is not among the inserted columns ${JSON.stringify(shaper.columns)}; give targetFields (or object rows) that include it`);
          }
          return at;
        });
        // ON CONFLICT DO UPDATE cannot touch one row twice in a statement: the last row wins, as REPLACE does.
        batchKeys ??= new Map();
        const key = keyOf(values, conflictPositions);
        const earlier = batchKeys.get(key);
        if (earlier !== undefined) {
          batch[earlier] = values;
          total += 1;
          sinceCommit += 1;
          continue;
        }
        batchKeys.set(key, batch.length);
      }
      batch.push(values);
      if (batch.length >= capacity()) await flush();
    }
    await flush();
    await run('COMMIT');
  } catch (error) {
    await session.query('ROLLBACK', undefined, 'array').catch(() => undefined);
    if (error instanceof UpdraftError) throw error;
    throw wrap(error, statement);
  }
  log.info(`Done loading. Loaded a total of ${total} rows into ${table}`);
  return total;
}
