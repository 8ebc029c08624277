import { UpdraftError } from '../../common/errors.js';
import type { SqlDb } from '../sql/sql-db.js';
import { raw, sql } from '../sql/sql.js';
import { LATEST_VERSION, MIGRATIONS, MIGRATIONS_TABLE, TABLES_DROP_ORDER } from './migrations.js';

/** Key of the PostgreSQL advisory lock held while migrating ('updraft' in ASCII). */
const MIGRATION_LOCK_KEY = '0x7570647261667400';

async function lockForMigration(db: SqlDb): Promise<void> {
  // SQLite needs nothing more: the surrounding transaction is BEGIN IMMEDIATE, which takes the write lock.
  if (db.dialect === 'postgres') await db.all(raw(`SELECT pg_advisory_xact_lock(${BigInt(MIGRATION_LOCK_KEY)})`));
}

async function migrationsTableExists(db: SqlDb): Promise<boolean> {
  const row = db.dialect === 'postgres'
    ? await db.get(sql`SELECT to_regclass(${MIGRATIONS_TABLE}) IS NOT NULL AS present`)
    : await db.get(sql`SELECT count(*) AS present FROM sqlite_master WHERE type = 'table' AND name = ${MIGRATIONS_TABLE}`);
  return row !== undefined && (row.present === true || Number(row.present) > 0);
}

async function currentVersion(db: SqlDb): Promise<number> {
  if (!(await migrationsTableExists(db))) return 0;
  const row = await db.get(raw(`SELECT max(version) AS version FROM ${MIGRATIONS_TABLE}`));
  return row?.version === null || row?.version === undefined ? 0 : Number(row.version);
}

function newerThanCode(label: string, current: number): UpdraftError {
  return new UpdraftError('UPDRAFT_ERR_DB_NEWER_THAN_CODE',
    `the metadata database ${label} is at schema version ${current}, newer than this Updraft (latest version ${LATEST_VERSION}); upgrade Updraft, or point [database] url at another database`,
    { details: { database: label, current, latest: LATEST_VERSION } });
}

/** Applies pending migrations in one transaction, under a lock, so concurrent migrators are safe. */
export async function migrate(db: SqlDb, label: string): Promise<{ applied: number[]; current: number }> {
  return db.atomic(async () => {
    await lockForMigration(db);
    const timeType = db.dialect === 'postgres' ? 'TIMESTAMPTZ' : 'INTEGER';
    await db.exec(`CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (version INTEGER PRIMARY KEY, applied_at ${timeType} NOT NULL)`);
    const current = await currentVersion(db);
    if (current > LATEST_VERSION) throw newerThanCode(label, current);
    const applied: number[] = [];
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      await db.exec(db.dialect === 'postgres' ? migration.postgres : migration.sqlite);
      await db.run(sql`INSERT INTO ${raw(MIGRATIONS_TABLE)} (version, applied_at) VALUES (${migration.version}, ${new Date()})`);
      applied.push(migration.version);
    }
    return { applied, current: Math.max(current, LATEST_VERSION) };
  });
}

/** Reports the schema version; throws unless the database is exactly at the code's latest version. */
export async function check(db: SqlDb, label: string): Promise<{ current: number; latest: number }> {
  const current = await currentVersion(db);
  if (current > LATEST_VERSION) throw newerThanCode(label, current);
  if (current < LATEST_VERSION) {
    throw new UpdraftError('UPDRAFT_ERR_DB_NOT_MIGRATED',
      `the metadata database ${label} is at schema version ${current}, this Updraft needs version ${LATEST_VERSION}: run \`updraft db migrate\``,
      { details: { database: label, current, latest: LATEST_VERSION } });
  }
  return { current, latest: LATEST_VERSION };
}

/** Drops every Updraft table and migrates again, in one transaction. */
export async function reset(db: SqlDb, label: string): Promise<void> {
  await db.atomic(async () => {
    await lockForMigration(db);
    const tables = [...TABLES_DROP_ORDER, MIGRATIONS_TABLE];
    if (db.dialect === 'postgres') await db.exec(`DROP TABLE IF EXISTS ${tables.join(', ')} CASCADE`);
    else for (const table of tables) await db.exec(`DROP TABLE IF EXISTS ${table}`);
    await migrate(db, label);
  });
}
