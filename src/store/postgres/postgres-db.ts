import type pg from 'pg';
import { UpdraftError, isUpdraftError } from '../../common/errors.js';
import { SqlDb, type RootTransaction, type Row } from '../sql/sql-db.js';
import { raw, render, type Sql, type SqlList, type SqlRenderer } from '../sql/sql.js';

function encode(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (value instanceof Date || Buffer.isBuffer(value)) return value;
  // jsonb parameters: pg would turn a JS array into a PostgreSQL array, so JSON is written out here.
  if (typeof value === 'object') return JSON.stringify(value);
  return value;
}

const RENDERER: SqlRenderer = {
  placeholder: (index: number) => `$${index}`,
  list: (list: SqlList, placeholder: string) => (list.negate ? `<> ALL(${placeholder})` : `= ANY(${placeholder})`),
  listParam: (list: SqlList) => list.values.map(encode),
  encode,
};

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'EAI_AGAIN']);

/** Maps a pg error to UPDRAFT_ERR_DB, naming the database (password masked). */
export function postgresError(error: unknown, label: string): UpdraftError {
  if (isUpdraftError(error)) return error;
  const e = error as { code?: string; message?: string; constraint?: string };
  const message = e.message ?? String(error);
  const unreachable = (e.code !== undefined && CONNECTION_CODES.has(e.code)) || e.code === '28P01' || e.code === '28000'
    || e.code === '3D000' || /Connection terminated|connect ECONNREFUSED/.test(message);
  return new UpdraftError('UPDRAFT_ERR_DB',
    unreachable ? `cannot connect to PostgreSQL at ${label}: ${message}` : `PostgreSQL error on ${label}: ${message}`,
    { cause: error, details: { database: label, ...(e.code === undefined ? {} : { pgCode: e.code }), ...(e.constraint === undefined ? {} : { constraint: e.constraint }) } });
}

function ignore(): void {}

/** An error the server sent (the connection is still fine), as opposed to a broken connection. */
function isServerError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && typeof (error as { severity?: unknown }).severity === 'string';
}

interface PgTransaction extends RootTransaction {
  client: pg.PoolClient;
}

/** pg.Pool for statements; a transaction pins one client, found again through AsyncLocalStorage. */
export class PostgresDb extends SqlDb<PgTransaction> {
  readonly dialect = 'postgres' as const;
  private closed = false;

  constructor(private readonly pool: pg.Pool, private readonly label: string) {
    super();
  }

  async all(query: Sql): Promise<Row[]> {
    return (await this.query(query)).rows as Row[];
  }

  async run(query: Sql): Promise<number> {
    return (await this.query(query)).rowCount ?? 0;
  }

  async exec(script: string): Promise<void> {
    this.assertOpen();
    const tx = this.current();
    this.queryCount++;
    try {
      await (tx === undefined ? this.pool : tx.client).query(script);
    } catch (error) {
      throw postgresError(error, this.label);
    }
  }

  forUpdate(): Sql {
    return raw(' FOR UPDATE');
  }

  forUpdateSkipLocked(alias: string): Sql {
    return raw(` FOR UPDATE OF ${alias} SKIP LOCKED`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  protected async begin(): Promise<PgTransaction> {
    this.assertOpen();
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw postgresError(error, this.label);
    }
    // A connection lost while the transaction awaits the caller's code is emitted as 'error' on the
    // client (unhandled, it would crash the process); the next statement reports it.
    client.on('error', ignore);
    const tx: PgTransaction = { active: true, savepoints: 0, client };
    try {
      await this.execInTransaction(tx, 'BEGIN');
    } catch (error) {
      this.release(tx, true);
      throw error;
    }
    return tx;
  }

  protected async commit(tx: PgTransaction): Promise<void> {
    let broken = false;
    try {
      // A failed COMMIT ends the transaction too (PostgreSQL rolls it back).
      await this.execInTransaction(tx, 'COMMIT');
    } catch (error) {
      broken = !isServerError(error instanceof UpdraftError ? error.cause : error);
      throw error;
    } finally {
      this.release(tx, broken);
    }
  }

  protected async rollback(tx: PgTransaction): Promise<void> {
    let broken = false;
    try {
      await this.execInTransaction(tx, 'ROLLBACK');
    } catch {
      // The connection is unusable (it is what failed): destroy it rather than return it to the pool.
      broken = true;
    } finally {
      this.release(tx, broken);
    }
  }

  protected async execInTransaction(tx: PgTransaction, text: string): Promise<void> {
    this.queryCount++;
    try {
      await tx.client.query(text);
    } catch (error) {
      throw postgresError(error, this.label);
    }
  }

  private release(tx: PgTransaction, broken: boolean): void {
    tx.client.off('error', ignore);
    tx.client.release(broken);
  }

  private async query(query: Sql): Promise<pg.QueryResult> {
    this.assertOpen();
    const { text, params } = render(query, RENDERER);
    const tx = this.current();
    this.queryCount++;
    try {
      return await (tx === undefined ? this.pool : tx.client).query(text, params);
    } catch (error) {
      throw postgresError(error, this.label);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new UpdraftError('UPDRAFT_ERR_DB', `the PostgreSQL store ${this.label} is closed`);
  }
}
