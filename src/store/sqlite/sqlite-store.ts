import { mkdirSync, realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { UpdraftError } from '../../common/errors.js';
import type { MetadataStore } from '../../core/ports/metadata-store.js';
import { AsyncMutex } from '../sql/async-mutex.js';
import { SqlStore } from '../sql/sql-store.js';
import { SqliteDb } from './sqlite-db.js';

export const SQLITE_BUSY_TIMEOUT_MS = 10_000;

/** One write lock per database file for the whole process, whichever store instance holds it. */
let memoryDatabases = 0;
const fileLocks = new Map<string, { mutex: AsyncMutex; users: number }>();

function lockFor(key: string): { mutex: AsyncMutex; release(): void } {
  let entry = fileLocks.get(key);
  if (entry === undefined) {
    entry = { mutex: new AsyncMutex(), users: 0 };
    fileLocks.set(key, entry);
  }
  entry.users++;
  const owned = entry;
  return {
    mutex: owned.mutex,
    release: () => {
      owned.users--;
      if (owned.users === 0 && fileLocks.get(key) === owned) fileLocks.delete(key);
    },
  };
}

/**
 * Opens (creating it and its folder if needed) a SQLite metadata database: WAL journal,
 * synchronous=NORMAL, foreign keys on, 10 s busy timeout. `path` is absolute or ':memory:'.
 */
export function openSqliteStore(path: string): MetadataStore {
  const memory = path === ':memory:';
  let db: Database.Database;
  try {
    if (!memory) mkdirSync(dirname(path), { recursive: true });
    db = new Database(path, { timeout: SQLITE_BUSY_TIMEOUT_MS });
  } catch (error) {
    throw new UpdraftError('UPDRAFT_ERR_DB', `cannot open the SQLite database ${path}: ${(error as Error).message}`,
      { cause: error, details: { database: path } });
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  } catch (error) {
    db.close();
    throw new UpdraftError('UPDRAFT_ERR_DB', `cannot set up the SQLite database ${path}: ${(error as Error).message}`,
      { cause: error, details: { database: path } });
  }
  const lock = lockFor(memory ? `:memory:#${++memoryDatabases}` : realpathSync(path));
  const sqlDb = new SqliteDb(db, { mutex: lock.mutex, label: path, onClose: lock.release });
  return new SqlStore(sqlDb, path);
}
