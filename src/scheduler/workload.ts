import type { Workload } from '../core/ports/execution-protocol.js';
import type { DagRecord, DagRun, TaskInstance } from '../core/ports/metadata-store.js';
import { taskLogPath } from '../logs/log-paths.js';
import type { CompiledSpec } from './spec-cache.js';

/** Everything a task process needs for one attempt of `ti` (it never reads the database). */
export function buildWorkload(ti: TaskInstance, at: { run: DagRun; compiled: CompiledSpec; baseLogFolder: string; smtp?: Workload['smtp']; remoteLog?: Workload['remoteLog']; dag?: DagRecord }): Workload {
  const { run, compiled, baseLogFolder, dag } = at;
  const parsedAsRun = dag !== undefined && dag.versionHash === run.dagVersionHash && dag.fileloc === compiled.spec.fileloc;
  const task = compiled.tasks.get(ti.taskId);
  return {
    dagId: ti.dagId, runId: ti.runId, taskId: ti.taskId, tryNumber: ti.tryNumber, maxTries: ti.maxTries,
    fileloc: compiled.spec.fileloc, dagVersionHash: run.dagVersionHash,
    logicalDate: run.logicalDate.toISOString(), dataIntervalStart: run.dataIntervalStart.toISOString(),
    dataIntervalEnd: run.dataIntervalEnd.toISOString(), runType: run.runType, conf: run.conf,
    logPath: taskLogPath(baseLogFolder, { dagId: ti.dagId, runId: ti.runId, taskId: ti.taskId, tryNumber: ti.tryNumber }),
    executionTimeoutMs: task?.executionTimeoutMs ?? null, firstAttemptAt: ti.firstAttemptAt?.toISOString() ?? null,
    isReschedule: ti.firstAttemptAt !== null, prevLogicalDate: null,
    ...(parsedAsRun ? { dagFileParsedAt: dag.lastParsedAt.toISOString() } : {}),
    ...(at.smtp === undefined ? {} : { smtp: at.smtp }),
    ...(at.remoteLog === undefined ? {} : { remoteLog: at.remoteLog }),
  };
}
