import type {
  NewTaskInstance, PoolUsage, TaskAttempt, TaskInstance, TaskInstanceFilter, TaskInstanceKey, TaskInstancePatch,
} from '../../core/ports/metadata-store.js';
import type { TaskState } from '../../core/states.js';
import { attemptFromRow, taskInstanceFromRow, toDate } from './rows.js';
import { insertTaskInstances, where } from './run-queries.js';
import type { SqlDb } from './sql-db.js';
import { inList, join, raw, sql, type Sql } from './sql.js';

export const TI_COLUMNS = raw(`dag_id, run_id, task_id, state, try_number, max_tries, pool, pool_slots, priority_weight, queue,
  queued_at, start_date, end_date, duration_ms, hostname, pid, next_attempt_at, first_attempt_at, last_heartbeat_at, claimed_by, error`);

const PATCH_COLUMNS: { readonly [K in keyof Required<TaskInstancePatch>]: string } = {
  state: 'state',
  tryNumber: 'try_number',
  maxTries: 'max_tries',
  queuedAt: 'queued_at',
  startDate: 'start_date',
  endDate: 'end_date',
  durationMs: 'duration_ms',
  hostname: 'hostname',
  pid: 'pid',
  nextAttemptAt: 'next_attempt_at',
  firstAttemptAt: 'first_attempt_at',
  lastHeartbeatAt: 'last_heartbeat_at',
  claimedBy: 'claimed_by',
  error: 'error',
};

function patchSets(patch: TaskInstancePatch): Sql[] {
  const sets: Sql[] = [];
  for (const [field, column] of Object.entries(PATCH_COLUMNS)) {
    const value = patch[field as keyof TaskInstancePatch];
    if (value !== undefined) sets.push(sql`${raw(column)} = ${value}`);
  }
  return sets;
}

function keyConditions(key: TaskInstanceKey): Sql[] {
  return [sql`dag_id = ${key.dagId}`, sql`run_id = ${key.runId}`, sql`task_id = ${key.taskId}`];
}

export async function getTaskInstance(db: SqlDb, key: TaskInstanceKey): Promise<TaskInstance | null> {
  const row = await db.get(sql`SELECT ${TI_COLUMNS} FROM task_instances${where(keyConditions(key))}`);
  return row === undefined ? null : taskInstanceFromRow(row);
}

/**
 * The predicate of the partial index idx_task_instances_active, written out as in the index (for
 * every query of queued and running rows): SQLite uses a partial index only for the same terms with
 * literal values, never bound parameters.
 */
const ACTIVE_STATES = raw("state IN ('queued', 'running')");

function isActivePair(states: readonly TaskState[]): boolean {
  return states.length === 2 && states.includes('queued') && states.includes('running');
}

export async function listTaskInstances(db: SqlDb, filter: TaskInstanceFilter): Promise<TaskInstance[]> {
  const conditions: Sql[] = [];
  if (filter.dagId !== undefined) conditions.push(sql`dag_id = ${filter.dagId}`);
  if (filter.runId !== undefined) conditions.push(sql`run_id = ${filter.runId}`);
  if (filter.taskIds !== undefined) {
    if (filter.taskIds.length === 0) return [];
    conditions.push(sql`task_id ${inList(filter.taskIds)}`);
  }
  if (filter.states !== undefined) {
    if (filter.states.length === 0) return [];
    conditions.push(isActivePair(filter.states) ? ACTIVE_STATES : sql`state ${inList(filter.states)}`);
  }
  const rows = await db.all(sql`SELECT ${TI_COLUMNS} FROM task_instances${where(conditions)} ORDER BY dag_id, run_id, task_id`);
  return rows.map(taskInstanceFromRow);
}

export async function ensureTaskInstances(db: SqlDb, run: { dagId: string; runId: string }, tasks: NewTaskInstance[]): Promise<void> {
  await db.atomic(async () => {
    const row = await db.get(sql`SELECT logical_date FROM dag_runs WHERE dag_id = ${run.dagId} AND run_id = ${run.runId}`);
    const logicalDate = row === undefined ? null : toDate(row.logical_date);
    await insertTaskInstances(db, { dagId: run.dagId, runId: run.runId, logicalDate, tasks, ignoreExisting: true });
  });
}

/** A patch and the states it may be applied from (any state when fromStates is omitted). */
export interface GuardedPatch {
  patch: TaskInstancePatch;
  fromStates?: TaskState[] | undefined;
}

export async function updateTaskInstance(db: SqlDb, key: TaskInstanceKey, change: GuardedPatch): Promise<TaskInstance | null> {
  const { patch, fromStates } = change;
  if (fromStates !== undefined && fromStates.length === 0) return null;
  const conditions = keyConditions(key);
  if (fromStates !== undefined) conditions.push(sql`state ${inList(fromStates)}`);
  const sets = patchSets(patch);
  const row = sets.length === 0
    ? await db.get(sql`SELECT ${TI_COLUMNS} FROM task_instances${where(conditions)}`)
    : (await db.all(sql`UPDATE task_instances SET ${join(sets)}${where(conditions)} RETURNING ${TI_COLUMNS}`))[0];
  return row === undefined ? null : taskInstanceFromRow(row);
}

export async function updateTaskInstances(db: SqlDb, target: { dagId: string; runId: string; taskIds: string[] }, change: GuardedPatch): Promise<number> {
  const { dagId, runId, taskIds } = target;
  const { patch, fromStates } = change;
  const sets = patchSets(patch);
  if (taskIds.length === 0 || sets.length === 0 || (fromStates !== undefined && fromStates.length === 0)) return 0;
  const conditions = [sql`dag_id = ${dagId}`, sql`run_id = ${runId}`, sql`task_id ${inList(taskIds)}`];
  if (fromStates !== undefined) conditions.push(sql`state ${inList(fromStates)}`);
  return db.run(sql`UPDATE task_instances SET ${join(sets)}${where(conditions)}`);
}

export async function poolUsage(db: SqlDb): Promise<PoolUsage> {
  const rows = await db.all(sql`SELECT pool, sum(pool_slots) AS used FROM task_instances
    WHERE ${ACTIVE_STATES} GROUP BY pool`);
  return new Map(rows.map((r) => [String(r.pool), Number(r.used)]));
}

export async function activeTaskCounts(db: SqlDb): Promise<Map<string, number>> {
  const rows = await db.all(sql`SELECT dag_id, count(*) AS n FROM task_instances
    WHERE ${ACTIVE_STATES} GROUP BY dag_id`);
  return new Map(rows.map((r) => [String(r.dag_id), Number(r.n)]));
}

export async function listStaleTaskInstances(db: SqlDb, before: Date): Promise<TaskInstance[]> {
  const rows = await db.all(sql`SELECT ${TI_COLUMNS} FROM task_instances
    WHERE state IN ('queued', 'running') AND last_heartbeat_at < ${before} ORDER BY last_heartbeat_at, dag_id, run_id, task_id`);
  return rows.map(taskInstanceFromRow);
}

/** Inserts the attempt, or updates it when that try was recorded before (start, then end). */
export async function recordAttempt(db: SqlDb, a: TaskAttempt): Promise<void> {
  await db.run(sql`INSERT INTO task_attempts (dag_id, run_id, task_id, try_number, state, start_date, end_date, duration_ms, hostname, pid, error)
    VALUES (${a.dagId}, ${a.runId}, ${a.taskId}, ${a.tryNumber}, ${a.state}, ${a.startDate}, ${a.endDate}, ${a.durationMs}, ${a.hostname}, ${a.pid}, ${a.error})
    ON CONFLICT (dag_id, run_id, task_id, try_number) DO UPDATE SET state = excluded.state, start_date = excluded.start_date,
      end_date = excluded.end_date, duration_ms = excluded.duration_ms, hostname = excluded.hostname, pid = excluded.pid, error = excluded.error`);
}

export async function listAttempts(db: SqlDb, key: TaskInstanceKey): Promise<TaskAttempt[]> {
  const rows = await db.all(sql`SELECT dag_id, run_id, task_id, try_number, state, start_date, end_date, duration_ms, hostname, pid, error
    FROM task_attempts${where(keyConditions(key))} ORDER BY try_number`);
  return rows.map(attemptFromRow);
}
