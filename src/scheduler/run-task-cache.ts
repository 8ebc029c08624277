import type { MetadataStore, TaskInstance } from '../core/ports/metadata-store.js';

interface CachedRun {
  tis: Map<string, TaskInstance>;
  /** Task ids written since they were read: re-read before the next evaluation. */
  stale: Set<string>;
}

const keyOf = (dagId: string, runId: string): string => `${dagId}\u0000${runId}`;

/**
 * The task instances of the runs this scheduler drives, kept between passes so that evaluating a
 * run after one task ended reads that task again instead of the whole run (10,000 rows for a wide
 * DAG, on every pass, made fan-out quadratic).
 *
 * Only sound while this scheduler is the only writer besides the CLI: every write the scheduler
 * makes marks the rows stale, and CLI changes (clear, mark, trigger) wake the scheduler for a full
 * pass, which starts from an empty cache. While another scheduler is alive the cache is disabled
 * (`enabled = false`) and every evaluation reads the whole run, as before. A cached view can only
 * lag behind the database, never run ahead of it, so the scheduler re-reads the run before any
 * decision that ends it.
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
    cached.tis.set(ti.taskId, ti);
    cached.stale.delete(ti.taskId);
  }

  /** Whether the run's rows come from the cache (false: the next read loads the whole run). */
  has(dagId: string, runId: string): boolean {
    return this.on && this.runs.has(keyOf(dagId, runId));
  }

  /**
   * The run's task instances: from the cache with its stale rows re-read, or the whole run from the
   * store when it is not cached, `fresh` is set or the cache is disabled.
   */
  async load(store: MetadataStore, run: { dagId: string; runId: string }, fresh: boolean): Promise<TaskInstance[]> {
    const key = keyOf(run.dagId, run.runId);
    const cached = this.on && !fresh ? this.runs.get(key) : undefined;
    if (cached === undefined) {
      const tis = await store.listTaskInstances({ dagId: run.dagId, runId: run.runId });
      if (this.on) this.runs.set(key, { tis: new Map(tis.map((ti) => [ti.taskId, ti])), stale: new Set() });
      return tis;
    }
    if (cached.stale.size > 0) {
      const ids = [...cached.stale];
      cached.stale.clear();
      for (const ti of await store.listTaskInstances({ dagId: run.dagId, runId: run.runId, taskIds: ids })) cached.tis.set(ti.taskId, ti);
    }
    return [...cached.tis.values()];
  }
}
