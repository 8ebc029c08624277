import { UpdraftError } from '../../common/errors.js';
import type { DagRun, NewDagRun, NewTaskInstance, RunFilter } from '../../core/ports/metadata-store.js';
import type { DagRunState } from '../../core/states.js';
import { dagRunFromRow } from './rows.js';
import type { SqlDb } from './sql-db.js';
import { EMPTY, inList, join, raw, sql, type Sql } from './sql.js';

const RUN_COLUMNS = raw(`id, dag_id, run_id, run_type, state, logical_date, data_interval_start, data_interval_end, conf,
  dag_version_hash, queued_at, start_date, end_date, backfill_id`);

/** Rows per multi-row INSERT: well under both dialects' bound-parameter limits. */
const INSERT_CHUNK = 500;

export function where(conditions: readonly Sql[]): Sql {
  return conditions.length === 0 ? EMPTY : sql` WHERE ${join(conditions, ' AND ')}`;
}

/**
 * Inserts task instances in state none. Each row carries its run's logical date
 * (run_logical_date), so claims can walk an index in their order instead of sorting every
 * scheduled row (migration 0002).
 */
export async function insertTaskInstances(db: SqlDb, input: { dagId: string; runId: string; logicalDate: Date | null; tasks: readonly NewTaskInstance[]; ignoreExisting: boolean }): Promise<void> {
  const { dagId, runId, logicalDate, tasks, ignoreExisting } = input;
  for (let i = 0; i < tasks.length; i += INSERT_CHUNK) {
    const values = tasks.slice(i, i + INSERT_CHUNK).map((t) =>
      sql`(${dagId}, ${runId}, ${t.taskId}, 'none', 0, ${t.maxTries}, ${t.pool}, ${t.poolSlots}, ${t.priorityWeight}, ${t.queue}, ${logicalDate})`);
    await db.run(sql`INSERT INTO task_instances (dag_id, run_id, task_id, state, try_number, max_tries, pool, pool_slots, priority_weight, queue, run_logical_date)
      VALUES ${join(values)}${ignoreExisting ? raw(' ON CONFLICT DO NOTHING') : EMPTY}`);
  }
}

export async function createDagRun(db: SqlDb, run: NewDagRun): Promise<DagRun> {
  return db.atomic(async () => {
    const dag = await db.get(sql`SELECT dag_id FROM dags WHERE dag_id = ${run.dagId}`);
    if (dag === undefined) {
      throw new UpdraftError('UPDRAFT_ERR_DAG_NOT_FOUND', `cannot create run "${run.runId}": no DAG with id "${run.dagId}" is stored`);
    }
    const now = new Date();
    // ON CONFLICT DO NOTHING instead of catching a unique violation: on PostgreSQL a violation would
    // abort the caller's surrounding transaction.
    const rows = await db.all(sql`INSERT INTO dag_runs (dag_id, run_id, run_type, state, logical_date, data_interval_start,
        data_interval_end, conf, dag_version_hash, queued_at, start_date, backfill_id)
      VALUES (${run.dagId}, ${run.runId}, ${run.runType}, ${run.state}, ${run.logicalDate}, ${run.dataIntervalStart},
        ${run.dataIntervalEnd}, ${run.conf}, ${run.dagVersionHash}, ${now}, ${run.state === 'running' ? now : null}, ${run.backfillId ?? null})
      ON CONFLICT DO NOTHING RETURNING ${RUN_COLUMNS}`);
    const row = rows[0];
    if (row === undefined) {
      const sameId = await getDagRun(db, run.dagId, run.runId);
      throw sameId !== null
        ? new UpdraftError('UPDRAFT_ERR_RUN_EXISTS', `DAG ${run.dagId} already has a run with run id "${run.runId}"`,
          { details: { dagId: run.dagId, runId: run.runId } })
        : new UpdraftError('UPDRAFT_ERR_RUN_EXISTS',
          `DAG ${run.dagId} already has a run for logical date ${run.logicalDate.toISOString()}; choose another logical date or clear the existing run`,
          { details: { dagId: run.dagId, logicalDate: run.logicalDate.toISOString() } });
    }
    await insertTaskInstances(db, { dagId: run.dagId, runId: run.runId, logicalDate: run.logicalDate, tasks: run.tasks, ignoreExisting: false });
    return dagRunFromRow(row);
  });
}

export async function getDagRun(db: SqlDb, dagId: string, runId: string): Promise<DagRun | null> {
  const row = await db.get(sql`SELECT ${RUN_COLUMNS} FROM dag_runs WHERE dag_id = ${dagId} AND run_id = ${runId}`);
  return row === undefined ? null : dagRunFromRow(row);
}

export async function getDagRunByLogicalDate(db: SqlDb, dagId: string, logicalDate: Date): Promise<DagRun | null> {
  const row = await db.get(sql`SELECT ${RUN_COLUMNS} FROM dag_runs WHERE dag_id = ${dagId} AND logical_date = ${logicalDate}`);
  return row === undefined ? null : dagRunFromRow(row);
}

export async function listDagRuns(db: SqlDb, filter: RunFilter = {}): Promise<DagRun[]> {
  const conditions: Sql[] = [];
  if (filter.dagId !== undefined) conditions.push(sql`dag_id = ${filter.dagId}`);
  if (filter.states !== undefined) {
    if (filter.states.length === 0) return [];
    conditions.push(sql`state ${inList(filter.states)}`);
  }
  if (filter.runTypes !== undefined) {
    if (filter.runTypes.length === 0) return [];
    conditions.push(sql`run_type ${inList(filter.runTypes)}`);
  }
  if (filter.logicalDateFrom !== undefined) conditions.push(sql`logical_date >= ${filter.logicalDateFrom}`);
  if (filter.logicalDateTo !== undefined) conditions.push(sql`logical_date <= ${filter.logicalDateTo}`);
  if (filter.backfillId !== undefined) conditions.push(sql`backfill_id = ${filter.backfillId}`);
  const order = filter.newestFirst === true ? raw(' ORDER BY logical_date DESC, id DESC') : raw(' ORDER BY logical_date, id');
  const limit = filter.limit !== undefined ? sql` LIMIT ${Math.max(0, Math.floor(filter.limit))}` : EMPTY;
  return (await db.all(sql`SELECT ${RUN_COLUMNS} FROM dag_runs${where(conditions)}${order}${limit}`)).map(dagRunFromRow);
}

export interface DagRunPatch {
  state?: DagRunState;
  startDate?: Date | null;
  endDate?: Date | null;
  dagVersionHash?: string;
}

export async function updateDagRun(db: SqlDb, key: { dagId: string; runId: string }, patch: DagRunPatch): Promise<boolean> {
  const { dagId, runId } = key;
  const sets: Sql[] = [];
  if (patch.state !== undefined) sets.push(sql`state = ${patch.state}`);
  if (patch.startDate !== undefined) sets.push(sql`start_date = ${patch.startDate}`);
  if (patch.endDate !== undefined) sets.push(sql`end_date = ${patch.endDate}`);
  if (patch.dagVersionHash !== undefined) sets.push(sql`dag_version_hash = ${patch.dagVersionHash}`);
  if (sets.length === 0) return (await getDagRun(db, dagId, runId)) !== null;
  return (await db.run(sql`UPDATE dag_runs SET ${join(sets)} WHERE dag_id = ${dagId} AND run_id = ${runId}`)) > 0;
}

/** Task instances, attempts and XComs of the run go with it (foreign keys cascade). */
export async function deleteDagRun(db: SqlDb, dagId: string, runId: string): Promise<boolean> {
  return (await db.run(sql`DELETE FROM dag_runs WHERE dag_id = ${dagId} AND run_id = ${runId}`)) > 0;
}

export async function countActiveRuns(db: SqlDb, dagId: string): Promise<number> {
  const row = await db.get(sql`SELECT count(*) AS n FROM dag_runs WHERE dag_id = ${dagId} AND state = 'running'`);
  return Number(row?.n ?? 0);
}

export async function getPreviousDagRun(db: SqlDb, dagId: string, logicalDate: Date): Promise<DagRun | null> {
  const row = await db.get(sql`SELECT ${RUN_COLUMNS} FROM dag_runs WHERE dag_id = ${dagId} AND logical_date < ${logicalDate}
    ORDER BY logical_date DESC LIMIT 1`);
  return row === undefined ? null : dagRunFromRow(row);
}
