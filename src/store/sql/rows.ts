import type { DagSpec } from '../../core/dag-spec.js';
import type {
  Backfill, ConnectionRecord, DagRecord, DagRun, DagVersion, ImportErrorRecord, Pool, SchedulerHeartbeat,
  TaskAttempt, TaskInstance, Variable, XComRecord,
} from '../../core/ports/metadata-store.js';
import type { DagRunState, RunType, TaskState } from '../../core/states.js';
import type { Row } from './sql-db.js';

/*
 * Row decoders for both dialects: SQLite gives integer epoch ms, 0/1 and JSON text; PostgreSQL gives
 * Date, boolean, parsed jsonb and BIGINT as strings.
 */

export function toDate(value: unknown): Date {
  if (value instanceof Date) return value;
  return new Date(Number(value));
}

export function toDateOrNull(value: unknown): Date | null {
  return value === null || value === undefined ? null : toDate(value);
}

export function toBool(value: unknown): boolean {
  return value === true || value === 1 || value === 1n || value === '1' || value === 't';
}

export function toInt(value: unknown): number {
  return Number(value);
}

export function toIntOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

function toStr(value: unknown): string {
  return String(value);
}

function toStrOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

export function toJson<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

export function dagFromRow(row: Row): DagRecord {
  return {
    dagId: toStr(row.dag_id),
    fileloc: toStr(row.fileloc),
    isPaused: toBool(row.is_paused),
    isActive: toBool(row.is_active),
    versionHash: toStr(row.version_hash),
    spec: toJson<DagSpec>(row.spec),
    lastParsedAt: toDate(row.last_parsed_at),
    lastAutomatedIntervalStart: toDateOrNull(row.last_automated_interval_start),
    lastAutomatedIntervalEnd: toDateOrNull(row.last_automated_interval_end),
    nextRunAfter: toDateOrNull(row.next_run_after),
  };
}

export function dagVersionFromRow(row: Row): DagVersion {
  return {
    dagId: toStr(row.dag_id),
    versionHash: toStr(row.version_hash),
    spec: toJson<DagSpec>(row.spec),
    createdAt: toDate(row.created_at),
  };
}

export function dagRunFromRow(row: Row): DagRun {
  return {
    id: toInt(row.id),
    dagId: toStr(row.dag_id),
    runId: toStr(row.run_id),
    runType: toStr(row.run_type) as RunType,
    state: toStr(row.state) as DagRunState,
    logicalDate: toDate(row.logical_date),
    dataIntervalStart: toDate(row.data_interval_start),
    dataIntervalEnd: toDate(row.data_interval_end),
    conf: toJson<Record<string, unknown>>(row.conf),
    dagVersionHash: toStr(row.dag_version_hash),
    queuedAt: toDate(row.queued_at),
    startDate: toDateOrNull(row.start_date),
    endDate: toDateOrNull(row.end_date),
    backfillId: toIntOrNull(row.backfill_id),
  };
}

export function taskInstanceFromRow(row: Row): TaskInstance {
  return {
    dagId: toStr(row.dag_id),
    runId: toStr(row.run_id),
    taskId: toStr(row.task_id),
    state: toStr(row.state) as TaskState,
    tryNumber: toInt(row.try_number),
    maxTries: toInt(row.max_tries),
    pool: toStr(row.pool),
    poolSlots: toInt(row.pool_slots),
    priorityWeight: toInt(row.priority_weight),
    queue: toStr(row.queue),
    queuedAt: toDateOrNull(row.queued_at),
    startDate: toDateOrNull(row.start_date),
    endDate: toDateOrNull(row.end_date),
    durationMs: toIntOrNull(row.duration_ms),
    hostname: toStrOrNull(row.hostname),
    pid: toIntOrNull(row.pid),
    nextAttemptAt: toDateOrNull(row.next_attempt_at),
    firstAttemptAt: toDateOrNull(row.first_attempt_at),
    lastHeartbeatAt: toDateOrNull(row.last_heartbeat_at),
    claimedBy: toStrOrNull(row.claimed_by),
    error: toStrOrNull(row.error),
  };
}

export function attemptFromRow(row: Row): TaskAttempt {
  return {
    dagId: toStr(row.dag_id),
    runId: toStr(row.run_id),
    taskId: toStr(row.task_id),
    tryNumber: toInt(row.try_number),
    state: toStr(row.state) as TaskState,
    startDate: toDateOrNull(row.start_date),
    endDate: toDateOrNull(row.end_date),
    durationMs: toIntOrNull(row.duration_ms),
    hostname: toStrOrNull(row.hostname),
    pid: toIntOrNull(row.pid),
    error: toStrOrNull(row.error),
  };
}

export function xcomFromRow(row: Row): XComRecord {
  return {
    dagId: toStr(row.dag_id),
    runId: toStr(row.run_id),
    taskId: toStr(row.task_id),
    key: toStr(row.key),
    value: toStr(row.value),
    createdAt: toDate(row.created_at),
  };
}

export function variableFromRow(row: Row): Variable {
  return {
    key: toStr(row.key),
    value: toStr(row.value),
    description: toStrOrNull(row.description),
    isEncrypted: toBool(row.is_encrypted),
  };
}

export function connectionFromRow(row: Row): ConnectionRecord {
  return {
    connId: toStr(row.conn_id),
    connType: toStr(row.conn_type),
    description: toStrOrNull(row.description),
    host: toStrOrNull(row.host),
    schema: toStrOrNull(row.schema),
    login: toStrOrNull(row.login),
    password: toStrOrNull(row.password),
    port: toIntOrNull(row.port),
    extra: toStrOrNull(row.extra),
    isEncrypted: toBool(row.is_encrypted),
    isExtraEncrypted: toBool(row.is_extra_encrypted),
  };
}

export function poolFromRow(row: Row): Pool {
  return { name: toStr(row.name), slots: toInt(row.slots), description: toStrOrNull(row.description) };
}

export function importErrorFromRow(row: Row): ImportErrorRecord {
  return {
    fileloc: toStr(row.fileloc),
    message: toStr(row.message),
    stack: toStrOrNull(row.stack),
    timestamp: toDate(row.recorded_at),
  };
}

export function schedulerFromRow(row: Row): SchedulerHeartbeat {
  return {
    schedulerId: toStr(row.scheduler_id),
    hostname: toStr(row.hostname),
    pid: toInt(row.pid),
    startedAt: toDate(row.started_at),
    lastHeartbeatAt: toDate(row.last_heartbeat_at),
  };
}

export function backfillFromRow(row: Row): Backfill {
  return {
    id: toInt(row.id),
    dagId: toStr(row.dag_id),
    fromDate: toDate(row.from_date),
    toDate: toDate(row.to_date),
    maxActiveRuns: toInt(row.max_active_runs),
    rerunFailed: toBool(row.rerun_failed),
    createdAt: toDate(row.created_at),
    completedAt: toDateOrNull(row.completed_at),
  };
}
