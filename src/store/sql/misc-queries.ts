import { UpdraftError } from '../../common/errors.js';
import type {
  Backfill, ConnectionRecord, ImportErrorRecord, Pool, SchedulerHeartbeat, TaskInstanceKey, Variable, XComRecord,
} from '../../core/ports/metadata-store.js';
import {
  backfillFromRow, connectionFromRow, importErrorFromRow, poolFromRow, schedulerFromRow, variableFromRow, xcomFromRow,
} from './rows.js';
import { where } from './run-queries.js';
import type { SqlDb } from './sql-db.js';
import { notInList, sql, type Sql } from './sql.js';

export const DEFAULT_POOL = 'default_pool';

// XCom

export async function setXCom(db: SqlDb, record: Omit<XComRecord, 'createdAt'>): Promise<void> {
  await db.run(sql`INSERT INTO xcom (dag_id, run_id, task_id, "key", value, created_at)
    VALUES (${record.dagId}, ${record.runId}, ${record.taskId}, ${record.key}, ${record.value}, ${new Date()})
    ON CONFLICT (dag_id, run_id, task_id, "key") DO UPDATE SET value = excluded.value, created_at = excluded.created_at`);
}

export async function getXCom(db: SqlDb, key: { dagId: string; runId: string; taskId: string; key: string }): Promise<XComRecord | null> {
  const row = await db.get(sql`SELECT dag_id, run_id, task_id, "key", value, created_at FROM xcom
    WHERE dag_id = ${key.dagId} AND run_id = ${key.runId} AND task_id = ${key.taskId} AND "key" = ${key.key}`);
  return row === undefined ? null : xcomFromRow(row);
}

export async function listXComs(db: SqlDb, filter: { dagId: string; runId: string; taskId?: string }): Promise<XComRecord[]> {
  const conditions: Sql[] = [sql`dag_id = ${filter.dagId}`, sql`run_id = ${filter.runId}`];
  if (filter.taskId !== undefined) conditions.push(sql`task_id = ${filter.taskId}`);
  const rows = await db.all(sql`SELECT dag_id, run_id, task_id, "key", value, created_at FROM xcom${where(conditions)} ORDER BY task_id, "key"`);
  return rows.map(xcomFromRow);
}

export async function clearXComs(db: SqlDb, key: TaskInstanceKey): Promise<void> {
  await db.run(sql`DELETE FROM xcom WHERE dag_id = ${key.dagId} AND run_id = ${key.runId} AND task_id = ${key.taskId}`);
}

// variables

export async function getVariable(db: SqlDb, key: string): Promise<Variable | null> {
  const row = await db.get(sql`SELECT "key", value, description, is_encrypted FROM variables WHERE "key" = ${key}`);
  return row === undefined ? null : variableFromRow(row);
}

export async function setVariable(db: SqlDb, v: Variable): Promise<void> {
  await db.run(sql`INSERT INTO variables ("key", value, description, is_encrypted) VALUES (${v.key}, ${v.value}, ${v.description}, ${v.isEncrypted})
    ON CONFLICT ("key") DO UPDATE SET value = excluded.value, description = excluded.description, is_encrypted = excluded.is_encrypted`);
}

export async function deleteVariable(db: SqlDb, key: string): Promise<boolean> {
  return (await db.run(sql`DELETE FROM variables WHERE "key" = ${key}`)) > 0;
}

export async function listVariables(db: SqlDb): Promise<Variable[]> {
  return (await db.all(sql`SELECT "key", value, description, is_encrypted FROM variables ORDER BY "key"`)).map(variableFromRow);
}

// connections

const CONNECTION_COLUMNS = sql`conn_id, conn_type, description, host, "schema", login, password, port, extra, is_encrypted, is_extra_encrypted`;

export async function getConnection(db: SqlDb, connId: string): Promise<ConnectionRecord | null> {
  const row = await db.get(sql`SELECT ${CONNECTION_COLUMNS} FROM connections WHERE conn_id = ${connId}`);
  return row === undefined ? null : connectionFromRow(row);
}

export async function setConnection(db: SqlDb, c: ConnectionRecord): Promise<void> {
  await db.run(sql`INSERT INTO connections (${CONNECTION_COLUMNS})
    VALUES (${c.connId}, ${c.connType}, ${c.description}, ${c.host}, ${c.schema}, ${c.login}, ${c.password}, ${c.port}, ${c.extra},
      ${c.isEncrypted}, ${c.isExtraEncrypted})
    ON CONFLICT (conn_id) DO UPDATE SET conn_type = excluded.conn_type, description = excluded.description, host = excluded.host,
      "schema" = excluded."schema", login = excluded.login, password = excluded.password, port = excluded.port, extra = excluded.extra,
      is_encrypted = excluded.is_encrypted, is_extra_encrypted = excluded.is_extra_encrypted`);
}

export async function deleteConnection(db: SqlDb, connId: string): Promise<boolean> {
  return (await db.run(sql`DELETE FROM connections WHERE conn_id = ${connId}`)) > 0;
}

export async function listConnections(db: SqlDb): Promise<ConnectionRecord[]> {
  return (await db.all(sql`SELECT ${CONNECTION_COLUMNS} FROM connections ORDER BY conn_id`)).map(connectionFromRow);
}

// pools

export async function getPool(db: SqlDb, name: string): Promise<Pool | null> {
  const row = await db.get(sql`SELECT name, slots, description FROM pools WHERE name = ${name}`);
  return row === undefined ? null : poolFromRow(row);
}

export async function listPools(db: SqlDb): Promise<Pool[]> {
  return (await db.all(sql`SELECT name, slots, description FROM pools ORDER BY name`)).map(poolFromRow);
}

export async function setPool(db: SqlDb, pool: Pool): Promise<void> {
  if (!Number.isSafeInteger(pool.slots) || pool.slots < 0) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `pool "${pool.name}" has ${pool.slots} slots; slots must be a whole number >= 0`);
  }
  await db.run(sql`INSERT INTO pools (name, slots, description) VALUES (${pool.name}, ${pool.slots}, ${pool.description})
    ON CONFLICT (name) DO UPDATE SET slots = excluded.slots, description = excluded.description`);
}

export async function deletePool(db: SqlDb, name: string): Promise<boolean> {
  if (name === DEFAULT_POOL) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `the pool "${DEFAULT_POOL}" cannot be deleted; set its slots instead (\`updraft pools set ${DEFAULT_POOL} <slots>\`)`);
  }
  return (await db.run(sql`DELETE FROM pools WHERE name = ${name}`)) > 0;
}

// import errors

export async function setImportError(db: SqlDb, r: ImportErrorRecord): Promise<void> {
  await db.run(sql`INSERT INTO import_errors (fileloc, message, stack, recorded_at) VALUES (${r.fileloc}, ${r.message}, ${r.stack}, ${r.timestamp})
    ON CONFLICT (fileloc) DO UPDATE SET message = excluded.message, stack = excluded.stack, recorded_at = excluded.recorded_at`);
}

export async function clearImportError(db: SqlDb, fileloc: string): Promise<void> {
  await db.run(sql`DELETE FROM import_errors WHERE fileloc = ${fileloc}`);
}

export async function clearImportErrorsNotIn(db: SqlDb, filelocs: string[]): Promise<void> {
  await db.run(filelocs.length === 0 ? sql`DELETE FROM import_errors` : sql`DELETE FROM import_errors WHERE fileloc ${notInList(filelocs)}`);
}

export async function listImportErrors(db: SqlDb): Promise<ImportErrorRecord[]> {
  return (await db.all(sql`SELECT fileloc, message, stack, recorded_at FROM import_errors ORDER BY fileloc`)).map(importErrorFromRow);
}

// schedulers

export async function heartbeatScheduler(db: SqlDb, h: SchedulerHeartbeat): Promise<void> {
  await db.run(sql`INSERT INTO scheduler_heartbeats (scheduler_id, hostname, pid, started_at, last_heartbeat_at)
    VALUES (${h.schedulerId}, ${h.hostname}, ${h.pid}, ${h.startedAt}, ${h.lastHeartbeatAt})
    ON CONFLICT (scheduler_id) DO UPDATE SET hostname = excluded.hostname, pid = excluded.pid, started_at = excluded.started_at,
      last_heartbeat_at = excluded.last_heartbeat_at`);
}

export async function listSchedulers(db: SqlDb): Promise<SchedulerHeartbeat[]> {
  return (await db.all(sql`SELECT scheduler_id, hostname, pid, started_at, last_heartbeat_at FROM scheduler_heartbeats ORDER BY scheduler_id`))
    .map(schedulerFromRow);
}

export async function removeScheduler(db: SqlDb, schedulerId: string): Promise<void> {
  await db.run(sql`DELETE FROM scheduler_heartbeats WHERE scheduler_id = ${schedulerId}`);
}

// backfills

const BACKFILL_COLUMNS = sql`id, dag_id, from_date, to_date, max_active_runs, rerun_failed, created_at, completed_at`;

export async function createBackfill(db: SqlDb, input: Omit<Backfill, 'id' | 'createdAt' | 'completedAt'>): Promise<Backfill> {
  return db.atomic(async () => {
    if ((await db.get(sql`SELECT dag_id FROM dags WHERE dag_id = ${input.dagId}`)) === undefined) {
      throw new UpdraftError('UPDRAFT_ERR_DAG_NOT_FOUND', `cannot create a backfill: no DAG with id "${input.dagId}" is stored`);
    }
    const rows = await db.all(sql`INSERT INTO backfills (dag_id, from_date, to_date, max_active_runs, rerun_failed, created_at)
      VALUES (${input.dagId}, ${input.fromDate}, ${input.toDate}, ${input.maxActiveRuns}, ${input.rerunFailed}, ${new Date()})
      RETURNING ${BACKFILL_COLUMNS}`);
    return backfillFromRow(rows[0]!);
  });
}

export async function getBackfill(db: SqlDb, id: number): Promise<Backfill | null> {
  const row = await db.get(sql`SELECT ${BACKFILL_COLUMNS} FROM backfills WHERE id = ${id}`);
  return row === undefined ? null : backfillFromRow(row);
}

export async function completeBackfill(db: SqlDb, id: number, at: Date): Promise<void> {
  await db.run(sql`UPDATE backfills SET completed_at = ${at} WHERE id = ${id}`);
}
