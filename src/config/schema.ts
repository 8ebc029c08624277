import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Every configuration key Updraft reads, with its type, default and meaning. docs/configuration.md
 * is generated from this table (`updraft config list --defaults` prints it too), so a key cannot
 * exist without documentation.
 */
export type KeyType = 'string' | 'integer' | 'boolean' | 'duration' | 'bytes' | 'list' | 'enum';

export interface KeySpec {
  type: KeyType;
  /** Default as written in updraft.toml; a function when it depends on UPDRAFT_HOME. */
  default: string | number | boolean | string[] | ((home: string) => string);
  description: string;
  allowed?: readonly string[];
  min?: number;
  sensitive?: boolean;
}

export const SECTIONS = ['core', 'database', 'scheduler', 'logging', 'secrets', 'smtp', 'webserver', 'kubernetes'] as const;
export type Section = (typeof SECTIONS)[number];

export const CONFIG_SCHEMA: Record<Section, Record<string, KeySpec>> = {
  core: {
    dags_folder: { type: 'string', default: (home) => join(home, 'dags'), description: 'Folder scanned (recursively) for DAG files: .ts, .mts, .js, .mjs.' },
    parallelism: { type: 'integer', default: 16, min: 1, description: 'Task attempts that may run at once in this scheduler\'s local executor (worker processes).' },
    max_active_tasks_per_dag: { type: 'integer', default: 16, min: 1, description: 'Default for a DAG\'s maxActiveTasks when the DAG does not set it.' },
    max_active_runs_per_dag: { type: 'integer', default: 16, min: 1, description: 'Default for a DAG\'s maxActiveRuns when the DAG does not set it.' },
    dags_are_paused_at_creation: { type: 'boolean', default: false, description: 'Whether a DAG seen for the first time starts paused. Updraft defaults to false so a new DAG runs on its schedule at once (Airflow defaults to true).' },
    dag_file_processor_timeout: { type: 'duration', default: '30s', description: 'How long importing one DAG file may take before it is recorded as an import error.' },
    max_xcom_size: { type: 'bytes', default: 1_048_576, min: 1, description: 'Largest encoded XCom value, in bytes; a larger push fails the task with UPDRAFT_ERR_XCOM_TOO_LARGE.' },
    executor: { type: 'enum', default: 'local', allowed: ['local', 'in_process'], description: 'Where task attempts run: local = a pool of worker processes; in_process = inside the scheduler process (debugging only).' },
  },
  database: {
    url: { type: 'string', default: (home) => join(home, 'updraft.db'), sensitive: true, description: 'Metadata database: a SQLite file path (the embedded default) or a postgresql:// URL.' },
  },
  scheduler: {
    dag_dir_list_interval: { type: 'duration', default: '30s', description: 'Safety-net rescan of the DAGs folder (changes are also picked up at once by a file watcher).' },
    heartbeat_interval: { type: 'duration', default: '5s', description: 'How often the scheduler records its heartbeat in the metadata database.' },
    task_heartbeat_timeout: { type: 'duration', default: '5m', description: 'A running task whose worker has not heartbeated for this long is failed (and retried by policy).' },
    worker_heartbeat_interval: { type: 'duration', default: '5s', description: 'How often a task worker process heartbeats while it runs an attempt.' },
    safety_net_interval: { type: 'duration', default: '30s', description: 'The longest the scheduler sleeps without re-reading the database (events normally wake it at once).' },
    shutdown_grace_period: { type: 'duration', default: '30s', description: 'On SIGTERM/Ctrl-C, how long running tasks get to finish before they are killed and marked for retry.' },
    max_tis_per_query: { type: 'integer', default: 512, min: 1, description: 'Most task instances queued in one scheduling pass.' },
  },
  logging: {
    base_log_folder: { type: 'string', default: (home) => join(home, 'logs'), description: 'Local folder for task logs: dag_id=<d>/run_id=<r>/task_id=<t>/attempt=<n>.log.' },
    logging_level: { type: 'enum', default: 'info', allowed: ['debug', 'info', 'warn', 'error'], description: 'Level of the scheduler\'s own log lines.' },
    remote_logging: { type: 'boolean', default: false, description: 'Ship task logs to remote_base_log_folder (S3).' },
    remote_log_conn_id: { type: 'string', default: 'aws_default', description: 'Connection used for remote logging.' },
    remote_base_log_folder: { type: 'string', default: '', description: 'Remote log location, e.g. s3://bucket/logs: each attempt\'s log goes to the same relative path under it, uploaded every few seconds while the task runs and completely when it ends.' },
    delete_local_logs: { type: 'boolean', default: false, description: 'With remote logging, delete an attempt\'s local log once it has been uploaded completely (a failed upload keeps it).' },
  },
  secrets: {
    backends: { type: 'list', default: ['env', 'metastore'], description: 'Where connections and variables are looked up, in order: env (UPDRAFT_CONN_<ID>, UPDRAFT_VAR_<KEY>), metastore (the metadata database), file (file_path). A task reads its own environment first when env comes first.' },
    encryption_key: { type: 'string', default: '', sensitive: true, description: 'Key(s) encrypting connection passwords, extras and variable values at rest (AES-256-GCM; `updraft config generate-key` makes one); "new,old" during rotation. Empty: SQLite uses a generated key file $UPDRAFT_HOME/secret.key (mode 0600); PostgreSQL refuses to start.' },
    file_path: { type: 'string', default: '', description: 'File the file backend reads connections and variables from, at each lookup: JSON {"connections": {"<id>": "<uri>" or {"conn_type": …}}, "variables": {"<key>": "<value>"}} or a .env file of UPDRAFT_CONN_<ID>= / UPDRAFT_VAR_<KEY>= lines; relative to UPDRAFT_HOME. Only used when backends lists file.' },
  },
  smtp: {
    smtp_conn_id: { type: 'string', default: 'smtp_default', description: 'Connection used to send email.' },
    smtp_mail_from: { type: 'string', default: 'updraft@localhost', description: 'Sender address of notification emails.' },
  },
  webserver: {
    host: { type: 'string', default: '127.0.0.1', description: 'Address the web server listens on.' },
    port: { type: 'integer', default: 8080, min: 1, description: 'Port the web server listens on.' },
  },
  kubernetes: {
    namespace: { type: 'string', default: 'default', description: 'Namespace where task pods are created.' },
  },
};

export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.UPDRAFT_HOME !== undefined && env.UPDRAFT_HOME !== '' ? env.UPDRAFT_HOME : join(homedir(), 'updraft');
}
