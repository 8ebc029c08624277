import type { MetadataStore, TaskInstance } from '../core/ports/metadata-store.js';
import type { TaskState } from '../core/states.js';
import { fullView, isWaiting, type RunTaskView } from './run-task-view.js';

interface CachedRun {
  tis: Map<string, TaskInstance>;
  counts: Map<TaskState, number>;
  waiting: Set<string>;
  /** Task ids written since they were read: re-read before the next evaluation. */
  stale: Set<string>;
  /** Task ids whose row changed since the last evaluation. */
  changed: Set<string>;
}

const keyOf = (dagId: string, runId: string): string => `${dagId}\u0000${runId}`;

/**
 * The task instances of the runs this scheduler drives, kept between passes so that evaluating a
 * run after one task ended reads that task again instead of the whole run, and looks only at the
 * tasks downstream of what changed (reading and scanning 10,000 rows on every pass made fan-out
 * quadratic).
 *
 * Only sound while this scheduler is the only writer besides the CLI: every write the scheduler
 * makes goes through put() or markStale(), and CLI changes (clear, mark, trigger) wake the
 * scheduler for a full pass, which starts from an empty cache. While another scheduler is alive
 * the cache is disabled (`enabled = false`) and every evaluation reads the whole run, as before.
 * A cached view can only lag behind the database, never run ahead of it, so the scheduler re-reads
 * the run before any decision that ends it.
 */
export class RunTaskCache {
  private readonly runs = new Map<string, CachedRun>();
  private on = true;

  get enabled(): boolean {
    return this.on;
  }

  set enabled(value: boolean) {
    if (!value) this.runs.clear();
    this.on = value;
  }

  clear(): void {
    this.runs.clear();
  }

  drop(dagId: string, runId: string): void {
    this.runs.delete(keyOf(dagId, runId));
  }

  /** Rows the scheduler wrote without reading them back: read again before they are used. */
  markStale(dagId: string, runId: string, taskIds: Iterable<string>): void {
    const cached = this.runs.get(keyOf(dagId, runId));
    if (cached === undefined) return;
    for (const id of taskIds) cached.stale.add(id);
  }

  /** A row the scheduler wrote and got back (RETURNING): the cache takes it as is. */
  put(ti: TaskInstance): void {
    const cached = this.runs.get(keyOf(ti.dagId, ti.runId));
    if (cached === undefined) return;
    setRow(cached, ti);
    cached.stale.delete(ti.taskId);
  }

  /** Whether the run's rows come from the cache (false: the next read loads the whole run). */
  has(dagId: string, runId: string): boolean {
    return this.on && this.runs.has(keyOf(dagId, runId));
  }

  /**
   * The run's task instances: from the cache with its stale rows re-read and what changed since
   * the last call, or the whole run from the store (every task to evaluate) when it is not cached,
   * `fresh` is set or the cache is disabled.
   */
  async load(store: MetadataStore, run: { dagId: string; runId: string }, fresh: boolean): Promise<RunTaskView> {
    const key = keyOf(run.dagId, run.runId);
    const cached = this.on && !fresh ? this.runs.get(key) : undefined;
    if (cached === undefined) {
      const view = fullView(await store.listTaskInstances({ dagId: run.dagId, runId: run.runId }));
      if (this.on) {
        this.runs.set(key, {
          tis: view.tis as Map<string, TaskInstance>, counts: view.counts as Map<TaskState, number>,
          waiting: view.waiting as Set<string>, stale: new Set(), changed: new Set(),
        });
      }
      return view;
    }
    if (cached.stale.size > 0) {
      const ids = [...cached.stale];
      cached.stale.clear();
      for (const ti of await store.listTaskInstances({ dagId: run.dagId, runId: run.runId, taskIds: ids })) setRow(cached, ti);
    }
    const changed = cached.changed;
    cached.changed = new Set();
    return { tis: cached.tis, changed, counts: cached.counts, waiting: cached.waiting };
  }
}

function setRow(cached: CachedRun, ti: TaskInstance): void {
  const previous = cached.tis.get(ti.taskId);
  if (previous !== undefined) cached.counts.set(previous.state, (cached.counts.get(previous.state) ?? 1) - 1);
  cached.counts.set(ti.state, (cached.counts.get(ti.state) ?? 0) + 1);
  cached.tis.set(ti.taskId, ti);
  if (isWaiting(ti.state)) cached.waiting.add(ti.taskId);
  else cached.waiting.delete(ti.taskId);
  cached.changed.add(ti.taskId);
}
