import type { LexerRules } from './sql-lexer.js';
import type { RowMode, SqlField } from './types.js';

/**
 * What a database driver gives DbApiHook: a pool of sessions that run one statement at a time and
 * stream results. PostgresHook and MySqlHook implement it over pg and mysql2; everything else
 * (transactions, splitting, batching, errors) is shared.
 */

export interface DriverResult {
  rows: unknown[];
  fields: SqlField[];
  rowCount: number | null;
}

export interface DriverStreamOptions {
  batchSize: number;
  rowMode: RowMode;
  /** Called once the columns are known, before the first batch is yielded. */
  onFields(fields: SqlField[]): void;
}

export interface DriverSession {
  query(statement: string, values: readonly unknown[] | undefined, rowMode: RowMode): Promise<DriverResult>;
  /** Yields the rows of one query a batch at a time; closing the generator early stops the query. */
  stream(statement: string, values: readonly unknown[] | undefined, options: DriverStreamOptions): AsyncGenerator<unknown[]>;
  /** Returns the session to the pool; `broken` destroys it instead (after an unfinished stream). */
  release(broken?: boolean): void;
}

export interface SqlDriver {
  acquire(): Promise<DriverSession>;
  end(): Promise<void>;
}

/** What differs between SQL dialects beyond the driver. */
export interface SqlDialect {
  readonly name: 'postgres' | 'mysql';
  readonly lexer: LexerRules;
  /** The positional placeholder for the 1-based parameter `index`. */
  placeholder(index: number): string;
  /** True when a placeholder can be used twice ($1); false when each ? takes the next value. */
  readonly reuseSlots: boolean;
  quoteIdentifier(name: string): string;
  /** Most bind parameters one statement may carry. */
  readonly maxBindParameters: number;
  /** Turns a bound value into what the driver binds faithfully (e.g. JSON text for objects on MySQL). */
  prepareValue(value: unknown): unknown;
  /** INSERT (or upsert) of `rowCount` rows of `width` values into `table`, with placeholders. */
  insertSql(spec: InsertSpec): string;
}

export interface InsertSpec {
  /** As the caller wrote it (may be schema-qualified). */
  table: string;
  /** Column names, or null to fill every column in table order. */
  columns: readonly string[] | null;
  width: number;
  rowCount: number;
  upsert: UpsertSpec | null;
}

export interface UpsertSpec {
  /** Conflict target columns (PostgreSQL); empty for MySQL's REPLACE INTO. */
  conflictColumns: readonly string[];
}

/** `(…), (…)` with `width` placeholders per row, numbered from 1 across rows. */
export function valuesTuples(dialect: SqlDialect, width: number, rowCount: number): string {
  const rows: string[] = [];
  let n = 0;
  for (let r = 0; r < rowCount; r++) {
    const slots: string[] = [];
    for (let c = 0; c < width; c++) slots.push(dialect.placeholder(++n));
    rows.push(`(${slots.join(', ')})`);
  }
  return rows.join(', ');
}
