import { formatDuration } from '../../common/duration.js';
import { UpdraftError } from '../../common/errors.js';
import { silentLogger, type Logger } from '../../common/logger.js';
import type { ExecutionApi, Executor, ExecutorEvents } from '../../core/ports/executor.js';
import type { AttemptResult, ExecutionReply, TerminalOutcome, WorkerMessage, Workload } from '../../core/ports/execution-protocol.js';
import { describeAttempt, executorFailure, isTerminalOutcome, serializeError } from '../attempt-outcomes.js';
import { describeExit, resolveOptions, withStderr, type LocalExecutorOptions, type ResolvedOptions } from './local-executor-options.js';
import { WorkerProcess, type WorkerExit } from './worker-process.js';

export type { LocalExecutorOptions } from './local-executor-options.js';

type WorkerState = 'starting' | 'idle' | 'busy' | 'retiring';

interface PoolWorker {
  readonly proc: WorkerProcess;
  state: WorkerState;
  attempt: Attempt | null;
  attemptsRun: number;
  readyWaiters: Array<(ok: boolean) => void>;
}

interface Attempt {
  readonly attemptId: string;
  readonly workload: Workload;
  worker: PoolWorker | null;
  startedAt: Date | null;
  hostname: string | null;
  pid: number | null;
  /** Set once the executor decided to end the attempt; reported when the process is gone. */
  verdict: TerminalOutcome | null;
  timeoutTimer: NodeJS.Timeout | null;
  heartbeatTimer: NodeJS.Timeout | null;
  done: boolean;
}

/** Consecutive workers dying before 'ready' after which queued attempts are failed, not retried forever. */
const MAX_START_FAILURES = 3;

/**
 * Runs each attempt in its own OS process, taken from a pool of warm, reused worker processes
 * (one attempt at a time each). Timeouts, dead or silent workers and shutdown all end in exactly one
 * onFinished per submitted attempt, reported only once the process (and its process group) is gone
 * so a retry never overlaps the attempt it replaces.
 */
export class LocalExecutor implements Executor {
  readonly name = 'local';
  private readonly options: ResolvedOptions;
  private readonly logger: Logger;
  private events: ExecutorEvents | null = null;
  private api: ExecutionApi | null = null;
  private readonly workers = new Set<PoolWorker>();
  private readonly attempts = new Map<string, Attempt>();
  private queue: Attempt[] = [];
  private startFailures = 0;
  private stopping = false;
  private stopPromise: Promise<void> | null = null;
  private readonly idleWaiters: Array<() => void> = [];
  private outbox: Array<{ what: string; fn: () => void }> = [];

  constructor(options: LocalExecutorOptions) {
    this.options = resolveOptions(options);
    this.logger = (options.logger ?? silentLogger).child('executor.local');
  }

  freeSlots(): number {
    if (this.stopping) return 0;
    return Math.max(0, this.options.parallelism - this.attempts.size);
  }

  /** Pids of the worker processes alive now (diagnostics and tests). */
  get workerPids(): number[] {
    return [...this.workers].map((w) => w.proc.pid).filter((pid) => pid > 0);
  }

  async start(events: ExecutorEvents, api: ExecutionApi): Promise<void> {
    if (this.events !== null) throw new UpdraftError('UPDRAFT_ERR_INTERNAL', 'LocalExecutor.start() was called twice');
    this.events = events;
    this.api = api;
    const warm = Array.from({ length: this.options.warmWorkers }, () => this.spawnWorker());
    const ready = await Promise.all(warm.map((w) => this.waitReady(w)));
    const failed = warm.find((_, i) => ready[i] !== true);
    if (failed !== undefined) {
      await this.stop(0);
      throw new UpdraftError('UPDRAFT_ERR_WORKER_DIED',
        withStderr(`the task worker process (${this.options.workerEntry}) exited before it was ready; check the worker entry path and the Node flags ${JSON.stringify(this.options.execArgv)}`, failed.proc.lastStderr));
    }
    this.logger.debug('started', { parallelism: this.options.parallelism, warmWorkers: warm.length });
  }

  submit(attemptId: string, workload: Workload): void {
    if (this.events === null) throw new UpdraftError('UPDRAFT_ERR_INTERNAL', `LocalExecutor.submit(${attemptId}) was called before start()`);
    if (this.attempts.has(attemptId)) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `attempt id ${JSON.stringify(attemptId)} was submitted twice; attempt ids must be unique`);
    }
    const attempt: Attempt = {
      attemptId, workload, worker: null, startedAt: null, hostname: null, pid: null,
      verdict: null, timeoutTimer: null, heartbeatTimer: null, done: false,
    };
    this.attempts.set(attemptId, attempt);
    if (this.stopping) {
      this.complete(attempt, executorFailure('UPDRAFT_ERR_SHUTDOWN',
        `${describeAttempt(workload)} was not started: the executor is shutting down`, true));
      return;
    }
    this.queue.push(attempt);
    this.pump();
  }

  kill(attemptId: string, reason: string): void {
    const attempt = this.attempts.get(attemptId);
    if (attempt === undefined || attempt.done) {
      this.logger.debug('kill of an attempt that is not running', { attemptId });
      return;
    }
    // The scheduler kills on purpose (DAG run timeout, marked failed): retrying would defeat that.
    this.end(attempt, executorFailure('UPDRAFT_ERR_TASK_FAIL_NO_RETRY', `${describeAttempt(attempt.workload)} was killed: ${reason}`, false));
  }

  stop(graceMs: number): Promise<void> {
    this.stopPromise ??= this.shutdown(graceMs);
    return this.stopPromise;
  }

  private async shutdown(graceMs: number): Promise<void> {
    this.stopping = true;
    for (const attempt of this.queue.splice(0)) {
      this.complete(attempt, executorFailure('UPDRAFT_ERR_SHUTDOWN',
        `${describeAttempt(attempt.workload)} was not started: the executor is shutting down`, true));
    }
    for (const worker of this.workers) {
      if (worker.state === 'idle') this.retire(worker);
      else if (worker.state === 'starting') worker.proc.terminate(this.options.killGraceMs);
    }
    const running = (): Attempt[] => [...this.attempts.values()].filter((a) => !a.done && a.worker !== null);
    if (running().length > 0) {
      this.logger.info('waiting for running attempts before shutdown', { running: running().length, graceMs });
      await this.waitUntil(() => running().length === 0, graceMs);
      for (const attempt of running()) {
        this.end(attempt, executorFailure('UPDRAFT_ERR_SHUTDOWN',
          `${describeAttempt(attempt.workload)} was interrupted: the executor shut down and the attempt did not finish within the grace period of ${formatDuration(graceMs)}`, true));
      }
    }
    await this.waitUntil(() => this.workers.size === 0, null);
    this.logger.debug('stopped');
  }

  /** Resolves when `done()` holds (re-checked whenever a worker or attempt changes), or after `timeoutMs`. */
  private waitUntil(done: () => boolean, timeoutMs: number | null): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | null = null;
      const check = (): void => {
        if (done()) {
          if (timer !== null) clearTimeout(timer);
          resolve();
        } else {
          this.idleWaiters.push(check);
        }
      };
      if (timeoutMs !== null) {
        timer = setTimeout(() => {
          const index = this.idleWaiters.indexOf(check);
          if (index >= 0) this.idleWaiters.splice(index, 1);
          resolve();
        }, timeoutMs);
      }
      check();
    });
  }

  private notifyChange(): void {
    for (const check of this.idleWaiters.splice(0)) check();
  }

  private pump(): void {
    if (this.stopping || this.events === null) return;
    while (this.queue.length > 0) {
      // A successor may exist beside a worker near its recycle budget: parallelism caps attempts, not processes.
      if (this.busyCount() >= this.options.parallelism) break;
      const idle = [...this.workers].find((w) => w.state === 'idle');
      if (idle === undefined) break;
      this.dispatch(idle, this.queue.shift()!);
    }
    let starting = 0;
    let live = 0;
    let fresh = 0;
    const agingAt = Math.max(1, Math.floor(this.options.maxAttemptsPerWorker * 0.8));
    for (const worker of this.workers) {
      if (worker.state === 'starting') starting++;
      if (worker.state !== 'retiring') live++;
      if (worker.state !== 'retiring' && worker.attemptsRun < agingAt) fresh++;
    }
    const toFork = Math.min(this.queue.length - starting, this.options.parallelism - live);
    for (let i = 0; i < toFork; i++) this.spawnWorker();
    // Forking a worker takes most of a second (the TypeScript loader): start the successor of a
    // worker nearing its recycle budget ahead of time, so recycling never stalls a task.
    if (toFork <= 0 && starting === 0 && live > 0 && fresh === 0 && live <= this.options.parallelism) this.spawnWorker();
  }

  /**
   * Past its budget, a worker is recycled once a ready successor can take over (so recycling never
   * waits for a fork), and at twice its budget regardless.
   */
  private dueForRecycling(worker: PoolWorker): boolean {
    const budget = this.options.maxAttemptsPerWorker;
    if (worker.attemptsRun < budget) return false;
    if (worker.attemptsRun >= 2 * budget) return true;
    const agingAt = Math.max(1, Math.floor(budget * 0.8));
    return [...this.workers].some((w) => w !== worker && w.state === 'idle' && w.attemptsRun < agingAt);
  }

  private busyCount(): number {
    let busy = 0;
    for (const worker of this.workers) if (worker.attempt !== null) busy++;
    return busy;
  }

  private spawnWorker(): PoolWorker {
    // Filled in below: the callbacks need the worker, the worker needs the process.
    const worker = {} as PoolWorker;
    const proc = new WorkerProcess({
      entry: this.options.workerEntry,
      execArgv: this.options.execArgv,
      env: this.options.env,
      logger: this.logger,
      onMessage: (message) => this.onMessage(worker, message),
      onExit: (exit) => this.onExit(worker, exit),
    });
    Object.assign(worker, { proc, state: 'starting', attempt: null, attemptsRun: 0, readyWaiters: [] } satisfies PoolWorker);
    this.workers.add(worker);
    this.logger.debug('worker forked', { pid: proc.pid });
    return worker;
  }

  private waitReady(worker: PoolWorker): Promise<boolean> {
    if (worker.state !== 'starting') return Promise.resolve(!worker.proc.exited);
    return new Promise((resolve) => worker.readyWaiters.push(resolve));
  }

  private dispatch(worker: PoolWorker, attempt: Attempt): void {
    worker.state = 'busy';
    worker.attempt = attempt;
    attempt.worker = worker;
    attempt.heartbeatTimer = setTimeout(() => this.onSilent(attempt), this.options.heartbeatTimeoutMs);
    if (!worker.proc.send({ type: 'run', attemptId: attempt.attemptId, workload: attempt.workload })) {
      this.end(attempt, executorFailure('UPDRAFT_ERR_WORKER_DIED',
        `${describeAttempt(attempt.workload)} could not be handed to worker process ${worker.proc.pid}: its IPC channel is closed`, true));
    }
  }

  private onMessage(worker: PoolWorker, message: WorkerMessage): void {
    if (message.type === 'ready') {
      if (worker.state !== 'starting') return;
      worker.state = 'idle';
      this.startFailures = 0;
      for (const resolve of worker.readyWaiters.splice(0)) resolve(true);
      if (this.stopping) this.retire(worker);
      else this.pump();
      return;
    }
    const attempt = worker.attempt;
    if (attempt === null || attempt.attemptId !== message.attemptId || attempt.done) {
      this.logger.debug('ignoring a message for an attempt the worker is not running', { pid: worker.proc.pid, type: message.type, attemptId: message.attemptId });
      return;
    }
    attempt.heartbeatTimer?.refresh();
    switch (message.type) {
      case 'started':
        this.onStarted(attempt, message);
        return;
      case 'heartbeat':
        this.emit('onHeartbeat', () => this.events!.onHeartbeat(attempt.attemptId, attempt.workload, new Date()));
        return;
      case 'request':
        this.answer(worker, attempt, message);
        return;
      case 'finished':
        this.onWorkerFinished(worker, attempt, message);
        return;
      default: {
        const unknown: never = message;
        this.logger.warn('ignoring an unknown message from a worker', { pid: worker.proc.pid, message: unknown });
      }
    }
  }

  private onStarted(attempt: Attempt, message: Extract<WorkerMessage, { type: 'started' }>, at = new Date()): void {
    if (attempt.startedAt !== null || attempt.verdict !== null) return;
    attempt.startedAt = at;
    attempt.pid = message.pid;
    attempt.hostname = message.hostname;
    const timeoutMs = attempt.workload.executionTimeoutMs;
    if (timeoutMs !== null && timeoutMs > 0) {
      attempt.timeoutTimer = setTimeout(() => {
        this.end(attempt, executorFailure('UPDRAFT_ERR_TASK_TIMEOUT',
          `${describeAttempt(attempt.workload)} ran longer than its executionTimeout of ${formatDuration(timeoutMs)} (${timeoutMs} ms) and was killed`, true));
      }, timeoutMs);
    }
    this.emit('onStarted', () => this.events!.onStarted(attempt.attemptId, attempt.workload, { pid: message.pid, hostname: message.hostname, at }));
  }

  private answer(worker: PoolWorker, attempt: Attempt, message: Extract<WorkerMessage, { type: 'request' }>): void {
    const { requestId } = message;
    let pending: Promise<ExecutionReply>;
    try {
      pending = this.api!.handle(attempt.workload, message.request);
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending
      .catch((error: unknown): ExecutionReply => ({ ok: false, error: serializeError(error) }))
      .then((reply) => {
        if (worker.attempt !== attempt || attempt.done) return;
        worker.proc.send({ type: 'reply', attemptId: attempt.attemptId, requestId, reply });
      })
      .catch((error: unknown) => this.logger.error('could not reply to a worker request', { attemptId: attempt.attemptId, error: serializeError(error).message }));
  }

  private onWorkerFinished(worker: PoolWorker, attempt: Attempt, message: Extract<WorkerMessage, { type: 'finished' }>): void {
    // Once the executor has decided (timeout, kill, shutdown), that verdict stands; it is reported on exit.
    if (attempt.verdict !== null) return;
    const outcome = isTerminalOutcome(message.outcome)
      ? message.outcome
      : executorFailure('UPDRAFT_ERR_INTERNAL', `worker process ${worker.proc.pid} reported a malformed outcome for ${describeAttempt(attempt.workload)}: ${JSON.stringify(message.outcome)}`, true);
    // A quick attempt's start comes with its end: record it first, as if it had been reported.
    if (attempt.startedAt === null && message.started !== undefined) {
      this.onStarted(attempt, { type: 'started', attemptId: attempt.attemptId, ...message.started }, new Date(Date.now() - Math.max(0, message.durationMs)));
    }
    worker.attempt = null;
    worker.attemptsRun++;
    this.complete(attempt, outcome);
    if (this.stopping || this.dueForRecycling(worker)) {
      this.retire(worker);
    } else {
      worker.state = 'idle';
    }
    this.pump();
  }

  private onSilent(attempt: Attempt): void {
    const pid = attempt.worker?.proc.pid ?? 'unknown';
    this.end(attempt, executorFailure('UPDRAFT_ERR_WORKER_DIED',
      `${describeAttempt(attempt.workload)}: worker process ${pid} sent no heartbeat for ${formatDuration(this.options.heartbeatTimeoutMs)} (event loop blocked or process hung) and was killed`, true));
  }

  /** Ends an attempt with the executor's verdict: at once when queued, after the process is gone when running. */
  private end(attempt: Attempt, verdict: TerminalOutcome): void {
    if (attempt.done || attempt.verdict !== null) return;
    const worker = attempt.worker;
    if (worker === null) {
      this.queue = this.queue.filter((a) => a !== attempt);
      this.complete(attempt, verdict);
      return;
    }
    attempt.verdict = verdict;
    this.clearTimers(attempt);
    this.logger.info('killing worker', { pid: worker.proc.pid, attemptId: attempt.attemptId, reason: verdict.state === 'failed' ? verdict.error.message : verdict.state });
    worker.proc.terminate(this.options.killGraceMs);
  }

  private retire(worker: PoolWorker): void {
    worker.state = 'retiring';
    worker.proc.shutdown(this.options.killGraceMs);
  }

  private onExit(worker: PoolWorker, exit: WorkerExit): void {
    this.workers.delete(worker);
    const wasStarting = worker.state === 'starting';
    for (const resolve of worker.readyWaiters.splice(0)) resolve(false);
    const attempt = worker.attempt;
    if (attempt !== null && !attempt.done) {
      const verdict = attempt.verdict ?? executorFailure('UPDRAFT_ERR_WORKER_DIED', withStderr(
        `${describeAttempt(attempt.workload)} failed: its worker process ${worker.proc.pid} ${describeExit(exit)} while running it (process.exit() in task code, a crash, or out of memory)`,
        worker.proc.lastStderr), true);
      this.complete(attempt, verdict);
    } else if (worker.state !== 'retiring' && !this.stopping) {
      const level = wasStarting ? 'error' : 'warn';
      this.logger[level](wasStarting ? 'worker exited before it was ready' : 'idle worker exited', { pid: worker.proc.pid, exit: describeExit(exit), stderr: worker.proc.lastStderr });
    }
    if (wasStarting && !this.stopping) {
      this.startFailures++;
      if (this.startFailures >= MAX_START_FAILURES && this.queue.length > 0) {
        const message = withStderr(`the task worker process (${this.options.workerEntry}) ${describeExit(exit)} before it was ready, ${this.startFailures} times in a row`, worker.proc.lastStderr);
        for (const queued of this.queue.splice(0)) {
          this.complete(queued, executorFailure('UPDRAFT_ERR_WORKER_DIED', `${describeAttempt(queued.workload)} was not started: ${message}`, true));
        }
        this.startFailures = 0;
      }
    }
    this.pump();
    this.notifyChange();
  }

  private complete(attempt: Attempt, outcome: TerminalOutcome): void {
    if (attempt.done) return;
    attempt.done = true;
    this.clearTimers(attempt);
    this.attempts.delete(attempt.attemptId);
    const result: AttemptResult = {
      attemptId: attempt.attemptId,
      workload: attempt.workload,
      outcome,
      startedAt: attempt.startedAt,
      endedAt: new Date(),
      hostname: attempt.hostname,
      pid: attempt.pid,
    };
    this.emit('onFinished', () => this.events!.onFinished(result));
    this.notifyChange();
  }

  private clearTimers(attempt: Attempt): void {
    if (attempt.timeoutTimer !== null) clearTimeout(attempt.timeoutTimer);
    if (attempt.heartbeatTimer !== null) clearTimeout(attempt.heartbeatTimer);
    attempt.timeoutTimer = null;
    attempt.heartbeatTimer = null;
  }

  /**
   * Events go out in the order they happened, one microtask later: callers of submit/kill are never
   * re-entered, and an observer never sees the next attempt start before the one it replaced ended.
   */
  private emit(what: string, fn: () => void): void {
    this.outbox.push({ what, fn });
    if (this.outbox.length === 1) queueMicrotask(() => this.flush());
  }

  private flush(): void {
    for (let i = 0; i < this.outbox.length; i++) {
      const { what, fn } = this.outbox[i]!;
      try {
        fn();
      } catch (error) {
        this.logger.error(`the ${what} handler threw`, { error: serializeError(error).message });
      }
    }
    this.outbox = [];
  }
}
