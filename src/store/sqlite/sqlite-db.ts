import type BetterSqlite3 from 'better-sqlite3';
import { UpdraftError, isUpdraftError } from '../../common/errors.js';
import type { AsyncMutex } from '../sql/async-mutex.js';
import { SqlDb, type RootTransaction, type Row } from '../sql/sql-db.js';
import { EMPTY, render, type Sql, type SqlList, type SqlRenderer } from '../sql/sql.js';

function encode(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'object' && !Buffer.isBuffer(value)) return JSON.stringify(value);
  return value;
}

const RENDERER: SqlRenderer = {
  placeholder: () => '?',
  list: (list: SqlList, placeholder: string) => `${list.negate ? 'NOT IN' : 'IN'} (SELECT value FROM json_each(${placeholder}))`,
  listParam: (list: SqlList) => JSON.stringify(list.values.map(encode)),
  encode,
};

const STATEMENT_CACHE_LIMIT = 500;

/** Maps a better-sqlite3 error to UPDRAFT_ERR_DB, naming the database. */
export function sqliteError(error: unknown, label: string): UpdraftError {
  if (isUpdraftError(error)) return error;
  const e = error as { code?: string; message?: string };
  const busy = e.code === 'SQLITE_BUSY' || e.code === 'SQLITE_LOCKED';
  return new UpdraftError('UPDRAFT_ERR_DB',
    busy ? `the SQLite database ${label} stayed locked by another process for longer than the busy timeout: ${e.message ?? String(error)}`
      : `SQLite error on ${label}: ${e.message ?? String(error)}`,
    { cause: error, details: { database: label, ...(e.code === undefined ? {} : { sqliteCode: e.code }) } });
}

/**
 * better-sqlite3 is synchronous and has one connection, while the store's transactions run async
 * code between statements. So one write transaction at a time holds `mutex` (shared by every store
 * of this process on the same file) from BEGIN IMMEDIATE to COMMIT, and statements of other callers
 * wait for it: otherwise they would silently become part of somebody else's transaction — or, on
 * a second connection, block the event loop in busy_timeout while the lock holder cannot progress.
 */
export class SqliteDb extends SqlDb {
  readonly dialect = 'sqlite' as const;
  private readonly statements = new Map<string, BetterSqlite3.Statement<unknown[]>>();

  private readonly mutex: AsyncMutex;
  private readonly label: string;
  private readonly onClose: () => void;

  constructor(private readonly db: BetterSqlite3.Database, options: { mutex: AsyncMutex; label: string; onClose?: () => void }) {
    super();
    this.mutex = options.mutex;
    this.label = options.label;
    this.onClose = options.onClose ?? (() => undefined);
  }

  async all(query: Sql): Promise<Row[]> {
    return this.access(() => this.execute(query, true) as Row[]);
  }

  async run(query: Sql): Promise<number> {
    return this.access(() => this.execute(query, false) as number);
  }

  async exec(script: string): Promise<void> {
    return this.access(() => this.execScript(script));
  }

  forUpdate(): Sql {
    return EMPTY;
  }

  forUpdateSkipLocked(): Sql {
    return EMPTY;
  }

  async close(): Promise<void> {
    await this.mutex.run(() => {
      this.statements.clear();
      if (this.db.open) {
        this.db.close();
        this.onClose();
      }
    });
  }

  protected async begin(): Promise<RootTransaction> {
    await this.mutex.acquire();
    try {
      this.execScript('BEGIN IMMEDIATE');
    } catch (error) {
      this.mutex.release();
      throw error;
    }
    return { active: true, savepoints: 0 };
  }

  protected async commit(): Promise<void> {
    try {
      this.execScript('COMMIT');
    } catch (error) {
      if (this.db.inTransaction) this.execScript('ROLLBACK');
      throw error;
    } finally {
      this.mutex.release();
    }
  }

  protected async rollback(): Promise<void> {
    try {
      // SQLite may already have rolled back by itself (e.g. after SQLITE_FULL).
      if (this.db.open && this.db.inTransaction) this.execScript('ROLLBACK');
    } catch {
      // The error that made us roll back is the one worth reporting.
    } finally {
      this.mutex.release();
    }
  }

  protected async execInTransaction(_root: RootTransaction, text: string): Promise<void> {
    this.execScript(text);
  }

  /** Runs now when nobody holds the write lock or the caller is the holder; otherwise waits for it. */
  private access<T>(work: () => T): T | Promise<T> {
    if (this.current() !== undefined || !this.mutex.locked) return work();
    return this.mutex.run(work);
  }

  private execute(query: Sql, rows: boolean): Row[] | number {
    const { text, params } = render(query, RENDERER);
    this.queryCount++;
    try {
      const statement = this.prepare(text);
      if (statement.reader) {
        const result = statement.all(...params) as Row[];
        return rows ? result : result.length;
      }
      const result = statement.run(...params);
      return rows ? [] : result.changes;
    } catch (error) {
      throw sqliteError(error, this.label);
    }
  }

  private execScript(script: string): void {
    this.queryCount++;
    try {
      this.db.exec(script);
    } catch (error) {
      throw sqliteError(error, this.label);
    }
  }

  private prepare(text: string): BetterSqlite3.Statement<unknown[]> {
    let statement = this.statements.get(text);
    if (statement === undefined) {
      if (!this.db.open) throw new UpdraftError('UPDRAFT_ERR_DB', `the SQLite store ${this.label} is closed`);
      statement = this.db.prepare<unknown[]>(text);
      if (this.statements.size >= STATEMENT_CACHE_LIMIT) this.statements.clear();
      this.statements.set(text, statement);
    }
    return statement;
  }
}
