/**
 * The shapes the SQL hooks share: results, fields, parameters and the options of DbApiHook methods.
 */

/** A broad, driver-independent family of a column's type, for code that converts values (exporters). */
export type SqlFieldKind =
  | 'string' | 'integer' | 'bigint' | 'float' | 'decimal' | 'boolean'
  | 'date' | 'time' | 'timestamp' | 'timestamptz' | 'json' | 'binary' | 'other';

/** A column of a result. */
export interface SqlField {
  name: string;
  /** The database's own type name: 'int4', 'numeric', 'jsonb' (PostgreSQL); 'LONGLONG', 'NEWDECIMAL' (MySQL). */
  type: string;
  /** The driver's numeric type id (PostgreSQL type OID, MySQL column type code). */
  typeId: number;
  kind: SqlFieldKind;
}

/** What one statement returned; the argument of a run() handler. */
export interface SqlResult<TRow = unknown[]> {
  /** The statement as sent (after splitting). */
  statement: string;
  /** Result rows (arrays in column order); [] for statements without a result set. */
  rows: TRow[];
  /** Result columns; [] for statements without a result set (INSERT without RETURNING, DDL). */
  fields: SqlField[];
  /** Rows affected or returned, when the driver reports it. */
  rowCount: number | null;
}

/**
 * Statement parameters: an array binds the driver's positional placeholders ($1, $2 for
 * PostgreSQL; ? for MySQL); an object binds :name placeholders (the same syntax for both).
 */
export type SqlParameters = readonly unknown[] | Readonly<Record<string, unknown>>;

export type SqlHandler<T> = (result: SqlResult) => T;

export interface RunOptions<T = unknown> {
  /** Default false: all statements run in one transaction (rolled back on error); true: each commits on its own. */
  autocommit?: boolean;
  parameters?: SqlParameters | undefined;
  /** Called with each statement's result; its return values are what run() returns. */
  handler?: SqlHandler<T> | undefined;
  /** Default false: with true a string holding several statements is split on ';' (quotes, comments and $$ respected). */
  splitStatements?: boolean;
  /** Default true: return the last statement's handler result; false: one per statement. */
  returnLast?: boolean;
}

export type InsertRow = readonly unknown[] | Readonly<Record<string, unknown>>;

export interface InsertRowsOptions {
  /** Column names; default: the keys of the first row when rows are objects, none (all columns in table order) for arrays. */
  targetFields?: readonly string[] | undefined;
  /** Default 1000: commit after every this many rows (0: one commit at the end). */
  commitEvery?: number;
  /** Default false: true upserts (PostgreSQL ON CONFLICT … DO UPDATE, MySQL REPLACE INTO). */
  replace?: boolean;
  /** PostgreSQL with replace: the conflict target column(s), a unique index or primary key. */
  replaceIndex?: string | readonly string[] | undefined;
  /** Same as replaceIndex (the name in SQL). */
  onConflict?: string | readonly string[] | undefined;
}

export type RowMode = 'object' | 'array';

export interface IterRowsOptions {
  parameters?: SqlParameters | undefined;
  /** Default 2000: rows fetched from the server per round trip (the memory bound). */
  batchSize?: number;
}

/**
 * Rows streamed from the server a batch at a time. Iterate it once with `for await`; breaking out
 * early closes the cursor and frees the connection.
 */
export interface SqlRowStream<TRow> extends AsyncIterable<TRow> {
  /** The result columns: null until the first batch has arrived (then set even when there are no rows). */
  readonly fields: SqlField[] | null;
  /** Rows yielded so far. */
  readonly rowCount: number;
}

export interface TestConnectionResult {
  ok: boolean;
  message: string;
}

/** Run handler: the rows of a statement with a result set, null for one without (Airflow's fetch_all_handler). */
export function fetchAllHandler(result: SqlResult): unknown[][] | null {
  return result.fields.length === 0 ? null : result.rows;
}

/** Run handler: the first row, or null (Airflow's fetch_one_handler). */
export function fetchOneHandler(result: SqlResult): unknown[] | null {
  return result.fields.length === 0 ? null : result.rows[0] ?? null;
}
