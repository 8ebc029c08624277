import type { Backfill, DagRecord, DagRun, MetadataStore } from '../core/ports/metadata-store.js';
import { timetableFor, type NextRunInfo } from '../core/timetable/timetable.js';
import { makeRunId } from '../core/run-id.js';
import { UpdraftError } from '../common/errors.js';
import { clearTaskInstances } from './operations.js';
import { createRun } from './new-run.js';

export interface BackfillOptions {
  from: Date;
  to: Date;
  rerunFailed: boolean;
  resetDagRuns: boolean;
  maxActiveRuns: number;
  conf?: Record<string, unknown>;
}

export interface BackfillPlanItem {
  info: NextRunInfo;
  /** create: no run yet; rerun: a failed run cleared again; keep: an existing run left as it is; reset: deleted and created again. */
  action: 'create' | 'rerun' | 'keep' | 'reset';
  existing: DagRun | null;
}

/** Runs for every logical date in [from, to] (both inclusive), as the DAG's timetable defines them. */
export async function planBackfill(store: MetadataStore, dag: DagRecord, options: BackfillOptions): Promise<BackfillPlanItem[]> {
  if (options.from.getTime() > options.to.getTime()) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `--start-date ${options.from.toISOString()} is after --end-date ${options.to.toISOString()}`);
  }
  if (dag.spec.schedule.kind === 'none' || dag.spec.schedule.kind === 'once') {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT',
      `DAG ${dag.dagId} has schedule ${dag.spec.schedule.kind === 'none' ? 'null (manual only)' : '@once'}; backfill needs a periodic schedule (cron, preset or duration). Trigger it with \`updraft dags trigger\` instead.`);
  }
  const restriction = {
    earliest: dag.spec.startDate === null ? null : new Date(dag.spec.startDate),
    latest: dag.spec.endDate === null ? null : new Date(dag.spec.endDate),
    catchup: true,
  };
  const infos = timetableFor(dag.spec).runsBetween(options.from, options.to, restriction);
  const plan: BackfillPlanItem[] = [];
  for (const info of infos) {
    const existing = await store.getDagRunByLogicalDate(dag.dagId, info.logicalDate);
    let action: BackfillPlanItem['action'] = 'create';
    if (existing !== null) {
      if (options.resetDagRuns) action = 'reset';
      else if (existing.state === 'failed' && options.rerunFailed) action = 'rerun';
      else action = 'keep';
    }
    plan.push({ info, action, existing });
  }
  return plan;
}

/** Creates the backfill record and its runs (queued); the scheduler then runs them like any other. */
export async function startBackfill(store: MetadataStore, dag: DagRecord, input: { plan: BackfillPlanItem[]; options: BackfillOptions }): Promise<Backfill> {
  const { plan, options } = input;
  const backfill = await store.createBackfill({
    dagId: dag.dagId, fromDate: options.from, toDate: options.to, maxActiveRuns: options.maxActiveRuns, rerunFailed: options.rerunFailed,
  });
  for (const item of plan) {
    if (item.action === 'keep') continue;
    if (item.action === 'rerun') {
      await clearTaskInstances(store, { dagId: dag.dagId, runId: item.existing!.runId, onlyFailed: true });
      continue;
    }
    if (item.action === 'reset') await store.deleteDagRun(dag.dagId, item.existing!.runId);
    await createRun(store, {
      spec: dag.spec, versionHash: dag.versionHash, runType: 'backfill', logicalDate: item.info.logicalDate,
      dataIntervalStart: item.info.dataInterval.start, dataIntervalEnd: item.info.dataInterval.end,
      conf: options.conf ?? {}, runId: makeRunId('backfill', item.info.logicalDate), backfillId: backfill.id,
    });
  }
  return backfill;
}
