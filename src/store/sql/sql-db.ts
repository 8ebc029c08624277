import { AsyncLocalStorage } from 'node:async_hooks';
import { AsyncMutex } from './async-mutex.js';
import type { Sql } from './sql.js';

export type Row = Record<string, unknown>;
export type Dialect = 'sqlite' | 'postgres';

/** One open transaction, whatever the dialect (a pinned pg client, or the SQLite connection). */
export interface RootTransaction {
  /** false once committed or rolled back: async work that outlives it must not join it. */
  active: boolean;
  savepoints: number;
}

interface TransactionContext<R extends RootTransaction> {
  root: R;
  /** Serializes sibling savepoint transactions opened concurrently inside this (sub)transaction. */
  nested: AsyncMutex;
}

/**
 * The connection layer both stores sit on: statements, and transactions that nested calls join.
 * Whether the caller is inside a transaction is known from AsyncLocalStorage, so a statement issued
 * by the transaction's own code runs in it, and one from anybody else does not.
 */
export abstract class SqlDb<R extends RootTransaction = RootTransaction> {
  abstract readonly dialect: Dialect;
  /** Statements sent to the database since open (BEGIN/COMMIT included). */
  queryCount = 0;
  private readonly context = new AsyncLocalStorage<TransactionContext<R>>();

  /** Rows of a statement (with RETURNING, the rows it wrote). */
  abstract all(query: Sql): Promise<Row[]>;
  /** Runs a statement; returns the number of rows it changed. */
  abstract run(query: Sql): Promise<number>;
  /** Runs a parameterless multi-statement script (migrations). */
  abstract exec(script: string): Promise<void>;
  abstract close(): Promise<void>;
  /** Row-locking clause for `SELECT … FOR UPDATE` (empty where the whole database is locked). */
  abstract forUpdate(): Sql;
  /** Clause that locks the claimed task instance rows, skipping rows locked by other schedulers. */
  abstract forUpdateSkipLocked(alias: string): Sql;

  protected abstract begin(): Promise<R>;
  protected abstract commit(root: R): Promise<void>;
  protected abstract rollback(root: R, error: unknown): Promise<void>;
  /** Runs a statement of the transaction's own (SAVEPOINT, RELEASE …). */
  protected abstract execInTransaction(root: R, text: string): Promise<void>;

  async get(query: Sql): Promise<Row | undefined> {
    return (await this.all(query))[0];
  }

  /** The caller's open transaction, if any. */
  protected current(): R | undefined {
    const ctx = this.context.getStore();
    return ctx !== undefined && ctx.root.active ? ctx.root : undefined;
  }

  /**
   * The port's transaction: nested calls join the outer transaction inside a savepoint, so a nested
   * failure undoes only its own writes (and, on PostgreSQL, leaves the outer transaction usable).
   */
  transaction<T>(fn: () => Promise<T>): Promise<T> {
    return this.withTransaction(fn, true);
  }

  /** For multi-statement store methods: joins the caller's transaction as is, or opens one. */
  atomic<T>(fn: () => Promise<T>): Promise<T> {
    return this.withTransaction(fn, false);
  }

  private async withTransaction<T>(fn: () => Promise<T>, savepoint: boolean): Promise<T> {
    const ctx = this.context.getStore();
    if (ctx !== undefined && ctx.root.active) {
      return savepoint ? this.inSavepoint(ctx, fn) : fn();
    }
    const root = await this.begin();
    let result: T;
    try {
      result = await this.context.run({ root, nested: new AsyncMutex() }, fn);
    } catch (error) {
      root.active = false;
      await this.rollback(root, error);
      throw error;
    }
    root.active = false;
    await this.commit(root);
    return result;
  }

  private async inSavepoint<T>(ctx: TransactionContext<R>, fn: () => Promise<T>): Promise<T> {
    await ctx.nested.acquire();
    try {
      const name = `updraft_sp_${++ctx.root.savepoints}`;
      await this.execInTransaction(ctx.root, `SAVEPOINT ${name}`);
      let result: T;
      try {
        result = await this.context.run({ root: ctx.root, nested: new AsyncMutex() }, fn);
      } catch (error) {
        if (ctx.root.active) {
          await this.execInTransaction(ctx.root, `ROLLBACK TO SAVEPOINT ${name}`);
          await this.execInTransaction(ctx.root, `RELEASE SAVEPOINT ${name}`);
        }
        throw error;
      }
      await this.execInTransaction(ctx.root, `RELEASE SAVEPOINT ${name}`);
      return result;
    } finally {
      ctx.nested.release();
    }
  }
}
