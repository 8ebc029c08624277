import type { TaskInstance } from '../../core/ports/metadata-store.js';
import { taskInstanceFromRow } from './rows.js';
import type { Row, SqlDb } from './sql-db.js';
import { inList, join, notInList, sql, type Sql } from './sql.js';
import { TI_COLUMNS } from './task-instance-queries.js';

export interface ClaimOptions {
  schedulerId: string;
  limit: number;
  poolFreeSlots: Map<string, number>;
  dagIds?: string[];
  now: Date;
}

function keyOf(dagId: unknown, runId: unknown, taskId: unknown): string {
  return `${String(dagId)}\u0000${String(runId)}\u0000${String(taskId)}`;
}

/**
 * Moves up to `limit` scheduled task instances of running runs to queued, best first (priority
 * weight desc, then the run's logical date, then task id). Candidates are read page by page with a
 * keyset on that order; a task that does not fit its pool's remaining slots is passed over (a smaller
 * one behind it may still fit), and a pool with no slot left drops out of the next pages. On
 * PostgreSQL each page is locked FOR UPDATE SKIP LOCKED, so concurrent schedulers see disjoint rows;
 * the UPDATE also re-checks state = 'scheduled'.
 */
export async function claimScheduledTaskInstances(db: SqlDb, options: ClaimOptions): Promise<TaskInstance[]> {
  const limit = Math.floor(options.limit);
  if (!(limit > 0)) return [];
  if (options.dagIds !== undefined && options.dagIds.length === 0) return [];
  const dagIds = options.dagIds;
  return db.atomic(async () => {
    const free = new Map(options.poolFreeSlots);
    const exhausted = new Set([...free].filter(([, slots]) => slots <= 0).map(([pool]) => pool));
    const order: string[] = [];
    const claimed = new Map<string, TaskInstance>();
    let after: Row | undefined;
    while (claimed.size < limit) {
      const want = limit - claimed.size;
      const conditions: Sql[] = [sql`ti.state = 'scheduled'`, sql`r.state = 'running'`];
      if (dagIds !== undefined) conditions.push(sql`ti.dag_id ${inList(dagIds)}`);
      if (exhausted.size > 0) conditions.push(sql`ti.pool ${notInList([...exhausted])}`);
      if (after !== undefined) {
        conditions.push(sql`(-ti.priority_weight, ti.run_logical_date, ti.task_id, ti.dag_id, ti.run_id)
          > (${-Number(after.priority_weight)}, ${after.run_logical_date}, ${after.task_id}, ${after.dag_id}, ${after.run_id})`);
      }
      // run_logical_date is the run's logical date, copied onto the row: the order below is the
      // order of idx_task_instances_claim, so a claim reads about `want` rows, not every scheduled
      // one. CROSS JOIN keeps SQLite's planner on that index (it would otherwise start from the
      // running runs and sort all their task instances); PostgreSQL plans it as the inner join it is.
      const page = await db.all(sql`SELECT ti.dag_id, ti.run_id, ti.task_id, ti.pool, ti.pool_slots, ti.priority_weight, ti.run_logical_date
        FROM task_instances ti CROSS JOIN dag_runs r
        WHERE r.dag_id = ti.dag_id AND r.run_id = ti.run_id AND ${join(conditions, ' AND ')}
        ORDER BY ti.priority_weight DESC, ti.run_logical_date, ti.task_id, ti.dag_id, ti.run_id
        LIMIT ${want}${db.forUpdateSkipLocked('ti')}`);
      const chosen: Row[] = [];
      for (const row of page) {
        const pool = String(row.pool);
        const slots = Number(row.pool_slots);
        const poolFree = free.get(pool);
        if (poolFree !== undefined) {
          if (slots > poolFree) {
            if (poolFree <= 0) exhausted.add(pool);
            continue;
          }
          free.set(pool, poolFree - slots);
          if (poolFree - slots <= 0) exhausted.add(pool);
        }
        chosen.push(row);
      }
      if (chosen.length > 0) {
        // One UPDATE per run, on the primary key: a row-value IN (VALUES …) made SQLite walk every
        // scheduled row of every run to find a handful.
        const byRun = new Map<string, { dagId: unknown; runId: unknown; taskIds: unknown[] }>();
        for (const row of chosen) {
          const runKey = keyOf(row.dag_id, row.run_id, '');
          const group = byRun.get(runKey) ?? { dagId: row.dag_id, runId: row.run_id, taskIds: [] };
          group.taskIds.push(row.task_id);
          byRun.set(runKey, group);
          order.push(keyOf(row.dag_id, row.run_id, row.task_id));
        }
        for (const { dagId, runId, taskIds } of byRun.values()) {
          const updated = await db.all(sql`UPDATE task_instances SET state = 'queued', queued_at = ${options.now}, claimed_by = ${options.schedulerId}
            WHERE dag_id = ${dagId} AND run_id = ${runId} AND task_id ${inList(taskIds)} AND state = 'scheduled'
            RETURNING ${TI_COLUMNS}`);
          for (const row of updated) claimed.set(keyOf(row.dag_id, row.run_id, row.task_id), taskInstanceFromRow(row));
        }
      }
      if (page.length < want) break;
      after = page[page.length - 1];
    }
    return order.map((key) => claimed.get(key)).filter((ti): ti is TaskInstance => ti !== undefined);
  });
}
