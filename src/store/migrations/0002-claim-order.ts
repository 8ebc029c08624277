import type { Migration } from './migration.js';

/**
 * Claims take scheduled task instances best first: priority weight, then the run's logical date,
 * then task id. With the logical date only on dag_runs, every claim sorted all scheduled rows: a
 * 10,000-task fan-out spent most of its time there. Each task instance now carries its run's
 * logical date, and a partial index over the scheduled rows holds the claim order. The old
 * (state, priority_weight) index goes: SQLite's planner took it over the primary key for updates of
 * a few named tasks (task_id IN (…) AND state IN (…)), walking every row in that state. A second
 * partial index serves the queued and running rows: pool usage, active tasks per DAG, and the
 * scheduler's look for orphans on every full pass (which would otherwise read the whole table).
 */
const SQLITE = `
ALTER TABLE task_instances ADD COLUMN run_logical_date INTEGER;
UPDATE task_instances SET run_logical_date = (
  SELECT r.logical_date FROM dag_runs r WHERE r.dag_id = task_instances.dag_id AND r.run_id = task_instances.run_id
);
DROP INDEX idx_task_instances_state_priority;
CREATE INDEX idx_task_instances_claim ON task_instances (priority_weight DESC, run_logical_date, task_id, dag_id, run_id) WHERE state = 'scheduled';
CREATE INDEX idx_task_instances_active ON task_instances (dag_id, run_id, task_id, pool, pool_slots) WHERE state IN ('queued', 'running');
`;

const POSTGRES = `
ALTER TABLE task_instances ADD COLUMN run_logical_date TIMESTAMPTZ;
UPDATE task_instances ti SET run_logical_date = r.logical_date
  FROM dag_runs r WHERE r.dag_id = ti.dag_id AND r.run_id = ti.run_id;
DROP INDEX idx_task_instances_state_priority;
CREATE INDEX idx_task_instances_claim ON task_instances (priority_weight DESC, run_logical_date, task_id, dag_id, run_id) WHERE state = 'scheduled';
CREATE INDEX idx_task_instances_active ON task_instances (dag_id, run_id, task_id, pool, pool_slots) WHERE state IN ('queued', 'running');
`;

export const migration0002: Migration = {
  version: 2,
  name: 'claim order index (run_logical_date on task instances)',
  sqlite: SQLITE,
  postgres: POSTGRES,
  tables: [],
};
