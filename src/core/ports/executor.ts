import type { AttemptResult, ExecutionReply, ExecutionRequest, Workload } from './execution-protocol.js';

/**
 * Where task attempts run. The scheduler submits workloads; the executor reports each attempt's start
 * and its one final result. Requests from the task (XCom, variables, connections) are answered by the
 * ExecutionApi the scheduler side provides.
 */
export interface ExecutionApi {
  handle(workload: Workload, request: ExecutionRequest): Promise<ExecutionReply>;
}

export interface ExecutorEvents {
  /** The attempt is running in a process (pid, host known). */
  onStarted(attemptId: string, workload: Workload, info: { pid: number; hostname: string; at: Date }): void;
  onHeartbeat(attemptId: string, workload: Workload, at: Date): void;
  /** Called exactly once per submitted attempt, whatever happens (crash, timeout, shutdown). */
  onFinished(result: AttemptResult): void;
}

export interface Executor {
  readonly name: string;
  /** Number of attempts that can start now without waiting. */
  freeSlots(): number;
  start(events: ExecutorEvents, api: ExecutionApi): Promise<void>;
  /** Accepts an attempt; it may wait for a free slot. attemptId is unique per attempt. */
  submit(attemptId: string, workload: Workload): void;
  /** Stops the attempt (SIGTERM, then SIGKILL after grace); it finishes as failed. */
  kill(attemptId: string, reason: string): void;
  /**
   * Graceful shutdown: no new attempts; running ones get `graceMs` to finish, then are killed and
   * reported failed (retryable) with UPDRAFT_ERR_SHUTDOWN. No process is left behind.
   */
  stop(graceMs: number): Promise<void>;
}
