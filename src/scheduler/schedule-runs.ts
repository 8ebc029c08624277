import type { Logger } from '../common/logger.js';
import { isUpdraftError } from '../common/errors.js';
import type { DagRecord, MetadataStore } from '../core/ports/metadata-store.js';
import { timetableFor } from '../core/timetable/timetable.js';
import { createRun } from './new-run.js';

/**
 * Creates the scheduled runs that are due for one DAG (Airflow semantics: the run for [start, end)
 * is created at end). Returns when the DAG next needs attention (null: never).
 */
export async function createDueRuns(store: MetadataStore, dag: DagRecord, at: { now: Date; logger: Logger }): Promise<Date | null> {
  const { now, logger } = at;
  const spec = dag.spec;
  if (dag.isPaused || !dag.isActive || spec.schedule.kind === 'none') return null;
  const timetable = timetableFor(spec);
  const restriction = {
    earliest: spec.startDate === null ? null : new Date(spec.startDate),
    latest: spec.endDate === null ? null : new Date(spec.endDate),
    catchup: spec.catchup,
  };
  let last = dag.lastAutomatedIntervalStart !== null && dag.lastAutomatedIntervalEnd !== null
    ? { start: dag.lastAutomatedIntervalStart, end: dag.lastAutomatedIntervalEnd } : null;
  let created = 0;
  // Bounded so a catchup over years cannot block the loop; the rest comes on the next pass.
  for (let i = 0; i < 1000; i++) {
    const next = timetable.nextDagRunInfo(last, restriction, now);
    if (next === null) {
      await store.setDagSchedulingInfo(dag.dagId, { nextRunAfter: null });
      return null;
    }
    if (next.runAfter.getTime() > now.getTime()) {
      if (dag.nextRunAfter?.getTime() !== next.runAfter.getTime() || created > 0) {
        await store.setDagSchedulingInfo(dag.dagId, { nextRunAfter: next.runAfter });
      }
      return next.runAfter;
    }
    try {
      await store.transaction(async () => {
        await createRun(store, {
          spec, versionHash: dag.versionHash, runType: 'scheduled', logicalDate: next.logicalDate,
          dataIntervalStart: next.dataInterval.start, dataIntervalEnd: next.dataInterval.end,
        });
        await store.setDagSchedulingInfo(dag.dagId, {
          lastAutomatedIntervalStart: next.dataInterval.start, lastAutomatedIntervalEnd: next.dataInterval.end,
        });
      });
      logger.info('created scheduled run', { dag: dag.dagId, logicalDate: next.logicalDate.toISOString() });
    } catch (error) {
      // Another scheduler (or a manual/backfill run at the same logical date) got there first.
      if (!isUpdraftError(error, 'UPDRAFT_ERR_RUN_EXISTS')) throw error;
      await store.setDagSchedulingInfo(dag.dagId, {
        lastAutomatedIntervalStart: next.dataInterval.start, lastAutomatedIntervalEnd: next.dataInterval.end,
      });
    }
    created++;
    last = next.dataInterval;
  }
  return now;
}
