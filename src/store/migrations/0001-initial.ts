import type { Migration } from './migration.js';

/**
 * The first schema. SQLite stores times as integer epoch milliseconds, booleans as 0/1 and JSON as
 * text; PostgreSQL uses timestamptz, boolean and jsonb. Both keep the same tables, keys and indexes.
 */
const SQLITE = `
CREATE TABLE dags (
  dag_id TEXT PRIMARY KEY,
  fileloc TEXT NOT NULL,
  is_paused INTEGER NOT NULL DEFAULT 0,
  is_active INTEGER NOT NULL DEFAULT 1,
  version_hash TEXT NOT NULL,
  last_parsed_at INTEGER NOT NULL,
  last_automated_interval_start INTEGER,
  last_automated_interval_end INTEGER,
  next_run_after INTEGER
);
CREATE INDEX idx_dags_fileloc ON dags (fileloc);

CREATE TABLE dag_versions (
  dag_id TEXT NOT NULL REFERENCES dags (dag_id) ON DELETE CASCADE,
  version_hash TEXT NOT NULL,
  spec TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (dag_id, version_hash)
);

CREATE TABLE backfills (
  id INTEGER PRIMARY KEY,
  dag_id TEXT NOT NULL REFERENCES dags (dag_id) ON DELETE CASCADE,
  from_date INTEGER NOT NULL,
  to_date INTEGER NOT NULL,
  max_active_runs INTEGER NOT NULL,
  rerun_failed INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  completed_at INTEGER
);
CREATE INDEX idx_backfills_dag ON backfills (dag_id);

CREATE TABLE dag_runs (
  id INTEGER PRIMARY KEY,
  dag_id TEXT NOT NULL REFERENCES dags (dag_id) ON DELETE CASCADE,
  run_id TEXT NOT NULL,
  run_type TEXT NOT NULL,
  state TEXT NOT NULL,
  logical_date INTEGER NOT NULL,
  data_interval_start INTEGER NOT NULL,
  data_interval_end INTEGER NOT NULL,
  conf TEXT NOT NULL,
  dag_version_hash TEXT NOT NULL,
  queued_at INTEGER NOT NULL,
  start_date INTEGER,
  end_date INTEGER,
  backfill_id INTEGER REFERENCES backfills (id) ON DELETE SET NULL,
  CONSTRAINT uq_dag_runs_run_id UNIQUE (dag_id, run_id),
  CONSTRAINT uq_dag_runs_logical_date UNIQUE (dag_id, logical_date)
);
CREATE INDEX idx_dag_runs_dag_state ON dag_runs (dag_id, state);
CREATE INDEX idx_dag_runs_state ON dag_runs (state);
CREATE INDEX idx_dag_runs_backfill ON dag_runs (backfill_id);

CREATE TABLE task_instances (
  dag_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  task_id TEXT NOT NULL,
  state TEXT NOT NULL,
  try_number INTEGER NOT NULL DEFAULT 0,
  max_tries INTEGER NOT NULL,
  pool TEXT NOT NULL,
  pool_slots INTEGER NOT NULL,
  priority_weight INTEGER NOT NULL,
  queue TEXT NOT NULL,
  queued_at INTEGER,
  start_date INTEGER,
  end_date INTEGER,
  duration_ms INTEGER,
  hostname TEXT,
  pid INTEGER,
  next_attempt_at INTEGER,
  first_attempt_at INTEGER,
  last_heartbeat_at INTEGER,
  claimed_by TEXT,
  error TEXT,
  PRIMARY KEY (dag_id, run_id, task_id),
  FOREIGN KEY (dag_id, run_id) REFERENCES dag_runs (dag_id, run_id) ON DELETE CASCADE
);
CREATE INDEX idx_task_instances_state_priority ON task_instances (state, priority_weight DESC);

CREATE TABLE task_attempts (
  dag_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  task_id TEXT NOT NULL,
  try_number INTEGER NOT NULL,
  state TEXT NOT NULL,
  start_date INTEGER,
  end_date INTEGER,
  duration_ms INTEGER,
  hostname TEXT,
  pid INTEGER,
  error TEXT,
  PRIMARY KEY (dag_id, run_id, task_id, try_number),
  FOREIGN KEY (dag_id, run_id, task_id) REFERENCES task_instances (dag_id, run_id, task_id) ON DELETE CASCADE
);

CREATE TABLE xcom (
  dag_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  task_id TEXT NOT NULL,
  "key" TEXT NOT NULL,
  value TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (dag_id, run_id, task_id, "key"),
  FOREIGN KEY (dag_id, run_id) REFERENCES dag_runs (dag_id, run_id) ON DELETE CASCADE
);

CREATE TABLE variables (
  "key" TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  description TEXT,
  is_encrypted INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE connections (
  conn_id TEXT PRIMARY KEY,
  conn_type TEXT NOT NULL,
  description TEXT,
  host TEXT,
  "schema" TEXT,
  login TEXT,
  password TEXT,
  port INTEGER,
  extra TEXT,
  is_encrypted INTEGER NOT NULL DEFAULT 0,
  is_extra_encrypted INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE pools (
  name TEXT PRIMARY KEY,
  slots INTEGER NOT NULL,
  description TEXT
);
INSERT INTO pools (name, slots, description) VALUES ('default_pool', 128, 'Default pool');

CREATE TABLE import_errors (
  fileloc TEXT PRIMARY KEY,
  message TEXT NOT NULL,
  stack TEXT,
  recorded_at INTEGER NOT NULL
);

CREATE TABLE scheduler_heartbeats (
  scheduler_id TEXT PRIMARY KEY,
  hostname TEXT NOT NULL,
  pid INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  last_heartbeat_at INTEGER NOT NULL
);
`;

const POSTGRES = `
CREATE TABLE dags (
  dag_id TEXT PRIMARY KEY,
  fileloc TEXT NOT NULL,
  is_paused BOOLEAN NOT NULL DEFAULT FALSE,
  is_active BOOLEAN NOT NULL DEFAULT TRUE,
  version_hash TEXT NOT NULL,
  last_parsed_at TIMESTAMPTZ NOT NULL,
  last_automated_interval_start TIMESTAMPTZ,
  last_automated_interval_end TIMESTAMPTZ,
  next_run_after TIMESTAMPTZ
);
CREATE INDEX idx_dags_fileloc ON dags (fileloc);

CREATE TABLE dag_versions (
  dag_id TEXT NOT NULL REFERENCES dags (dag_id) ON DELETE CASCADE,
  version_hash TEXT NOT NULL,
  spec JSONB NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (dag_id, version_hash)
);

CREATE TABLE backfills (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  dag_id TEXT NOT NULL REFERENCES dags (dag_id) ON DELETE CASCADE,
  from_date TIMESTAMPTZ NOT NULL,
  to_date TIMESTAMPTZ NOT NULL,
  max_active_runs INTEGER NOT NULL,
  rerun_failed BOOLEAN NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  completed_at TIMESTAMPTZ
);
CREATE INDEX idx_backfills_dag ON backfills (dag_id);

CREATE TABLE dag_runs (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  dag_id TEXT NOT NULL REFERENCES dags (dag_id) ON DELETE CASCADE,
  run_id TEXT NOT NULL,
  run_type TEXT NOT NULL,
  state TEXT NOT NULL,
  logical_date TIMESTAMPTZ NOT NULL,
  data_interval_start TIMESTAMPTZ NOT NULL,
  data_interval_end TIMESTAMPTZ NOT NULL,
  conf JSONB NOT NULL,
  dag_version_hash TEXT NOT NULL,
  queued_at TIMESTAMPTZ NOT NULL,
  start_date TIMESTAMPTZ,
  end_date TIMESTAMPTZ,
  backfill_id BIGINT REFERENCES backfills (id) ON DELETE SET NULL,
  CONSTRAINT uq_dag_runs_run_id UNIQUE (dag_id, run_id),
  CONSTRAINT uq_dag_runs_logical_date UNIQUE (dag_id, logical_date)
);
CREATE INDEX idx_dag_runs_dag_state ON dag_runs (dag_id, state);
CREATE INDEX idx_dag_runs_state ON dag_runs (state);
CREATE INDEX idx_dag_runs_backfill ON dag_runs (backfill_id);

CREATE TABLE task_instances (
  dag_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  task_id TEXT NOT NULL,
  state TEXT NOT NULL,
  try_number INTEGER NOT NULL DEFAULT 0,
  max_tries INTEGER NOT NULL,
  pool TEXT NOT NULL,
  pool_slots INTEGER NOT NULL,
  priority_weight INTEGER NOT NULL,
  queue TEXT NOT NULL,
  queued_at TIMESTAMPTZ,
  start_date TIMESTAMPTZ,
  end_date TIMESTAMPTZ,
  duration_ms BIGINT,
  hostname TEXT,
  pid INTEGER,
  next_attempt_at TIMESTAMPTZ,
  first_attempt_at TIMESTAMPTZ,
  last_heartbeat_at TIMESTAMPTZ,
  claimed_by TEXT,
  error TEXT,
  PRIMARY KEY (dag_id, run_id, task_id),
  FOREIGN KEY (dag_id, run_id) REFERENCES dag_runs (dag_id, run_id) ON DELETE CASCADE
);
CREATE INDEX idx_task_instances_state_priority ON task_instances (state, priority_weight DESC);

CREATE TABLE task_attempts (
  dag_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  task_id TEXT NOT NULL,
  try_number INTEGER NOT NULL,
  state TEXT NOT NULL,
  start_date TIMESTAMPTZ,
  end_date TIMESTAMPTZ,
  duration_ms BIGINT,
  hostname TEXT,
  pid INTEGER,
  error TEXT,
  PRIMARY KEY (dag_id, run_id, task_id, try_number),
  FOREIGN KEY (dag_id, run_id, task_id) REFERENCES task_instances (dag_id, run_id, task_id) ON DELETE CASCADE
);

CREATE TABLE xcom (
  dag_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  task_id TEXT NOT NULL,
  "key" TEXT NOT NULL,
  value TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (dag_id, run_id, task_id, "key"),
  FOREIGN KEY (dag_id, run_id) REFERENCES dag_runs (dag_id, run_id) ON DELETE CASCADE
);

CREATE TABLE variables (
  "key" TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  description TEXT,
  is_encrypted BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE connections (
  conn_id TEXT PRIMARY KEY,
  conn_type TEXT NOT NULL,
  description TEXT,
  host TEXT,
  "schema" TEXT,
  login TEXT,
  password TEXT,
  port INTEGER,
  extra TEXT,
  is_encrypted BOOLEAN NOT NULL DEFAULT FALSE,
  is_extra_encrypted BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE pools (
  name TEXT PRIMARY KEY,
  slots INTEGER NOT NULL,
  description TEXT
);
INSERT INTO pools (name, slots, description) VALUES ('default_pool', 128, 'Default pool');

CREATE TABLE import_errors (
  fileloc TEXT PRIMARY KEY,
  message TEXT NOT NULL,
  stack TEXT,
  recorded_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE scheduler_heartbeats (
  scheduler_id TEXT PRIMARY KEY,
  hostname TEXT NOT NULL,
  pid INTEGER NOT NULL,
  started_at TIMESTAMPTZ NOT NULL,
  last_heartbeat_at TIMESTAMPTZ NOT NULL
);
`;

export const migration0001: Migration = {
  version: 1,
  name: 'initial schema',
  sqlite: SQLITE,
  postgres: POSTGRES,
  tables: [
    'dags', 'dag_versions', 'backfills', 'dag_runs', 'task_instances', 'task_attempts', 'xcom',
    'variables', 'connections', 'pools', 'import_errors', 'scheduler_heartbeats',
  ],
};
