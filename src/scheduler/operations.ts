import { UpdraftError } from '../common/errors.js';
import type { DagRecord, DagRun, MetadataStore, TaskInstance } from '../core/ports/metadata-store.js';
import { FINISHED_TASK_STATES, type TaskState } from '../core/states.js';
import { timetableFor } from '../core/timetable/timetable.js';
import { makeRunId } from '../core/run-id.js';
import { createRun } from './new-run.js';
import { ancestors, compileSpec, descendants } from './spec-cache.js';

export async function requireDag(store: MetadataStore, dagId: string): Promise<DagRecord> {
  const dag = await store.getDag(dagId);
  if (dag === null) {
    const known = (await store.listDags()).map((d) => d.dagId);
    throw new UpdraftError('UPDRAFT_ERR_DAG_NOT_FOUND',
      `DAG "${dagId}" is not known${known.length > 0 ? `; known DAGs: ${known.slice(0, 20).join(', ')}` : '; no DAG has been parsed yet (check [core] dags_folder and `updraft dags list-import-errors`)'}`);
  }
  return dag;
}

/** Finds a run by run id, or by logical date when the argument parses as a date. */
export async function requireRun(store: MetadataStore, dagId: string, runIdOrDate: string): Promise<DagRun> {
  const byId = await store.getDagRun(dagId, runIdOrDate);
  if (byId !== null) return byId;
  const date = parseDateArg(runIdOrDate);
  if (date !== null) {
    const byDate = await store.getDagRunByLogicalDate(dagId, date);
    if (byDate !== null) return byDate;
  }
  throw new UpdraftError('UPDRAFT_ERR_RUN_NOT_FOUND', `DAG ${dagId} has no run with run id or logical date "${runIdOrDate}"; see \`updraft dags list-runs ${dagId}\``);
}

/** Accepts '2026-01-01', '2026-01-01T10:00:00', '2026-01-01T10:00:00+02:00' (UTC when no offset). */
export function parseDateArg(text: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return null;
  const withZone = /T.*([zZ]|[+-]\d{2}:?\d{2})$/.test(text) ? text : (text.includes('T') ? `${text}Z` : `${text}T00:00:00Z`);
  const date = new Date(withZone);
  return Number.isNaN(date.getTime()) ? null : date;
}

export function requireDateArg(text: string, what: string): Date {
  const date = parseDateArg(text);
  if (date === null) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `${what} "${text}" is not a date; write YYYY-MM-DD or an ISO-8601 date-time such as 2026-01-01T06:00:00+00:00`);
  }
  return date;
}

export interface TriggerInput {
  conf?: Record<string, unknown>;
  logicalDate?: Date;
  runId?: string;
  now: Date;
}

/** A manual run (`dags trigger`): conf is validated against the DAG's params before anything is stored. */
export async function triggerDag(store: MetadataStore, dagId: string, input: TriggerInput): Promise<DagRun> {
  const dag = await requireDag(store, dagId);
  const logicalDate = input.logicalDate ?? input.now;
  const interval = timetableFor(dag.spec).inferManualDataInterval(logicalDate);
  return createRun(store, {
    spec: dag.spec, versionHash: dag.versionHash, runType: 'manual', logicalDate,
    dataIntervalStart: interval.start, dataIntervalEnd: interval.end, conf: input.conf ?? {},
    runId: input.runId ?? makeRunId('manual', logicalDate),
  });
}

export interface ClearInput {
  dagId: string;
  /** Runs to clear in; all runs in [from, to] when runId is not given. */
  runId?: string;
  from?: Date;
  to?: Date;
  /** Regular expression on task ids (Airflow's -t); all tasks when omitted. */
  taskRegex?: string;
  downstream?: boolean;
  upstream?: boolean;
  onlyFailed?: boolean;
  dryRun?: boolean;
}

const FAILED_STATES: ReadonlySet<TaskState> = new Set<TaskState>(['failed', 'upstream_failed']);

/**
 * Clears task instances so they run again: state back to none, one more try allowed per retry
 * (maxTries = tryNumber + retries + 1, as Airflow), the run back to queued when it had finished.
 */
export async function clearTaskInstances(store: MetadataStore, input: ClearInput): Promise<TaskInstance[]> {
  const dag = await requireDag(store, input.dagId);
  let pattern: RegExp | null = null;
  if (input.taskRegex !== undefined) {
    try {
      pattern = new RegExp(input.taskRegex);
    } catch (error) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `task regex "${input.taskRegex}" is not a valid regular expression: ${(error as Error).message}`);
    }
  }
  const runs = input.runId !== undefined ? [await requireRun(store, input.dagId, input.runId)]
    : await store.listDagRuns({ dagId: input.dagId, ...(input.from ? { logicalDateFrom: input.from } : {}), ...(input.to ? { logicalDateTo: input.to } : {}) });
  const cleared: TaskInstance[] = [];
  for (const run of runs) {
    const version = await store.getDagVersion(input.dagId, run.dagVersionHash);
    const compiled = compileSpec(version?.spec ?? dag.spec, run.dagVersionHash);
    const selected = new Set<string>();
    for (const task of compiled.spec.tasks) {
      if (pattern !== null && !pattern.test(task.taskId)) continue;
      selected.add(task.taskId);
      if (input.downstream === true) for (const id of descendants(compiled, task.taskId)) selected.add(id);
      if (input.upstream === true) for (const id of ancestors(compiled, task.taskId)) selected.add(id);
    }
    const tis = (await store.listTaskInstances({ dagId: input.dagId, runId: run.runId, taskIds: [...selected] }))
      .filter((ti) => ti.state !== 'none' && ti.state !== 'running' && ti.state !== 'queued')
      .filter((ti) => input.onlyFailed !== true || FAILED_STATES.has(ti.state));
    if (tis.length === 0 || input.dryRun === true) {
      cleared.push(...tis);
      continue;
    }
    await store.transaction(async () => {
      for (const ti of tis) {
        const retries = compiled.tasks.get(ti.taskId)?.retries ?? 0;
        const updated = await store.updateTaskInstance({ dagId: ti.dagId, runId: ti.runId, taskId: ti.taskId }, {
          state: 'none', maxTries: ti.tryNumber + retries + 1, startDate: null, endDate: null, durationMs: null,
          nextAttemptAt: null, firstAttemptAt: null, error: null, claimedBy: null,
        }, [ti.state]);
        if (updated !== null) cleared.push(updated);
      }
      if (run.state === 'success' || run.state === 'failed') {
        await store.updateDagRun(input.dagId, run.runId, { state: 'queued', endDate: null });
      }
    });
  }
  return cleared;
}

/** Marks task instances success or failed by hand (and optionally their downstream/upstream). */
export async function markTaskInstances(store: MetadataStore, input: { dagId: string; runId: string; taskIds: string[]; state: 'success' | 'failed'; downstream?: boolean; upstream?: boolean; now: Date }): Promise<string[]> {
  const run = await requireRun(store, input.dagId, input.runId);
  const version = await store.getDagVersion(input.dagId, run.dagVersionHash);
  if (version === null) throw new UpdraftError('UPDRAFT_ERR_DAG_NOT_FOUND', `DAG ${input.dagId} version ${run.dagVersionHash} is missing`);
  const compiled = compileSpec(version.spec, run.dagVersionHash);
  const ids = new Set<string>();
  for (const id of input.taskIds) {
    if (!compiled.tasks.has(id)) {
      throw new UpdraftError('UPDRAFT_ERR_TASK_NOT_FOUND', `task "${id}" is not in DAG ${input.dagId}; tasks: ${[...compiled.tasks.keys()].join(', ')}`);
    }
    ids.add(id);
    if (input.downstream === true) for (const d of descendants(compiled, id)) ids.add(d);
    if (input.upstream === true) for (const u of ancestors(compiled, id)) ids.add(u);
  }
  const changed: string[] = [];
  await store.transaction(async () => {
    for (const ti of await store.listTaskInstances({ dagId: input.dagId, runId: run.runId, taskIds: [...ids] })) {
      if (ti.state === input.state || ti.state === 'running' || ti.state === 'queued') continue;
      const updated = await store.updateTaskInstance({ dagId: ti.dagId, runId: ti.runId, taskId: ti.taskId },
        { state: input.state, endDate: input.now, nextAttemptAt: null, claimedBy: null }, [ti.state]);
      if (updated !== null) changed.push(ti.taskId);
    }
    // The scheduler re-derives the run's state from its tasks.
    if (changed.length > 0 && FINISHED_RUN.has(run.state)) await store.updateDagRun(input.dagId, run.runId, { state: 'running', endDate: null });
  });
  return changed;
}

const FINISHED_RUN = new Set(['success', 'failed']);

export function isFinishedState(state: TaskState): boolean {
  return FINISHED_TASK_STATES.has(state);
}
