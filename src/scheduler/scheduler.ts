import { hostname as osHostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../common/logger.js';
import type { Clock } from '../core/ports/clock.js';
import { systemClock } from '../core/ports/clock.js';
import type { ExecutionApi, Executor } from '../core/ports/executor.js';
import type { AttemptResult, RemoteLogSettings, Workload } from '../core/ports/execution-protocol.js';
import type { DagRecord, DagRun, MetadataStore, Pool, TaskInstance, TaskInstanceKey, TaskInstancePatch } from '../core/ports/metadata-store.js';
import type { TaskState } from '../core/states.js';
import { taskLogPath } from '../logs/log-paths.js';
import { buildWorkload } from './workload.js';
import { evaluateRun, type RunEvaluation } from './evaluate-run.js';
import { createDueRuns } from './schedule-runs.js';
import { SpecCache, type CompiledSpec } from './spec-cache.js';
import { applyAttemptResult, type InflightAttempt } from './apply-result.js';
import { RunTaskCache } from './run-task-cache.js';

export interface SchedulerOptions {
  store: MetadataStore;
  executor: Executor;
  api: ExecutionApi;
  logger: Logger;
  baseLogFolder: string;
  /** [smtp] settings passed to task processes in each Workload (email defaults, failure/retry emails). */
  smtp?: { connId: string; mailFrom: string };
  /** [logging] remote logging settings passed to task processes (absent: logs stay local). */
  remoteLog?: RemoteLogSettings;
  clock?: Clock;
  schedulerId?: string;
  /** Create runs from timetables (false for backfill and `dags test`, which only drive their own runs). */
  createScheduledRuns: boolean;
  /** When set, only runs for which it returns true are driven. */
  runFilter?: (run: DagRun) => boolean;
  maxTisPerQuery?: number;
  safetyNetMs?: number;
  heartbeatMs?: number;
  taskHeartbeatTimeoutMs?: number;
  shutdownGraceMs?: number;
  onRunFinished?: (run: DagRun) => void;
  onTaskFinished?: (ti: TaskInstance, result: AttemptResult) => void;
}

type PendingEvent =
  | { kind: 'started'; attemptId: string; workload: Workload; pid: number; hostname: string; at: Date }
  | { kind: 'finished'; result: AttemptResult };

const runKey = (dagId: string, runId: string): string => `${dagId}\u0000${runId}`;

/**
 * How long a worker's 'started' report may wait for the pass that records it. A task that ends
 * within this time has its start written together with its end (one commit instead of two); a
 * longer one shows as running this much later.
 */
const STARTED_FLUSH_MS = 20;

/**
 * The scheduling loop. Event-driven: executor events and DAG changes wake it at once; otherwise it
 * sleeps until the next due time (a scheduled run, a retry, a sensor reschedule) or the safety net.
 * All database writes happen inside one pass at a time, so events never race each other.
 */
export class Scheduler {
  readonly schedulerId: string;
  private readonly store: MetadataStore;
  private readonly executor: Executor;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly specs: SpecCache;
  private readonly options: Required<Pick<SchedulerOptions, 'maxTisPerQuery' | 'safetyNetMs' | 'heartbeatMs' | 'taskHeartbeatTimeoutMs' | 'shutdownGraceMs'>>;
  private readonly inflight = new Map<string, InflightAttempt>();
  private readonly dirtyRuns = new Set<string>();
  private readonly runs = new Map<string, DagRun>();
  private readonly pending: PendingEvent[] = [];
  private readonly tiCache = new RunTaskCache();
  private pools: Pool[] | null = null;
  /** Set when a pass may find something to claim: a slot freed, a task scheduled, a full pass. */
  private claimDue = true;
  private startedTimer: NodeJS.Timeout | null = null;
  private readonly lastHeartbeatWrite = new Map<string, number>();
  /** When each run (retry/reschedule due) or DAG (next scheduled run) next needs a look. */
  private readonly wakeTimes = new Map<string, number>();
  private dags = new Map<string, DagRecord>();
  private fullPassDue = true;
  private passRunning = false;
  private passRequested = false;
  private wakeTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private nextFullPassAt = 0;
  private stopping = false;
  private started = false;
  private attemptCounter = 0;
  private idleWaiters: Array<() => void> = [];
  /** Side effects of the pass in progress (submissions, kills, callbacks), run once it commits. */
  private afterCommit: Array<() => void> = [];
  private passError: unknown = null;

  constructor(private readonly config: SchedulerOptions) {
    this.store = config.store;
    this.executor = config.executor;
    this.logger = config.logger;
    this.clock = config.clock ?? systemClock;
    this.schedulerId = config.schedulerId ?? `${osHostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.specs = new SpecCache(this.store);
    this.options = {
      maxTisPerQuery: config.maxTisPerQuery ?? 512,
      safetyNetMs: config.safetyNetMs ?? 30_000,
      heartbeatMs: config.heartbeatMs ?? 5_000,
      taskHeartbeatTimeoutMs: config.taskHeartbeatTimeoutMs ?? 300_000,
      shutdownGraceMs: config.shutdownGraceMs ?? 30_000,
    };
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.executor.start({
      onStarted: (attemptId, workload, info) => this.enqueue({ kind: 'started', attemptId, workload, pid: info.pid, hostname: info.hostname, at: info.at }),
      onHeartbeat: (attemptId, workload, at) => { void this.recordTaskHeartbeat(attemptId, workload, at); },
      onFinished: (result) => this.enqueue({ kind: 'finished', result }),
    }, this.config.api);
    await this.writeHeartbeat();
    this.heartbeatTimer = setInterval(() => { void this.writeHeartbeat(); }, this.options.heartbeatMs);
    this.heartbeatTimer.unref();
    this.requestFullPass();
  }

  /** Something changed outside (a DAG file, a trigger, a clear): look at everything again now. */
  requestFullPass(): void {
    this.fullPassDue = true;
    this.wake();
  }

  /** A specific run changed (trigger, clear): evaluate it now. */
  touchRun(dagId: string, runId: string): void {
    this.dirtyRuns.add(runKey(dagId, runId));
    this.fullPassDue = true;
    this.wake();
  }

  /** Resolves when no pass is running or requested (tests and `dags test` use it). */
  async idle(): Promise<void> {
    if (!this.passRunning && !this.passRequested) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** The last error a pass hit (it is logged and the loop goes on). */
  get lastError(): unknown {
    return this.passError;
  }

  /** Whether run evaluations use the in-memory run cache (off while another scheduler is alive). */
  get runCacheEnabled(): boolean {
    return this.tiCache.enabled;
  }

  get runningAttempts(): number {
    return this.inflight.size;
  }

  /**
   * Graceful stop: no new work; running tasks get the grace period, then are killed and marked for
   * retry; every result is recorded before this resolves.
   */
  async stop(graceMs = this.options.shutdownGraceMs): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.wakeTimer !== null) clearTimeout(this.wakeTimer);
    if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer);
    if (this.startedTimer !== null) clearTimeout(this.startedTimer);
    await this.executor.stop(graceMs);
    while (this.passRunning) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    await this.drainEvents();
    await this.store.removeScheduler(this.schedulerId);
  }

  private enqueue(event: PendingEvent): void {
    this.pending.push(event);
    if (this.stopping) return;
    if (event.kind === 'finished') {
      this.wake();
    } else if (this.startedTimer === null) {
      this.startedTimer = setTimeout(() => {
        this.startedTimer = null;
        this.wake();
      }, STARTED_FLUSH_MS);
    }
  }

  /** Whether queued events call for a pass now ('started' reports alone wait for their timer). */
  private get urgentEvents(): boolean {
    return this.pending.some((event) => event.kind === 'finished');
  }

  private wake(): void {
    if (this.stopping) return;
    if (this.passRunning) {
      this.passRequested = true;
      return;
    }
    if (this.passRequested) return;
    this.passRequested = true;
    setImmediate(() => { void this.pass(); });
  }

  private async pass(): Promise<void> {
    if (this.passRunning) return;
    this.passRunning = true;
    this.passRequested = false;
    let retryAt: number | null = null;
    try {
      await this.doPass();
    } catch (error) {
      this.passError = error;
      this.logger.error('scheduling pass failed; retrying', { error: (error as Error).stack ?? String(error) });
      retryAt = this.clock.now().getTime() + 1000;
      this.fullPassDue = true;
    } finally {
      this.passRunning = false;
    }
    if (this.stopping) {
      this.flushIdle();
      return;
    }
    if (this.passRequested || this.urgentEvents || this.dirtyRuns.size > 0) {
      this.passRequested = false;
      this.wake();
      return;
    }
    this.flushIdle();
    this.armTimer(retryAt);
  }

  private flushIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private armTimer(at: number | null): void {
    if (this.wakeTimer !== null) clearTimeout(this.wakeTimer);
    const now = this.clock.now().getTime();
    let target = Math.min(at ?? Infinity, this.nextFullPassAt);
    for (const t of this.wakeTimes.values()) target = Math.min(target, t);
    const delay = Math.max(0, Math.min(target - now, 2_147_000_000));
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = null;
      const firedAt = this.clock.now().getTime();
      if (firedAt >= this.nextFullPassAt) this.fullPassDue = true;
      for (const [key, t] of this.wakeTimes) {
        if (t > firedAt) continue;
        this.wakeTimes.delete(key);
        if (key.startsWith('dag:')) this.fullPassDue = true;
        else this.dirtyRuns.add(key.slice('run:'.length));
      }
      this.wake();
    }, delay);
  }

  /**
   * One pass: events, due runs, run evaluation, claims — in one transaction, so a task's end, its
   * downstream evaluation and the next claim cost one commit. Submissions to the executor and other
   * side effects run only after the commit; if the pass fails, its events go back in the queue.
   */
  private async doPass(): Promise<void> {
    const drained: PendingEvent[] = [];
    try {
      await this.store.transaction(() => this.passInTransaction(drained));
    } catch (error) {
      this.pending.unshift(...drained);
      this.afterCommit = [];
      throw error;
    }
    const effects = this.afterCommit;
    this.afterCommit = [];
    for (const effect of effects) effect();
  }

  /** Wake times land in `wakeTimes`. */
  private async passInTransaction(drained: PendingEvent[]): Promise<void> {
    const now = this.clock.now();

    await this.drainEvents(drained);

    let runsToEvaluate: DagRun[];
    if (this.fullPassDue) {
      this.fullPassDue = false;
      // Something may have changed behind our back (CLI, another process): read everything again.
      this.tiCache.clear();
      this.pools = null;
      this.claimDue = true;
      this.nextFullPassAt = now.getTime() + this.options.safetyNetMs;
      this.dags = new Map((await this.store.listDags({ onlyActive: false })).map((d) => [d.dagId, d]));
      if (this.config.createScheduledRuns) {
        for (const key of [...this.wakeTimes.keys()]) if (key.startsWith('dag:')) this.wakeTimes.delete(key);
        for (const dag of this.dags.values()) {
          const next = await createDueRuns(this.store, dag, { now, logger: this.logger });
          if (next !== null) this.wakeTimes.set(`dag:${dag.dagId}`, next.getTime());
        }
      }
      await this.recoverOrphans(now);
      await this.startQueuedRuns();
      runsToEvaluate = (await this.store.listDagRuns({ states: ['running'] })).filter((r) => this.drives(r));
      this.dirtyRuns.clear();
    } else {
      runsToEvaluate = [];
      for (const key of this.dirtyRuns) {
        const [dagId, runId] = key.split('\u0000') as [string, string];
        // A run's state changes only in our passes or through the CLI (which asks for a full pass).
        const known = this.tiCache.has(dagId, runId) ? this.runs.get(key) : undefined;
        const run = known ?? await this.store.getDagRun(dagId, runId);
        if (run !== null && run.state === 'running' && this.drives(run)) runsToEvaluate.push(run);
      }
      this.dirtyRuns.clear();
    }

    let runFinished = false;
    for (const run of runsToEvaluate) {
      this.runs.set(runKey(run.dagId, run.runId), run);
      runFinished = (await this.evaluateAndTrack(run, now)) || runFinished;
    }
    if (runFinished) {
      // A finished run frees a maxActiveRuns slot: start queued runs in the same pass.
      for (const run of await this.startQueuedRuns()) await this.evaluateAndTrack(run, now);
    }
    if (!this.stopping && this.claimDue) {
      this.claimDue = false;
      await this.queueTasks(now);
    }
  }

  /** Evaluates a run and remembers when it next needs a look; true when the run finished. */
  private async evaluateAndTrack(run: DagRun, now: Date): Promise<boolean> {
    const key = `run:${runKey(run.dagId, run.runId)}`;
    const result = await this.evaluate(run, now);
    if (result.nextWakeAt === null) this.wakeTimes.delete(key);
    else this.wakeTimes.set(key, result.nextWakeAt);
    return result.finished;
  }

  private drives(run: DagRun): boolean {
    return this.config.runFilter === undefined || this.config.runFilter(run);
  }

  private async drainEvents(drained: PendingEvent[] = []): Promise<void> {
    if (this.startedTimer !== null) {
      // This pass records every report queued so far: the timer has nothing left to flush.
      clearTimeout(this.startedTimer);
      this.startedTimer = null;
    }
    // An attempt that started and ended since the last pass gets one write, not two.
    const finishing = new Set(this.pending.flatMap((e) => (e.kind === 'finished' ? [e.result.attemptId] : [])));
    const coalesced = new Set<string>();
    while (this.pending.length > 0) {
      const event = this.pending.shift()!;
      drained.push(event);
      if (event.kind === 'started') {
        const inflight = this.inflight.get(event.attemptId);
        if (inflight !== undefined) inflight.startedAt = event.at;
        if (finishing.has(event.attemptId)) {
          coalesced.add(event.attemptId);
          continue;
        }
        const w = event.workload;
        await this.writeTaskInstance({ dagId: w.dagId, runId: w.runId, taskId: w.taskId }, {
          state: 'running', startDate: inflight?.isReschedule === true ? undefined : event.at, pid: event.pid, hostname: event.hostname,
          lastHeartbeatAt: event.at, firstAttemptAt: inflight?.firstAttemptAt ?? event.at,
        }, ['queued']);
      } else {
        const inflight = this.inflight.get(event.result.attemptId);
        this.inflight.delete(event.result.attemptId);
        this.lastHeartbeatWrite.delete(event.result.attemptId);
        const w = event.result.workload;
        const changed = await applyAttemptResult({
          store: this.store, logger: this.logger, now: this.clock.now(), result: event.result, inflight: inflight ?? null,
          spec: await this.specFor(w.dagId, w.dagVersionHash), startedUnrecorded: coalesced.has(event.result.attemptId),
        });
        this.claimDue = true;
        this.noteResult(w, event.result, changed);
        this.dirtyRuns.add(runKey(w.dagId, w.runId));
        if (changed !== null && this.config.onTaskFinished !== undefined) {
          const notify = this.config.onTaskFinished;
          this.afterCommit.push(() => notify(changed, event.result));
        }
      }
    }
  }

  /** Keeps the run cache in step with what applyAttemptResult wrote. */
  private noteResult(w: Workload, result: AttemptResult, changed: TaskInstance | null): void {
    const outcome = result.outcome;
    if (outcome.state === 'success' && ('followTaskIds' in outcome || 'skipDownstream' in outcome)) {
      // A branch or short circuit skipped tasks downstream: read the run again.
      this.tiCache.drop(w.dagId, w.runId);
    } else if (changed === null) {
      this.tiCache.markStale(w.dagId, w.runId, [w.taskId]);
    } else {
      this.tiCache.put(changed);
    }
  }

  private async specFor(dagId: string, hash: string): Promise<CompiledSpec | null> {
    try {
      return await this.specs.get(dagId, hash);
    } catch {
      return null;
    }
  }

  /** queued → running for each DAG up to its maxActiveRuns, oldest logical date first. */
  private async startQueuedRuns(): Promise<DagRun[]> {
    const queued = (await this.store.listDagRuns({ states: ['queued'] })).filter((r) => this.drives(r));
    if (queued.length === 0) return [];
    const started: DagRun[] = [];
    const byDag = new Map<string, DagRun[]>();
    for (const run of queued) byDag.set(run.dagId, [...(byDag.get(run.dagId) ?? []), run]);
    for (const [dagId, runs] of byDag) {
      const dag = this.dags.get(dagId) ?? await this.store.getDag(dagId);
      if (dag === null) continue;
      if (dag.isPaused && this.config.runFilter === undefined) continue;
      let active = await this.store.countActiveRuns(dagId);
      for (const run of runs) {
        const limit = await this.maxActiveRunsFor(run, dag);
        if (active >= limit) break;
        const now = this.clock.now();
        if (await this.store.updateDagRun(dagId, run.runId, { state: 'running', startDate: now })) {
          active++;
          const startedRun = { ...run, state: 'running' as const, startDate: now };
          started.push(startedRun);
          this.logger.info('run started', { dag: dagId, run: run.runId });
        }
      }
    }
    return started;
  }

  private async maxActiveRunsFor(run: DagRun, dag: DagRecord): Promise<number> {
    if (run.backfillId !== null) {
      const backfill = await this.store.getBackfill(run.backfillId);
      if (backfill !== null) return backfill.maxActiveRuns;
    }
    return dag.spec.maxActiveRuns;
  }

  private async evaluate(run: DagRun, now: Date): Promise<{ nextWakeAt: number | null; finished: boolean }> {
    // A paused DAG's runs (scheduled or manual) make no progress until it is unpaused, as in
    // Airflow; running tasks finish. Backfill and `dags test` (which pass a runFilter) ignore pausing.
    const dag = this.dags.get(run.dagId);
    if (dag?.isPaused === true && this.config.runFilter === undefined) {
      return { nextWakeAt: null, finished: false };
    }
    const compiled = await this.specs.get(run.dagId, run.dagVersionHash);
    const cached = this.tiCache.has(run.dagId, run.runId);
    let view = await this.tiCache.load(this.store, run, false);
    let previousRun: Map<string, TaskState> | null = null;
    if (compiled.dependsOnPast) {
      const previous = await this.store.getPreviousDagRun(run.dagId, run.logicalDate);
      if (previous !== null) {
        previousRun = new Map((await this.store.listTaskInstances({ dagId: run.dagId, runId: previous.runId })).map((t) => [t.taskId, t.state]));
      }
    }
    const evaluateNow = (): RunEvaluation => evaluateRun({
      compiled, view, now, previousRun, runStartedAt: run.startDate, dagrunTimeoutMs: compiled.spec.dagrunTimeoutMs,
    });
    let evaluation = evaluateNow();
    if (evaluation.runState !== null && cached) {
      // The cache may lag behind the database, and an incremental evaluation does not see a task
      // blocked by dependsOnPast: a run is only ended on a full, fresh read.
      view = await this.tiCache.load(this.store, run, true);
      evaluation = evaluateNow();
    }
    const byId = view.tis;
    const { dagId, runId } = run;
    // Part of the pass's transaction: a failure here fails the whole pass, which is retried.
    await this.store.atomic(async () => {
      const retrying = new Set(evaluation.retry);
      for (const taskId of [...evaluation.schedule, ...evaluation.retry]) {
        const ti = byId.get(taskId)!;
        const from: TaskState[] = retrying.has(taskId) ? ['up_for_retry'] : ['none'];
        await this.writeTaskInstance({ dagId, runId, taskId }, {
          state: 'scheduled', tryNumber: ti.tryNumber + 1, firstAttemptAt: null, nextAttemptAt: null, startDate: null, endDate: null, error: null,
        }, from);
        if (ti.tryNumber > 0) await this.store.clearXComs({ dagId, runId, taskId });
      }
      if (evaluation.resume.length > 0) {
        await this.store.updateTaskInstances(dagId, runId, evaluation.resume, { state: 'scheduled', nextAttemptAt: null }, ['up_for_reschedule']);
      }
      if (evaluation.skip.length > 0) {
        const from: TaskState[] = evaluation.timedOut ? ['none', 'scheduled', 'queued', 'running', 'up_for_retry', 'up_for_reschedule'] : ['none'];
        await this.store.updateTaskInstances(dagId, runId, evaluation.skip, { state: 'skipped', endDate: now }, from);
      }
      if (evaluation.upstreamFailed.length > 0) {
        await this.store.updateTaskInstances(dagId, runId, evaluation.upstreamFailed, { state: 'upstream_failed', endDate: now }, ['none']);
      }
      this.tiCache.markStale(dagId, runId, [...evaluation.resume, ...evaluation.skip, ...evaluation.upstreamFailed]);
      if (evaluation.schedule.length + evaluation.retry.length + evaluation.resume.length > 0) this.claimDue = true;
      if (evaluation.runState !== null) {
        await this.store.updateDagRun(run.dagId, run.runId, { state: evaluation.runState, endDate: now });
      }
    });
    if (evaluation.timedOut) {
      for (const [attemptId, attempt] of this.inflight) {
        if (attempt.dagId === run.dagId && attempt.runId === run.runId) {
          this.afterCommit.push(() => this.executor.kill(attemptId, 'the DAG run exceeded its dagrunTimeout'));
        }
      }
    }
    if (evaluation.runState !== null) {
      const finishedRun: DagRun = { ...run, state: evaluation.runState, endDate: now };
      this.runs.delete(runKey(run.dagId, run.runId));
      this.tiCache.drop(run.dagId, run.runId);
      if (compiled.dependsOnPast) {
        // A later run's dependsOnPast tasks may wait on this one: look at those runs in full now.
        for (const [key, other] of this.runs) {
          if (other.dagId !== run.dagId) continue;
          this.tiCache.drop(other.dagId, other.runId);
          this.dirtyRuns.add(key);
        }
      }
      const level = evaluation.runState === 'failed' ? 'warn' : 'info';
      this.logger[level](`run ${evaluation.runState}`, { dag: run.dagId, run: run.runId, ...(evaluation.reason === null ? {} : { reason: evaluation.reason }) });
      if (this.config.onRunFinished !== undefined) {
        const notify = this.config.onRunFinished;
        this.afterCommit.push(() => notify(finishedRun));
      }
      return { nextWakeAt: null, finished: true };
    }
    return { nextWakeAt: evaluation.nextWakeAt?.getTime() ?? null, finished: false };
  }

  /** Claims scheduled task instances within every limit and hands them to the executor. */
  private async queueTasks(now: Date): Promise<void> {
    const free = Math.min(this.executor.freeSlots(), this.options.maxTisPerQuery);
    if (free <= 0) return;
    this.pools ??= await this.store.listPools();
    const pools = this.pools;
    const usage = await this.store.poolUsage();
    const poolFree = new Map(pools.map((p) => [p.name, Math.max(0, p.slots - (usage.get(p.name) ?? 0))]));
    const dagIds = this.config.runFilter === undefined ? undefined : [...new Set([...this.runs.values()].map((r) => r.dagId))];
    if (dagIds !== undefined && dagIds.length === 0) return;
    const claimed = await this.store.claimScheduledTaskInstances({
      schedulerId: this.schedulerId, limit: free, poolFreeSlots: poolFree, ...(dagIds === undefined ? {} : { dagIds }), now,
    });
    if (claimed.length === 0) return;
    for (const ti of claimed) this.tiCache.put(ti);
    const active = await this.store.activeTaskCounts();
    const knownPools = new Set(pools.map((p) => p.name));
    for (const ti of claimed) {
      const run = this.runs.get(runKey(ti.dagId, ti.runId)) ?? await this.store.getDagRun(ti.dagId, ti.runId);
      if (run === null) continue;
      const compiled = await this.specs.get(run.dagId, run.dagVersionHash);
      const task = compiled.tasks.get(ti.taskId);
      const key = { dagId: ti.dagId, runId: ti.runId, taskId: ti.taskId };
      if (task === undefined) {
        await this.writeTaskInstance(key, { state: 'removed', claimedBy: null }, ['queued']);
        continue;
      }
      if (!knownPools.has(ti.pool)) {
        await this.writeTaskInstance(key, {
          state: 'failed', endDate: now, claimedBy: null,
          error: `pool "${ti.pool}" does not exist; create it with \`updraft pools set ${ti.pool} <slots>\` or use one of: ${[...knownPools].join(', ')}`,
        }, ['queued']);
        this.dirtyRuns.add(runKey(ti.dagId, ti.runId));
        continue;
      }
      // claimed rows are already counted in `active`; give back those over the DAG's limit.
      const count = active.get(ti.dagId) ?? 0;
      if (count > compiled.spec.maxActiveTasks) {
        await this.writeTaskInstance(key, { state: 'scheduled', queuedAt: null, claimedBy: null }, ['queued']);
        active.set(ti.dagId, count - 1);
        continue;
      }
      this.submit(ti, run, compiled);
    }
  }

  /** A compare-and-set update whose result (or doubt about it) the run cache takes in. */
  private async writeTaskInstance(key: TaskInstanceKey, patch: TaskInstancePatch, from: TaskState[]): Promise<TaskInstance | null> {
    const updated = await this.store.updateTaskInstance(key, patch, from);
    if (updated === null) this.tiCache.markStale(key.dagId, key.runId, [key.taskId]);
    else this.tiCache.put(updated);
    return updated;
  }

  private submit(ti: TaskInstance, run: DagRun, compiled: CompiledSpec): void {
    const attemptId = `${ti.dagId}/${ti.runId}/${ti.taskId}/${ti.tryNumber}/${++this.attemptCounter}`;
    const dag = this.dags.get(ti.dagId);
    const workload = buildWorkload(ti, {
      run, compiled, baseLogFolder: this.config.baseLogFolder, smtp: this.config.smtp, remoteLog: this.config.remoteLog, ...(dag === undefined ? {} : { dag }),
    });
    const isReschedule = workload.isReschedule;
    this.afterCommit.push(() => {
      this.inflight.set(attemptId, {
        dagId: ti.dagId, runId: ti.runId, taskId: ti.taskId, tryNumber: ti.tryNumber, isReschedule,
        firstAttemptAt: ti.firstAttemptAt, startedAt: null, logicalDate: run.logicalDate,
      });
      this.executor.submit(attemptId, workload);
    });
  }

  private async recordTaskHeartbeat(attemptId: string, workload: Workload, at: Date): Promise<void> {
    if (!this.inflight.has(attemptId)) return;
    const last = this.lastHeartbeatWrite.get(attemptId) ?? 0;
    if (at.getTime() - last < this.options.heartbeatMs) return;
    this.lastHeartbeatWrite.set(attemptId, at.getTime());
    if (!this.inflight.has(attemptId)) return;
    try {
      await this.store.updateTaskInstance({ dagId: workload.dagId, runId: workload.runId, taskId: workload.taskId }, { lastHeartbeatAt: at }, ['running']);
    } catch (error) {
      this.logger.warn('could not record a task heartbeat', { error: String(error) });
    }
  }

  private async writeHeartbeat(): Promise<void> {
    const now = this.clock.now();
    try {
      await this.store.heartbeatScheduler({ schedulerId: this.schedulerId, hostname: osHostname(), pid: process.pid, startedAt: now, lastHeartbeatAt: now });
      // Another live scheduler writes to the same runs: then the run cache could hold back progress.
      const others = (await this.store.listSchedulers()).some((s) => s.schedulerId !== this.schedulerId && this.isAlive(s.lastHeartbeatAt, now));
      if (others === this.tiCache.enabled) {
        this.tiCache.enabled = !others;
        this.logger.debug(others ? 'another scheduler is alive: run cache off' : 'no other scheduler: run cache on');
      }
    } catch (error) {
      this.tiCache.enabled = false;
      this.logger.warn('could not record the scheduler heartbeat', { error: String(error) });
    }
  }

  private isAlive(lastHeartbeatAt: Date, now: Date): boolean {
    return lastHeartbeatAt.getTime() >= now.getTime() - Math.max(3 * this.options.heartbeatMs, 15_000);
  }

  /**
   * Task instances held by a scheduler that is gone (crashed, killed) or by a worker that stopped
   * heartbeating: queued ones go back to scheduled; running ones fail and are retried by policy.
   */
  private async recoverOrphans(now: Date): Promise<void> {
    const alive = new Set((await this.store.listSchedulers())
      .filter((s) => this.isAlive(s.lastHeartbeatAt, now)).map((s) => s.schedulerId));
    alive.add(this.schedulerId);
    const held = await this.store.listTaskInstances({ states: ['queued', 'running'] });
    const ours = new Set([...this.inflight.values()].map((a) => runKey(a.dagId, a.runId) + '\u0000' + a.taskId));
    const staleBefore = now.getTime() - this.options.taskHeartbeatTimeoutMs;
    for (const ti of held) {
      if (ours.has(runKey(ti.dagId, ti.runId) + '\u0000' + ti.taskId)) continue;
      const ownerGone = ti.claimedBy === null || !alive.has(ti.claimedBy);
      const silent = ti.state === 'running' && ti.lastHeartbeatAt !== null && ti.lastHeartbeatAt.getTime() < staleBefore;
      if (!ownerGone && !silent) continue;
      const key = { dagId: ti.dagId, runId: ti.runId, taskId: ti.taskId };
      if (ti.state === 'queued') {
        await this.store.updateTaskInstance(key, { state: 'scheduled', queuedAt: null, claimedBy: null }, ['queued']);
        this.logger.warn('re-queued a task held by a scheduler that is gone', { dag: ti.dagId, run: ti.runId, task: ti.taskId });
      } else {
        const run = await this.store.getDagRun(ti.dagId, ti.runId);
        if (run === null) continue;
        const reason = ownerGone ? `its scheduler ${ti.claimedBy ?? '(unknown)'} is gone` : `its worker has not heartbeated since ${ti.lastHeartbeatAt?.toISOString()}`;
        const workload = { dagId: ti.dagId, runId: ti.runId, taskId: ti.taskId, tryNumber: ti.tryNumber, maxTries: ti.maxTries,
          logPath: taskLogPath(this.config.baseLogFolder, { dagId: ti.dagId, runId: ti.runId, taskId: ti.taskId, tryNumber: ti.tryNumber }) } as Workload;
        await applyAttemptResult({
          store: this.store, logger: this.logger, now, spec: await this.specFor(run.dagId, run.dagVersionHash),
          inflight: { dagId: ti.dagId, runId: ti.runId, taskId: ti.taskId, tryNumber: ti.tryNumber, isReschedule: false, firstAttemptAt: ti.firstAttemptAt, startedAt: ti.startDate, logicalDate: run.logicalDate },
          result: {
            attemptId: 'orphan', workload, startedAt: ti.startDate, endedAt: now, hostname: ti.hostname, pid: ti.pid,
            outcome: { state: 'failed', retryable: true, error: { name: 'UpdraftError', code: 'UPDRAFT_ERR_WORKER_DIED', message: `task attempt lost: ${reason}`, stack: null } },
          },
        });
        this.dirtyRuns.add(runKey(ti.dagId, ti.runId));
      }
    }
  }
}

