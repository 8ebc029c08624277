import type { TaskState } from '../states.js';

/**
 * The execution channel: everything a task process needs to run an attempt comes in a Workload; it
 * talks back only with these messages (IPC for the local executor, the same JSON over HTTP for remote
 * workers). A task process never opens the metadata database.
 */
export interface Workload {
  dagId: string;
  runId: string;
  taskId: string;
  tryNumber: number;
  maxTries: number;
  /** Absolute path of the DAG file to import. */
  fileloc: string;
  /** Hash of the DAG version the run executes; the runtime warns when the file now differs. */
  dagVersionHash: string;
  logicalDate: string;
  dataIntervalStart: string;
  dataIntervalEnd: string;
  runType: string;
  conf: Record<string, unknown>;
  /** Absolute path of this attempt's log file. */
  logPath: string;
  /** Milliseconds; the executor kills the attempt after this. */
  executionTimeoutMs: number | null;
  /** For sensors: when the first attempt started (timeouts span reschedules). */
  firstAttemptAt: string | null;
  /** Whether this attempt is a rerun of a rescheduled sensor (not a new try). */
  isReschedule: boolean;
  /**
   * When the DAG processor last parsed `fileloc`, set only when that parse produced the version
   * this run executes. A file not modified since cannot define another version, so the runtime
   * skips re-serializing and hashing the DAG to compare versions (for a 10,000-task DAG that cost
   * each worker process about 230 ms of CPU). A change in a helper module the file imports is then
   * noticed once the DAG processor has parsed it again.
   */
  dagFileParsedAt?: string;
  /** Previous successful run's logical date etc. for templates (prev_ds). */
  prevLogicalDate: string | null;
  /** [smtp] settings of the scheduler's config, for EmailOperator defaults and failure/retry emails (absent: worker env, then defaults). */
  smtp?: { connId: string; mailFrom: string };
  /** [logging] remote logging: ship this attempt's log to <baseFolder>/<the log's relative path> while it runs. */
  remoteLog?: RemoteLogSettings;
}

export interface RemoteLogSettings {
  /** e.g. s3://bucket/logs */
  baseFolder: string;
  /** The connection of the remote store ([logging] remote_log_conn_id). */
  connId: string;
  /** [logging] delete_local_logs: remove the local file once it is uploaded. */
  deleteLocal: boolean;
}

export type TerminalOutcome =
  | { state: 'success' }
  /** Branch: ids of direct downstream tasks to follow; the others are skipped by the scheduler. */
  | { state: 'success'; followTaskIds: string[] }
  /** Short circuit with a falsy result: skip downstream (all or only direct ones). */
  | { state: 'success'; skipDownstream: 'all' | 'direct' }
  | { state: 'skipped'; reason: string }
  | { state: 'up_for_reschedule'; rescheduleAt: string }
  | { state: 'failed'; error: SerializedError; retryable: boolean };

export interface SerializedError {
  name: string;
  message: string;
  code: string | null;
  stack: string | null;
}

/** Requests a task process makes; each gets exactly one reply. */
export type ExecutionRequest =
  | { op: 'xcom.push'; key: string; value: string }
  | { op: 'xcom.pull'; taskId: string; key: string; runId?: string; dagId?: string }
  | { op: 'variable.get'; key: string }
  | { op: 'connection.get'; connId: string }
  | { op: 'dagrun.state'; dagId: string; logicalDate: string; taskId?: string };

export type ExecutionReply =
  | { ok: true; value: unknown }
  | { ok: false; error: SerializedError };

/** Messages from a task process to the executor. */
export type WorkerMessage =
  | { type: 'ready'; pid: number }
  | { type: 'started'; attemptId: string; pid: number; hostname: string }
  | { type: 'heartbeat'; attemptId: string }
  | { type: 'request'; attemptId: string; requestId: number; request: ExecutionRequest }
  /**
   * `started` is set when the attempt ended before its 'started' report was due (a worker reports
   * a start only once an attempt has run for a few milliseconds): the executor records both.
   */
  | { type: 'finished'; attemptId: string; outcome: TerminalOutcome; durationMs: number; started?: { pid: number; hostname: string } };

/** Messages from the executor to a task process. */
export type ExecutorMessage =
  | { type: 'run'; attemptId: string; workload: Workload }
  | { type: 'reply'; attemptId: string; requestId: number; reply: ExecutionReply }
  | { type: 'shutdown' };

/** Final report the executor gives the scheduler for an attempt. */
export interface AttemptResult {
  attemptId: string;
  workload: Workload;
  outcome: TerminalOutcome;
  startedAt: Date | null;
  endedAt: Date;
  hostname: string | null;
  pid: number | null;
}

export type AttemptEventState = Extract<TaskState, 'running'>;
