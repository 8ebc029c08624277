import { UpdraftError } from '../../common/errors.js';
import type { DagSpec } from '../../core/dag-spec.js';
import type { DagRecord, DagVersion } from '../../core/ports/metadata-store.js';
import { dagFromRow, dagVersionFromRow } from './rows.js';
import type { SqlDb } from './sql-db.js';
import { EMPTY, join, notInList, raw, sql, type Sql } from './sql.js';

const DAG_SELECT = raw(`SELECT d.dag_id, d.fileloc, d.is_paused, d.is_active, d.version_hash, d.last_parsed_at,
  d.last_automated_interval_start, d.last_automated_interval_end, d.next_run_after, v.spec
FROM dags d JOIN dag_versions v ON v.dag_id = d.dag_id AND v.version_hash = d.version_hash`);

export interface UpsertDagInput {
  spec: DagSpec;
  versionHash: string;
  fileloc: string;
  isPausedOnCreate: boolean;
  parsedAt: Date;
}

export async function upsertDag(db: SqlDb, input: UpsertDagInput): Promise<{ created: boolean; versionChanged: boolean }> {
  const dagId = input.spec.dagId;
  return db.atomic(async () => {
    // Insert-or-nothing first, so two DAG processors racing on a new DAG never hit a unique violation.
    const inserted = await db.all(sql`INSERT INTO dags (dag_id, fileloc, is_paused, is_active, version_hash, last_parsed_at)
      VALUES (${dagId}, ${input.fileloc}, ${input.isPausedOnCreate}, ${true}, ${input.versionHash}, ${input.parsedAt})
      ON CONFLICT (dag_id) DO NOTHING RETURNING dag_id`);
    const created = inserted.length > 0;
    let versionChanged = true;
    if (!created) {
      const current = await db.get(sql`SELECT version_hash FROM dags WHERE dag_id = ${dagId}${db.forUpdate()}`);
      versionChanged = current?.version_hash !== input.versionHash;
      await db.run(sql`UPDATE dags SET fileloc = ${input.fileloc}, is_active = ${true}, version_hash = ${input.versionHash},
        last_parsed_at = ${input.parsedAt} WHERE dag_id = ${dagId}`);
    }
    await db.run(sql`INSERT INTO dag_versions (dag_id, version_hash, spec, created_at)
      VALUES (${dagId}, ${input.versionHash}, ${input.spec}, ${input.parsedAt}) ON CONFLICT (dag_id, version_hash) DO NOTHING`);
    return { created, versionChanged };
  });
}

export async function getDag(db: SqlDb, dagId: string): Promise<DagRecord | null> {
  const row = await db.get(sql`${DAG_SELECT} WHERE d.dag_id = ${dagId}`);
  return row === undefined ? null : dagFromRow(row);
}

export async function listDags(db: SqlDb, options: { onlyActive?: boolean } = {}): Promise<DagRecord[]> {
  const filter = options.onlyActive === true ? sql` WHERE d.is_active = ${true}` : EMPTY;
  return (await db.all(sql`${DAG_SELECT}${filter} ORDER BY d.dag_id`)).map(dagFromRow);
}

async function deactivate(db: SqlDb, conditions: Sql[]): Promise<string[]> {
  const rows = await db.all(sql`UPDATE dags SET is_active = ${false} WHERE is_active = ${true} AND ${join(conditions, ' AND ')} RETURNING dag_id`);
  return rows.map((r) => String(r.dag_id)).sort();
}

export async function deactivateMissingDags(db: SqlDb, fileloc: string, keepDagIds: string[]): Promise<string[]> {
  const conditions = [sql`fileloc = ${fileloc}`];
  if (keepDagIds.length > 0) conditions.push(sql`dag_id ${notInList(keepDagIds)}`);
  return deactivate(db, conditions);
}

export async function deactivateDagsNotInFiles(db: SqlDb, filelocs: string[]): Promise<string[]> {
  return deactivate(db, filelocs.length > 0 ? [sql`fileloc ${notInList(filelocs)}`] : [sql`1 = 1`]);
}

export async function setDagPaused(db: SqlDb, dagId: string, paused: boolean): Promise<void> {
  const changed = await db.run(sql`UPDATE dags SET is_paused = ${paused} WHERE dag_id = ${dagId}`);
  if (changed === 0) throw new UpdraftError('UPDRAFT_ERR_DAG_NOT_FOUND', `no DAG with id "${dagId}" is known; \`updraft dags list\` shows the DAGs`);
}

export async function setDagSchedulingInfo(db: SqlDb, dagId: string,
  info: { lastAutomatedIntervalStart?: Date | null; lastAutomatedIntervalEnd?: Date | null; nextRunAfter?: Date | null }): Promise<void> {
  const sets: Sql[] = [];
  if (info.lastAutomatedIntervalStart !== undefined) sets.push(sql`last_automated_interval_start = ${info.lastAutomatedIntervalStart}`);
  if (info.lastAutomatedIntervalEnd !== undefined) sets.push(sql`last_automated_interval_end = ${info.lastAutomatedIntervalEnd}`);
  if (info.nextRunAfter !== undefined) sets.push(sql`next_run_after = ${info.nextRunAfter}`);
  if (sets.length === 0) return;
  await db.run(sql`UPDATE dags SET ${join(sets)} WHERE dag_id = ${dagId}`);
}

export async function getDagVersion(db: SqlDb, dagId: string, versionHash: string): Promise<DagVersion | null> {
  const row = await db.get(sql`SELECT dag_id, version_hash, spec, created_at FROM dag_versions
    WHERE dag_id = ${dagId} AND version_hash = ${versionHash}`);
  return row === undefined ? null : dagVersionFromRow(row);
}

/** Foreign keys cascade the delete to versions, runs, task instances, attempts, XComs and backfills. */
export async function deleteDag(db: SqlDb, dagId: string): Promise<{ deleted: boolean }> {
  return { deleted: (await db.run(sql`DELETE FROM dags WHERE dag_id = ${dagId}`)) > 0 };
}
