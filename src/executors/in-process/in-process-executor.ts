import { hostname } from 'node:os';
import { formatDuration } from '../../common/duration.js';
import { UpdraftError, isUpdraftError, toError } from '../../common/errors.js';
import { silentLogger, type Logger } from '../../common/logger.js';
import type { ExecutionApi, Executor, ExecutorEvents } from '../../core/ports/executor.js';
import type { AttemptResult, ExecutionRequest, TerminalOutcome, Workload } from '../../core/ports/execution-protocol.js';
import { describeAttempt, errorFromSerialized, executorFailure, isTerminalOutcome } from '../attempt-outcomes.js';

/** How a task running in this process talks back (XCom, variables, connections). */
export interface ExecutionChannel {
  /** Resolves to the reply's value; rejects with an Error rebuilt from an `{ ok: false }` reply. */
  request(request: ExecutionRequest): Promise<unknown>;
}

/** Runs one attempt to its end; the runtime's implementation is injected by the composition root. */
export type RunAttempt = (
  workload: Workload,
  channel: ExecutionChannel,
  options: { signal: AbortSignal },
) => Promise<{ outcome: TerminalOutcome; durationMs: number }>;

export interface InProcessExecutorOptions {
  runAttempt: RunAttempt;
  /** Attempts running at once. Default 1 (one task at a time is what a debugger wants). */
  parallelism?: number;
  /**
   * After aborting an attempt (timeout, kill, shutdown), how long to wait for runAttempt to settle
   * before reporting it anyway: code in this process cannot be killed, only asked to stop. Default 5000.
   */
  killGraceMs?: number;
  /** How often running attempts report a heartbeat (they are alive as long as this process is). Default 5000. */
  heartbeatIntervalMs?: number;
  logger?: Logger;
}

interface Attempt {
  readonly attemptId: string;
  readonly workload: Workload;
  readonly controller: AbortController;
  startedAt: Date | null;
  verdict: TerminalOutcome | null;
  timers: NodeJS.Timeout[];
  done: boolean;
}

/**
 * Runs attempts inside the current process: no fork, so breakpoints in task code work (`dags test`).
 * Same contract as the other executors: onStarted, then exactly one onFinished per submitted attempt.
 */
export class InProcessExecutor implements Executor {
  readonly name = 'in_process';
  private readonly runAttempt: RunAttempt;
  private readonly parallelism: number;
  private readonly killGraceMs: number;
  private readonly heartbeatIntervalMs: number;
  private readonly logger: Logger;
  private events: ExecutorEvents | null = null;
  private api: ExecutionApi | null = null;
  private readonly attempts = new Map<string, Attempt>();
  private queue: Attempt[] = [];
  private running = 0;
  private stopping = false;
  private stopPromise: Promise<void> | null = null;
  private readonly changeWaiters: Array<() => void> = [];
  private outbox: Array<{ what: string; fn: () => void }> = [];

  constructor(options: InProcessExecutorOptions) {
    const parallelism = options.parallelism ?? 1;
    if (!Number.isInteger(parallelism) || parallelism < 1) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `InProcessExecutor parallelism is ${JSON.stringify(parallelism)}; it must be a whole number ≥ 1`);
    }
    this.runAttempt = options.runAttempt;
    this.parallelism = parallelism;
    this.killGraceMs = options.killGraceMs ?? 5000;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 5000;
    this.logger = (options.logger ?? silentLogger).child('executor.in_process');
  }

  freeSlots(): number {
    if (this.stopping) return 0;
    return Math.max(0, this.parallelism - this.attempts.size);
  }

  async start(events: ExecutorEvents, api: ExecutionApi): Promise<void> {
    if (this.events !== null) throw new UpdraftError('UPDRAFT_ERR_INTERNAL', 'InProcessExecutor.start() was called twice');
    this.events = events;
    this.api = api;
  }

  submit(attemptId: string, workload: Workload): void {
    if (this.events === null) throw new UpdraftError('UPDRAFT_ERR_INTERNAL', `InProcessExecutor.submit(${attemptId}) was called before start()`);
    if (this.attempts.has(attemptId)) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `attempt id ${JSON.stringify(attemptId)} was submitted twice; attempt ids must be unique`);
    }
    const attempt: Attempt = { attemptId, workload, controller: new AbortController(), startedAt: null, verdict: null, timers: [], done: false };
    this.attempts.set(attemptId, attempt);
    if (this.stopping) {
      this.complete(attempt, executorFailure('UPDRAFT_ERR_SHUTDOWN', `${describeAttempt(workload)} was not started: the executor is shutting down`, true));
      return;
    }
    this.queue.push(attempt);
    this.pump();
  }

  kill(attemptId: string, reason: string): void {
    const attempt = this.attempts.get(attemptId);
    if (attempt === undefined || attempt.done) return;
    this.end(attempt, executorFailure('UPDRAFT_ERR_TASK_FAIL_NO_RETRY', `${describeAttempt(attempt.workload)} was killed: ${reason}`, false));
  }

  stop(graceMs: number): Promise<void> {
    this.stopPromise ??= this.shutdown(graceMs);
    return this.stopPromise;
  }

  private async shutdown(graceMs: number): Promise<void> {
    this.stopping = true;
    for (const attempt of this.queue.splice(0)) {
      this.complete(attempt, executorFailure('UPDRAFT_ERR_SHUTDOWN', `${describeAttempt(attempt.workload)} was not started: the executor is shutting down`, true));
    }
    await this.waitForIdle(graceMs);
    for (const attempt of [...this.attempts.values()]) {
      this.end(attempt, executorFailure('UPDRAFT_ERR_SHUTDOWN',
        `${describeAttempt(attempt.workload)} was interrupted: the executor shut down and the attempt did not finish within the grace period of ${formatDuration(graceMs)}`, true));
    }
    await this.waitForIdle(null);
  }

  private waitForIdle(timeoutMs: number | null): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | null = null;
      const check = (): void => {
        if (this.attempts.size === 0) {
          if (timer !== null) clearTimeout(timer);
          resolve();
        } else {
          this.changeWaiters.push(check);
        }
      };
      if (timeoutMs !== null) {
        timer = setTimeout(() => {
          const index = this.changeWaiters.indexOf(check);
          if (index >= 0) this.changeWaiters.splice(index, 1);
          resolve();
        }, timeoutMs);
      }
      check();
    });
  }

  private pump(): void {
    while (!this.stopping && this.running < this.parallelism && this.queue.length > 0) {
      this.run(this.queue.shift()!);
    }
  }

  private run(attempt: Attempt): void {
    this.running++;
    const { workload } = attempt;
    const at = new Date();
    attempt.startedAt = at;
    this.emit('onStarted', () => this.events!.onStarted(attempt.attemptId, workload, { pid: process.pid, hostname: hostname(), at }));
    const heartbeat = setInterval(() => {
      this.emit('onHeartbeat', () => this.events!.onHeartbeat(attempt.attemptId, workload, new Date()));
    }, this.heartbeatIntervalMs);
    attempt.timers.push(heartbeat);
    const timeoutMs = workload.executionTimeoutMs;
    if (timeoutMs !== null && timeoutMs > 0) {
      attempt.timers.push(setTimeout(() => {
        this.end(attempt, executorFailure('UPDRAFT_ERR_TASK_TIMEOUT',
          `${describeAttempt(workload)} ran longer than its executionTimeout of ${formatDuration(timeoutMs)} (${timeoutMs} ms) and was aborted`, true));
      }, timeoutMs));
    }
    const channel: ExecutionChannel = {
      request: async (request) => {
        const reply = await this.api!.handle(workload, request);
        if (reply.ok) return reply.value;
        throw errorFromSerialized(reply.error);
      },
    };
    Promise.resolve()
      .then(() => this.runAttempt(workload, channel, { signal: attempt.controller.signal }))
      .then(
        (result) => this.settle(attempt, isTerminalOutcome(result?.outcome)
          ? result.outcome
          : executorFailure('UPDRAFT_ERR_INTERNAL', `runAttempt returned a malformed outcome for ${describeAttempt(workload)}: ${JSON.stringify(result)}`, true)),
        (error: unknown) => {
          const e = toError(error);
          this.settle(attempt, {
            state: 'failed', retryable: true,
            error: { name: e.name, message: `${describeAttempt(workload)} failed in the runtime: ${e.message}`, code: isUpdraftError(e) ? e.code : 'UPDRAFT_ERR_INTERNAL', stack: e.stack ?? null },
          });
        },
      );
  }

  /** runAttempt settled: its outcome counts unless the executor already decided otherwise. */
  private settle(attempt: Attempt, outcome: TerminalOutcome): void {
    if (attempt.done) {
      this.logger.debug('an aborted attempt settled after it was reported', { attemptId: attempt.attemptId });
      return;
    }
    this.complete(attempt, attempt.verdict ?? outcome);
  }

  private end(attempt: Attempt, verdict: TerminalOutcome): void {
    if (attempt.done || attempt.verdict !== null) return;
    if (attempt.startedAt === null) {
      this.queue = this.queue.filter((a) => a !== attempt);
      this.complete(attempt, verdict);
      return;
    }
    attempt.verdict = verdict;
    attempt.controller.abort(verdict.state === 'failed' ? errorFromSerialized(verdict.error) : new Error(verdict.state));
    attempt.timers.push(setTimeout(() => {
      if (attempt.done) return;
      this.logger.warn('an aborted attempt did not stop within the grace period; it is reported but its code may still be running in this process',
        { attemptId: attempt.attemptId, killGraceMs: this.killGraceMs });
      this.complete(attempt, verdict);
    }, this.killGraceMs));
  }

  private complete(attempt: Attempt, outcome: TerminalOutcome): void {
    if (attempt.done) return;
    attempt.done = true;
    for (const timer of attempt.timers) clearTimeout(timer);
    attempt.timers = [];
    this.attempts.delete(attempt.attemptId);
    if (attempt.startedAt !== null) this.running--;
    const result: AttemptResult = {
      attemptId: attempt.attemptId, workload: attempt.workload, outcome, startedAt: attempt.startedAt,
      endedAt: new Date(), hostname: attempt.startedAt === null ? null : hostname(), pid: attempt.startedAt === null ? null : process.pid,
    };
    this.emit('onFinished', () => this.events!.onFinished(result));
    for (const check of this.changeWaiters.splice(0)) check();
    this.pump();
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
        this.logger.error(`the ${what} handler threw`, { error: toError(error).message });
      }
    }
    this.outbox = [];
  }
}
