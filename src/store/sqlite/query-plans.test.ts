// SQLite's plans for the scheduler's hot statements. Each one runs once per task or per pass, so a
// plan that walks every task instance (every run ever) turns a long-lived database slow: these
// tests pin that each goes through an index. The statements mirror src/store/sql/claim-query.ts and
// src/store/sql/task-instance-queries.ts (values in place of parameters where the planner needs them
// literal, as the code writes them). See docs/adr/0007-run-cache.md and migration 0002.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { openStore } from '../open-store.js';

describe('SQLite query plans of the hot statements', () => {
  let dir: string;
  let db: Database.Database;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'updraft-plans-'));
    const store = await openStore(join(dir, 'updraft.db'));
    await store.migrate();
    await store.close();
    db = new Database(join(dir, 'updraft.db'));
  });
  after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const plan = (text: string, ...params: unknown[]): string =>
    (db.prepare(`EXPLAIN QUERY PLAN ${text}`).all(...params) as Array<{ detail: string }>).map((r) => r.detail).join(' | ');

  it('a claim walks the claim index in order (no sort of every scheduled row)', () => {
    const detail = plan(`SELECT ti.dag_id, ti.run_id, ti.task_id, ti.pool, ti.pool_slots, ti.priority_weight, ti.run_logical_date
      FROM task_instances ti CROSS JOIN dag_runs r
      WHERE r.dag_id = ti.dag_id AND r.run_id = ti.run_id AND ti.state = 'scheduled' AND r.state = 'running'
      ORDER BY ti.priority_weight DESC, ti.run_logical_date, ti.task_id, ti.dag_id, ti.run_id LIMIT ?`, 16);
    assert.match(detail, /SCAN ti USING (COVERING )?INDEX idx_task_instances_claim/);
    assert.doesNotMatch(detail, /TEMP B-TREE/);
  });

  it('updates of named tasks go by primary key, whatever states they are guarded by', () => {
    const byKey = /SEARCH task_instances USING INDEX sqlite_autoindex_task_instances_1 \(dag_id=\? AND run_id=\? AND task_id=\?\)/;
    assert.match(plan(`UPDATE task_instances SET state = 'queued' WHERE dag_id = ? AND run_id = ? AND task_id IN (?, ?) AND state = 'scheduled' RETURNING dag_id`, 'd', 'r', 'a', 'b'), byKey);
    assert.match(plan(`UPDATE task_instances SET state = ? WHERE dag_id = ? AND run_id = ? AND task_id IN (?, ?) AND state IN (?)`, 'skipped', 'd', 'r', 'a', 'b', 'none'), byKey);
    assert.match(plan(`UPDATE task_instances SET state = ? WHERE dag_id = ? AND run_id = ? AND task_id = ? AND state IN (?, ?) RETURNING dag_id`, 'success', 'd', 'r', 'a', 'queued', 'running'), byKey);
  });

  it('queued and running rows (orphans, pool usage, active counts) come from their partial index', () => {
    const active = /USING (COVERING )?INDEX idx_task_instances_active/;
    assert.match(plan(`SELECT * FROM task_instances WHERE state IN ('queued', 'running') ORDER BY dag_id, run_id, task_id`), active);
    assert.match(plan(`SELECT pool, sum(pool_slots) AS used FROM task_instances WHERE state IN ('queued', 'running') GROUP BY pool`), active);
    assert.match(plan(`SELECT dag_id, count(*) AS n FROM task_instances WHERE state IN ('queued', 'running') GROUP BY dag_id`), active);
  });
});
