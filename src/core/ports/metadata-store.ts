import type { DagSpec } from '../dag-spec.js';
import type { DagRunState, RunType, TaskState } from '../states.js';

/**
 * The metadata store port. Two implementations (SQLite, PostgreSQL) pass one conformance suite
 * (src/store/conformance.ts). All times are Date objects in and out; JSON columns are parsed objects.
 * Every method is atomic on its own; `transaction` groups several.
 */

export interface DagRecord {
  dagId: string;
  fileloc: string;
  isPaused: boolean;
  /** false once the file that defined it is gone or stops defining it. */
  isActive: boolean;
  versionHash: string;
  spec: DagSpec;
  lastParsedAt: Date;
  /** Data interval of the newest scheduled (not manual) run created so far; drives the timetable. */
  lastAutomatedIntervalStart: Date | null;
  lastAutomatedIntervalEnd: Date | null;
  /** When the next scheduled run is due (null: none). Written by the scheduler to sleep until then. */
  nextRunAfter: Date | null;
}

export interface DagVersion {
  dagId: string;
  versionHash: string;
  spec: DagSpec;
  createdAt: Date;
}

export interface DagRun {
  /** Surrogate key. */
  id: number;
  dagId: string;
  runId: string;
  runType: RunType;
  state: DagRunState;
  logicalDate: Date;
  dataIntervalStart: Date;
  dataIntervalEnd: Date;
  conf: Record<string, unknown>;
  /** The DAG version this run executes (history shows the DAG as it was). */
  dagVersionHash: string;
  queuedAt: Date;
  startDate: Date | null;
  endDate: Date | null;
  backfillId: number | null;
}

export interface NewDagRun {
  dagId: string;
  runId: string;
  runType: RunType;
  state: DagRunState;
  logicalDate: Date;
  dataIntervalStart: Date;
  dataIntervalEnd: Date;
  conf: Record<string, unknown>;
  dagVersionHash: string;
  backfillId?: number | null;
  /** Task instances to create with the run, in state 'none'. */
  tasks: NewTaskInstance[];
}

export interface NewTaskInstance {
  taskId: string;
  pool: string;
  poolSlots: number;
  priorityWeight: number;
  queue: string;
  maxTries: number;
}

export interface TaskInstance {
  dagId: string;
  runId: string;
  taskId: string;
  state: TaskState;
  /** Number of the current (or last) attempt; 0 before the first one starts. */
  tryNumber: number;
  /** retries + 1, recomputed when cleared. */
  maxTries: number;
  pool: string;
  poolSlots: number;
  priorityWeight: number;
  queue: string;
  queuedAt: Date | null;
  startDate: Date | null;
  endDate: Date | null;
  durationMs: number | null;
  hostname: string | null;
  pid: number | null;
  /** When an up_for_retry / up_for_reschedule task becomes eligible again. */
  nextAttemptAt: Date | null;
  /** Start of the first attempt of a sensor (its timeout counts from here, across reschedules). */
  firstAttemptAt: Date | null;
  lastHeartbeatAt: Date | null;
  /** Scheduler that queued it (claims across HA schedulers). */
  claimedBy: string | null;
  /** Last error message (masked), for `tasks state --verbose` and the UI. */
  error: string | null;
}

export type TaskInstanceKey = Pick<TaskInstance, 'dagId' | 'runId' | 'taskId'>;

/** Fields a state change may set together with the state. */
export interface TaskInstancePatch {
  state?: TaskState;
  tryNumber?: number;
  maxTries?: number;
  queuedAt?: Date | null;
  startDate?: Date | null;
  endDate?: Date | null;
  durationMs?: number | null;
  hostname?: string | null;
  pid?: number | null;
  nextAttemptAt?: Date | null;
  firstAttemptAt?: Date | null;
  lastHeartbeatAt?: Date | null;
  claimedBy?: string | null;
  error?: string | null;
}

/** One attempt, kept forever for history (`tasks state`, the UI's tries). */
export interface TaskAttempt {
  dagId: string;
  runId: string;
  taskId: string;
  tryNumber: number;
  state: TaskState;
  startDate: Date | null;
  endDate: Date | null;
  durationMs: number | null;
  hostname: string | null;
  pid: number | null;
  error: string | null;
}

export interface XComRecord {
  dagId: string;
  runId: string;
  taskId: string;
  key: string;
  /** Encoded by the XCom codec (tagged JSON); the store never interprets it. */
  value: string;
  createdAt: Date;
}

export interface Variable {
  key: string;
  /** Stored as given (encrypted at rest by the connections layer when sensitive). */
  value: string;
  description: string | null;
  isEncrypted: boolean;
}

export interface ConnectionRecord {
  connId: string;
  connType: string;
  description: string | null;
  host: string | null;
  schema: string | null;
  login: string | null;
  /** Ciphertext when isEncrypted. */
  password: string | null;
  port: number | null;
  /** JSON text, ciphertext when isExtraEncrypted. */
  extra: string | null;
  isEncrypted: boolean;
  isExtraEncrypted: boolean;
}

export interface Pool {
  name: string;
  slots: number;
  description: string | null;
}

export interface ImportErrorRecord {
  fileloc: string;
  message: string;
  stack: string | null;
  timestamp: Date;
}

export interface SchedulerHeartbeat {
  schedulerId: string;
  hostname: string;
  pid: number;
  startedAt: Date;
  lastHeartbeatAt: Date;
}

export interface Backfill {
  id: number;
  dagId: string;
  fromDate: Date;
  toDate: Date;
  maxActiveRuns: number;
  rerunFailed: boolean;
  createdAt: Date;
  completedAt: Date | null;
}

export interface RunFilter {
  dagId?: string;
  states?: DagRunState[];
  runTypes?: RunType[];
  /** Inclusive bounds on logical date. */
  logicalDateFrom?: Date;
  logicalDateTo?: Date;
  backfillId?: number;
  limit?: number;
  /** Newest first when true (default false: oldest first by logical date). */
  newestFirst?: boolean;
}

export interface TaskInstanceFilter {
  dagId?: string;
  runId?: string;
  taskIds?: string[];
  states?: TaskState[];
}

/** Slots in use per pool (queued + running task instances' poolSlots). */
export type PoolUsage = Map<string, number>;

export interface MetadataStore {
  readonly dialect: 'sqlite' | 'postgres';

  // lifecycle and migrations
  /** Applies pending migrations; idempotent; refuses a database newer than the code. */
  migrate(): Promise<{ applied: number[]; current: number }>;
  /** Throws UPDRAFT_ERR_DB_NOT_MIGRATED / UPDRAFT_ERR_DB_NEWER_THAN_CODE / UPDRAFT_ERR_DB. */
  check(): Promise<{ current: number; latest: number }>;
  /** Drops every Updraft table and migrates again. */
  reset(): Promise<void>;
  close(): Promise<void>;
  /** Runs fn in one transaction (nested calls join the outer one in a savepoint: a nested failure undoes only its own writes). */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Runs fn atomically: inside a transaction it simply joins it (no savepoint: a failure fails the
   * whole transaction), otherwise in a transaction of its own. For callers on the scheduler's hot
   * path, where a savepoint costs two more round trips.
   */
  atomic<T>(fn: () => Promise<T>): Promise<T>;
  /** Count of statements sent to the database since open (for the idle benchmark). */
  readonly queryCount: number;

  // DAGs
  /** Inserts or updates a DAG; records a new DagVersion when the hash changed. Keeps isPaused. */
  upsertDag(input: { spec: DagSpec; versionHash: string; fileloc: string; isPausedOnCreate: boolean; parsedAt: Date }): Promise<{ created: boolean; versionChanged: boolean }>;
  getDag(dagId: string): Promise<DagRecord | null>;
  listDags(options?: { onlyActive?: boolean }): Promise<DagRecord[]>;
  /** Marks DAGs of these files that are not in keepDagIds inactive; returns the ids deactivated. */
  deactivateMissingDags(fileloc: string, keepDagIds: string[]): Promise<string[]>;
  /** Marks every DAG whose fileloc is not in filelocs inactive (files deleted). */
  deactivateDagsNotInFiles(filelocs: string[]): Promise<string[]>;
  setDagPaused(dagId: string, paused: boolean): Promise<void>;
  setDagSchedulingInfo(dagId: string, info: { lastAutomatedIntervalStart?: Date | null; lastAutomatedIntervalEnd?: Date | null; nextRunAfter?: Date | null }): Promise<void>;
  getDagVersion(dagId: string, versionHash: string): Promise<DagVersion | null>;
  /** Deletes the DAG and all of its runs, task instances, attempts, XComs and versions. */
  deleteDag(dagId: string): Promise<{ deleted: boolean }>;

  // DAG runs
  /** Creates the run and its task instances atomically. Throws UPDRAFT_ERR_RUN_EXISTS on a duplicate run id or (dagId, logicalDate). */
  createDagRun(run: NewDagRun): Promise<DagRun>;
  getDagRun(dagId: string, runId: string): Promise<DagRun | null>;
  getDagRunByLogicalDate(dagId: string, logicalDate: Date): Promise<DagRun | null>;
  listDagRuns(filter?: RunFilter): Promise<DagRun[]>;
  /** Sets state (and start/end dates); returns false when the run did not exist. */
  updateDagRun(dagId: string, runId: string, patch: { state?: DagRunState; startDate?: Date | null; endDate?: Date | null; dagVersionHash?: string }): Promise<boolean>;
  deleteDagRun(dagId: string, runId: string): Promise<boolean>;
  /** Number of runs of the DAG in state 'running' (for maxActiveRuns). */
  countActiveRuns(dagId: string): Promise<number>;
  /** The run immediately before this logical date (for dependsOnPast). */
  getPreviousDagRun(dagId: string, logicalDate: Date): Promise<DagRun | null>;

  // task instances
  getTaskInstance(key: TaskInstanceKey): Promise<TaskInstance | null>;
  listTaskInstances(filter: TaskInstanceFilter): Promise<TaskInstance[]>;
  /** Adds task instances for tasks added to a running DAG (state none) — idempotent. */
  ensureTaskInstances(dagId: string, runId: string, tasks: NewTaskInstance[]): Promise<void>;
  /**
   * Compare-and-set: applies the patch only when the current state is one of `fromStates` (any when
   * omitted). Returns the updated row, or null when the precondition failed.
   */
  updateTaskInstance(key: TaskInstanceKey, patch: TaskInstancePatch, fromStates?: TaskState[]): Promise<TaskInstance | null>;
  /** Same patch to many rows of one run, each guarded by fromStates. Returns the number changed. */
  updateTaskInstances(dagId: string, runId: string, taskIds: string[], patch: TaskInstancePatch, fromStates?: TaskState[]): Promise<number>;
  /**
   * Atomically moves up to `limit` 'scheduled' task instances to 'queued' for this scheduler, in
   * priority order (priorityWeight desc, then queuedAt/logical date asc), respecting per-pool free
   * slots given by the caller. On PostgreSQL uses FOR UPDATE SKIP LOCKED so several schedulers can
   * claim concurrently without double-queuing.
   */
  claimScheduledTaskInstances(options: { schedulerId: string; limit: number; poolFreeSlots: Map<string, number>; dagIds?: string[]; now: Date }): Promise<TaskInstance[]>;
  /** Slots used per pool by queued + running task instances. */
  poolUsage(): Promise<PoolUsage>;
  /** Count of queued + running task instances per DAG (for maxActiveTasks). */
  activeTaskCounts(): Promise<Map<string, number>>;
  /** Running/queued task instances whose lastHeartbeatAt is older than `before` (zombies). */
  listStaleTaskInstances(before: Date): Promise<TaskInstance[]>;
  recordAttempt(attempt: TaskAttempt): Promise<void>;
  listAttempts(key: TaskInstanceKey): Promise<TaskAttempt[]>;

  // XCom
  setXCom(record: Omit<XComRecord, 'createdAt'>): Promise<void>;
  getXCom(key: { dagId: string; runId: string; taskId: string; key: string }): Promise<XComRecord | null>;
  listXComs(filter: { dagId: string; runId: string; taskId?: string }): Promise<XComRecord[]>;
  /** Clears a task's XComs (done when a new attempt starts). */
  clearXComs(key: TaskInstanceKey): Promise<void>;

  // variables and connections (values encrypted by the caller)
  getVariable(key: string): Promise<Variable | null>;
  setVariable(variable: Variable): Promise<void>;
  deleteVariable(key: string): Promise<boolean>;
  listVariables(): Promise<Variable[]>;
  getConnection(connId: string): Promise<ConnectionRecord | null>;
  setConnection(connection: ConnectionRecord): Promise<void>;
  deleteConnection(connId: string): Promise<boolean>;
  listConnections(): Promise<ConnectionRecord[]>;

  // pools ('default_pool' always exists, 128 slots, cannot be deleted)
  getPool(name: string): Promise<Pool | null>;
  listPools(): Promise<Pool[]>;
  setPool(pool: Pool): Promise<void>;
  /** Throws UPDRAFT_ERR_INVALID_ARGUMENT for default_pool. */
  deletePool(name: string): Promise<boolean>;

  // import errors
  setImportError(record: ImportErrorRecord): Promise<void>;
  clearImportError(fileloc: string): Promise<void>;
  /** Removes errors of files not in filelocs (deleted files). */
  clearImportErrorsNotIn(filelocs: string[]): Promise<void>;
  listImportErrors(): Promise<ImportErrorRecord[]>;

  // schedulers
  heartbeatScheduler(heartbeat: SchedulerHeartbeat): Promise<void>;
  listSchedulers(): Promise<SchedulerHeartbeat[]>;
  removeScheduler(schedulerId: string): Promise<void>;

  // backfills
  createBackfill(input: Omit<Backfill, 'id' | 'createdAt' | 'completedAt'>): Promise<Backfill>;
  getBackfill(id: number): Promise<Backfill | null>;
  completeBackfill(id: number, at: Date): Promise<void>;
}
