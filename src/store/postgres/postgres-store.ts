import pg from 'pg';
import type { Logger } from '../../common/logger.js';
import { silentLogger } from '../../common/logger.js';
import type { MetadataStore } from '../../core/ports/metadata-store.js';
import { SqlStore } from '../sql/sql-store.js';
import { sql } from '../sql/sql.js';
import { maskUrl } from '../store-url.js';
import { PostgresDb } from './postgres-db.js';

export interface PostgresStoreOptions {
  logger?: Logger;
  /** Connections in the pool (default 10). */
  poolSize?: number;
}

/**
 * Connects to a PostgreSQL metadata database and checks it answers. The schema is whatever the
 * connection's search_path selects (set it with `?options=-c%20search_path%3Dmyschema` in the URL).
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<MetadataStore> {
  const logger = options.logger ?? silentLogger;
  const label = maskUrl(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    application_name: 'updraft',
    connectionTimeoutMillis: 10_000,
  });
  // An idle client that loses its server emits 'error' on the pool; unhandled, that would crash the process.
  pool.on('error', (error) => logger.warn('an idle PostgreSQL connection failed', { database: label, error: error.message }));
  const db = new PostgresDb(pool, label);
  try {
    await db.all(sql`SELECT 1`);
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
  return new SqlStore(db, label);
}
