import type { DagSpec } from '../core/dag-spec.js';
import type { DagRun, MetadataStore, NewTaskInstance } from '../core/ports/metadata-store.js';
import type { DagRunState, RunType } from '../core/states.js';
import { makeRunId } from '../core/run-id.js';
import { resolveParams } from '../core/params.js';

export function taskInstancesFor(spec: DagSpec): NewTaskInstance[] {
  return spec.tasks.map((t) => ({
    taskId: t.taskId,
    pool: t.pool,
    poolSlots: t.poolSlots,
    priorityWeight: t.priorityWeight,
    queue: t.queue,
    maxTries: t.retries + 1,
  }));
}

export interface CreateRunInput {
  spec: DagSpec;
  versionHash: string;
  runType: RunType;
  logicalDate: Date;
  dataIntervalStart: Date;
  dataIntervalEnd: Date;
  conf?: Record<string, unknown>;
  runId?: string;
  state?: DagRunState;
  backfillId?: number | null;
}

/** Creates a run with all its task instances; conf is validated against the DAG's params first. */
export async function createRun(store: MetadataStore, input: CreateRunInput): Promise<DagRun> {
  const conf = input.conf ?? {};
  resolveParams(input.spec.params, conf);
  return store.createDagRun({
    dagId: input.spec.dagId,
    runId: input.runId ?? makeRunId(input.runType, input.logicalDate),
    runType: input.runType,
    state: input.state ?? 'queued',
    logicalDate: input.logicalDate,
    dataIntervalStart: input.dataIntervalStart,
    dataIntervalEnd: input.dataIntervalEnd,
    conf,
    dagVersionHash: input.versionHash,
    backfillId: input.backfillId ?? null,
    tasks: taskInstancesFor(input.spec),
  });
}
