import type {
  Backfill, ConnectionRecord, DagRecord, DagRun, DagVersion, ImportErrorRecord, MetadataStore, NewDagRun, NewTaskInstance,
  Pool, PoolUsage, RunFilter, SchedulerHeartbeat, TaskAttempt, TaskInstance, TaskInstanceFilter, TaskInstanceKey,
  TaskInstancePatch, Variable, XComRecord,
} from '../../core/ports/metadata-store.js';
import type { TaskState } from '../../core/states.js';
import * as migrator from '../migrations/migrator.js';
import { claimScheduledTaskInstances, type ClaimOptions } from './claim-query.js';
import * as dags from './dag-queries.js';
import * as misc from './misc-queries.js';
import * as runs from './run-queries.js';
import type { SqlDb } from './sql-db.js';
import * as tis from './task-instance-queries.js';

/**
 * The MetadataStore over either dialect: the queries are shared, the connection (`SqlDb`) is not.
 * `label` names the database in error messages (a path, or a URL with its password masked).
 */
export class SqlStore implements MetadataStore {
  readonly dialect: 'sqlite' | 'postgres';

  constructor(private readonly db: SqlDb, readonly label: string) {
    this.dialect = db.dialect;
  }

  get queryCount(): number {
    return this.db.queryCount;
  }

  migrate(): Promise<{ applied: number[]; current: number }> { return migrator.migrate(this.db, this.label); }
  check(): Promise<{ current: number; latest: number }> { return migrator.check(this.db, this.label); }
  reset(): Promise<void> { return migrator.reset(this.db, this.label); }
  close(): Promise<void> { return this.db.close(); }
  transaction<T>(fn: () => Promise<T>): Promise<T> { return this.db.transaction(fn); }
  atomic<T>(fn: () => Promise<T>): Promise<T> { return this.db.atomic(fn); }

  upsertDag(input: dags.UpsertDagInput): Promise<{ created: boolean; versionChanged: boolean }> { return dags.upsertDag(this.db, input); }
  getDag(dagId: string): Promise<DagRecord | null> { return dags.getDag(this.db, dagId); }
  listDags(options?: { onlyActive?: boolean }): Promise<DagRecord[]> { return dags.listDags(this.db, options); }
  deactivateMissingDags(fileloc: string, keepDagIds: string[]): Promise<string[]> { return dags.deactivateMissingDags(this.db, fileloc, keepDagIds); }
  deactivateDagsNotInFiles(filelocs: string[]): Promise<string[]> { return dags.deactivateDagsNotInFiles(this.db, filelocs); }
  setDagPaused(dagId: string, paused: boolean): Promise<void> { return dags.setDagPaused(this.db, dagId, paused); }
  setDagSchedulingInfo(dagId: string, info: { lastAutomatedIntervalStart?: Date | null; lastAutomatedIntervalEnd?: Date | null; nextRunAfter?: Date | null }): Promise<void> {
    return dags.setDagSchedulingInfo(this.db, dagId, info);
  }
  getDagVersion(dagId: string, versionHash: string): Promise<DagVersion | null> { return dags.getDagVersion(this.db, dagId, versionHash); }
  deleteDag(dagId: string): Promise<{ deleted: boolean }> { return dags.deleteDag(this.db, dagId); }

  createDagRun(run: NewDagRun): Promise<DagRun> { return runs.createDagRun(this.db, run); }
  getDagRun(dagId: string, runId: string): Promise<DagRun | null> { return runs.getDagRun(this.db, dagId, runId); }
  getDagRunByLogicalDate(dagId: string, logicalDate: Date): Promise<DagRun | null> { return runs.getDagRunByLogicalDate(this.db, dagId, logicalDate); }
  listDagRuns(filter?: RunFilter): Promise<DagRun[]> { return runs.listDagRuns(this.db, filter); }
  updateDagRun(dagId: string, runId: string, patch: runs.DagRunPatch): Promise<boolean> {
    return runs.updateDagRun(this.db, { dagId, runId }, patch);
  }
  deleteDagRun(dagId: string, runId: string): Promise<boolean> { return runs.deleteDagRun(this.db, dagId, runId); }
  countActiveRuns(dagId: string): Promise<number> { return runs.countActiveRuns(this.db, dagId); }
  getPreviousDagRun(dagId: string, logicalDate: Date): Promise<DagRun | null> { return runs.getPreviousDagRun(this.db, dagId, logicalDate); }

  getTaskInstance(key: TaskInstanceKey): Promise<TaskInstance | null> { return tis.getTaskInstance(this.db, key); }
  listTaskInstances(filter: TaskInstanceFilter): Promise<TaskInstance[]> { return tis.listTaskInstances(this.db, filter); }
  ensureTaskInstances(dagId: string, runId: string, tasks: NewTaskInstance[]): Promise<void> { return tis.ensureTaskInstances(this.db, { dagId, runId }, tasks); }
  updateTaskInstance(key: TaskInstanceKey, patch: TaskInstancePatch, fromStates?: TaskState[]): Promise<TaskInstance | null> {
    return tis.updateTaskInstance(this.db, key, { patch, fromStates });
  }
  // eslint-disable-next-line max-params -- the port's signature
  updateTaskInstances(dagId: string, runId: string, taskIds: string[], patch: TaskInstancePatch, fromStates?: TaskState[]): Promise<number> {
    return tis.updateTaskInstances(this.db, { dagId, runId, taskIds }, { patch, fromStates });
  }
  claimScheduledTaskInstances(options: ClaimOptions): Promise<TaskInstance[]> { return claimScheduledTaskInstances(this.db, options); }
  poolUsage(): Promise<PoolUsage> { return tis.poolUsage(this.db); }
  activeTaskCounts(): Promise<Map<string, number>> { return tis.activeTaskCounts(this.db); }
  listStaleTaskInstances(before: Date): Promise<TaskInstance[]> { return tis.listStaleTaskInstances(this.db, before); }
  recordAttempt(attempt: TaskAttempt): Promise<void> { return tis.recordAttempt(this.db, attempt); }
  listAttempts(key: TaskInstanceKey): Promise<TaskAttempt[]> { return tis.listAttempts(this.db, key); }

  setXCom(record: Omit<XComRecord, 'createdAt'>): Promise<void> { return misc.setXCom(this.db, record); }
  getXCom(key: { dagId: string; runId: string; taskId: string; key: string }): Promise<XComRecord | null> { return misc.getXCom(this.db, key); }
  listXComs(filter: { dagId: string; runId: string; taskId?: string }): Promise<XComRecord[]> { return misc.listXComs(this.db, filter); }
  clearXComs(key: TaskInstanceKey): Promise<void> { return misc.clearXComs(this.db, key); }

  getVariable(key: string): Promise<Variable | null> { return misc.getVariable(this.db, key); }
  setVariable(variable: Variable): Promise<void> { return misc.setVariable(this.db, variable); }
  deleteVariable(key: string): Promise<boolean> { return misc.deleteVariable(this.db, key); }
  listVariables(): Promise<Variable[]> { return misc.listVariables(this.db); }
  getConnection(connId: string): Promise<ConnectionRecord | null> { return misc.getConnection(this.db, connId); }
  setConnection(connection: ConnectionRecord): Promise<void> { return misc.setConnection(this.db, connection); }
  deleteConnection(connId: string): Promise<boolean> { return misc.deleteConnection(this.db, connId); }
  listConnections(): Promise<ConnectionRecord[]> { return misc.listConnections(this.db); }

  getPool(name: string): Promise<Pool | null> { return misc.getPool(this.db, name); }
  listPools(): Promise<Pool[]> { return misc.listPools(this.db); }
  setPool(pool: Pool): Promise<void> { return misc.setPool(this.db, pool); }
  deletePool(name: string): Promise<boolean> { return misc.deletePool(this.db, name); }

  setImportError(record: ImportErrorRecord): Promise<void> { return misc.setImportError(this.db, record); }
  clearImportError(fileloc: string): Promise<void> { return misc.clearImportError(this.db, fileloc); }
  clearImportErrorsNotIn(filelocs: string[]): Promise<void> { return misc.clearImportErrorsNotIn(this.db, filelocs); }
  listImportErrors(): Promise<ImportErrorRecord[]> { return misc.listImportErrors(this.db); }

  heartbeatScheduler(heartbeat: SchedulerHeartbeat): Promise<void> { return misc.heartbeatScheduler(this.db, heartbeat); }
  listSchedulers(): Promise<SchedulerHeartbeat[]> { return misc.listSchedulers(this.db); }
  removeScheduler(schedulerId: string): Promise<void> { return misc.removeScheduler(this.db, schedulerId); }

  createBackfill(input: Omit<Backfill, 'id' | 'createdAt' | 'completedAt'>): Promise<Backfill> { return misc.createBackfill(this.db, input); }
  getBackfill(id: number): Promise<Backfill | null> { return misc.getBackfill(this.db, id); }
  completeBackfill(id: number, at: Date): Promise<void> { return misc.completeBackfill(this.db, id, at); }
}
