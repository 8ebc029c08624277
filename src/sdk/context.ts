import { AsyncLocalStorage } from 'node:async_hooks';
import { UpdraftError } from '../common/errors.js';

/**
 * What a running task sees. Built by the runtime (src/runtime) for each attempt; user code reads it
 * with getContext() (TaskFlow) or receives it as the argument of execute(ctx) (operators).
 * Field names follow Airflow's template context, in camelCase; templates use Airflow's snake_case
 * names (ds, ds_nodash, ts, logical_date, data_interval_start, ...).
 */
export interface TaskLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface XComPullOptions {
  /** Default 'return_value'. */
  key?: string;
  /** Another run of the same DAG (default: this run). */
  runId?: string;
}

/** Services the runtime gives a task; in a worker they go over the execution channel. */
export interface TaskServices {
  xcomPush(key: string, value: unknown): Promise<void>;
  /** Resolves to undefined when the upstream task pushed nothing under that key. */
  xcomPull(taskId: string, options?: XComPullOptions): Promise<unknown>;
  /** Resolves to undefined when the variable does not exist. */
  getVariable(key: string): Promise<string | undefined>;
  /** The connection as a plain object (fields of the Connection model); undefined when missing. */
  getConnection(connId: string): Promise<Record<string, unknown> | undefined>;
  /** State of another DAG's run at a logical date (for ExternalTaskSensor); null when no such run. */
  externalState(dagId: string, logicalDate: Date, taskId?: string): Promise<string | null>;
  /** Registers a secret to mask in this task's log. */
  mask(value: string): void;
}

export interface DagRunInfo {
  dagId: string;
  runId: string;
  runType: string;
  logicalDate: Date;
  dataIntervalStart: Date;
  dataIntervalEnd: Date;
  conf: Record<string, unknown>;
}

export interface TaskInstanceInfo {
  dagId: string;
  taskId: string;
  runId: string;
  tryNumber: number;
  maxTries: number;
}

export interface TaskContext {
  dagId: string;
  taskId: string;
  runId: string;
  logicalDate: Date;
  dataIntervalStart: Date;
  dataIntervalEnd: Date;
  /** 'YYYY-MM-DD' of the logical date, in UTC (Airflow's ds). */
  ds: string;
  dsNodash: string;
  /** ISO-8601 of the logical date with offset (Airflow's ts). */
  ts: string;
  tsNodash: string;
  /** DAG params overlaid by task params overlaid by run conf. */
  params: Record<string, unknown>;
  conf: Record<string, unknown>;
  dagRun: DagRunInfo;
  ti: TaskInstanceInfo;
  /** Previous run's logical date (null for the first run). */
  prevLogicalDate: Date | null;
  /** Start of the first attempt (sensors measure their timeout from it). */
  firstAttemptAt: Date;
  /** Absolute path of the DAG file (Airflow's dag.fileloc): relative paths in operators (a `.sql` file) resolve against its folder. Undefined in unit-test contexts. */
  fileloc?: string;
  /** True when this attempt continues a rescheduled sensor. */
  isReschedule: boolean;
  log: TaskLogger;
  /** Signal aborted when the attempt is being killed (timeout, shutdown): stop work promptly. */
  signal: AbortSignal;
  services: TaskServices;
  xcomPush(key: string, value: unknown): Promise<void>;
  xcomPull<T = unknown>(taskId: string, options?: XComPullOptions): Promise<T | undefined>;
}

const storage = new AsyncLocalStorage<TaskContext>();

/** The context of the task running now. Throws UPDRAFT_ERR_NOT_IN_TASK outside a task. */
export function getContext(): TaskContext {
  const ctx = storage.getStore();
  if (ctx === undefined) {
    throw new UpdraftError('UPDRAFT_ERR_NOT_IN_TASK', 'getContext() was called outside a running task; call it inside a task function');
  }
  return ctx;
}

export interface GetVariableOptions {
  /** Parse the value as JSON (Airflow's deserialize_json). */
  json?: boolean;
  /** Returned when the variable does not exist (instead of throwing UPDRAFT_ERR_VARIABLE_NOT_FOUND). */
  default?: unknown;
}

/**
 * A variable of the running task, looked up as Airflow does: UPDRAFT_VAR_<KEY> in the task's
 * environment, then the configured secrets backends ([secrets] backends: env, then the metadata
 * database by default). A missing variable throws UPDRAFT_ERR_VARIABLE_NOT_FOUND unless `default` is
 * given; `json: true` parses the value (a value that is not JSON throws UPDRAFT_ERR_INVALID_ARGUMENT).
 * A variable whose key names a secret (password, token, api_key, …) is masked in the task log.
 */
export async function getVariable(key: string): Promise<string>;
export async function getVariable<T = string>(key: string, options: GetVariableOptions & { default: T; json?: false }): Promise<string | T>;
export async function getVariable<T = unknown>(key: string, options: GetVariableOptions & { json: true }): Promise<T>;
export async function getVariable(key: string, options?: GetVariableOptions): Promise<unknown>;
export async function getVariable(key: string, options: GetVariableOptions = {}): Promise<unknown> {
  const value = await getContext().services.getVariable(key);
  if (value === undefined) {
    if ('default' in options) return options.default;
    throw new UpdraftError('UPDRAFT_ERR_VARIABLE_NOT_FOUND',
      `variable ${JSON.stringify(key)} does not exist; define it (UPDRAFT_VAR_${key.toUpperCase()}, \`updraft variables set\`) or pass a default: getVariable(${JSON.stringify(key)}, { default: ... })`,
      { details: { key } });
  }
  if (options.json !== true) return value;
  try {
    return JSON.parse(value) as unknown;
  } catch (error) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `variable ${JSON.stringify(key)} was read with { json: true } but its value is not JSON: ${(error as Error).message}`,
      { details: { key } });
  }
}

/**
 * A connection as a task sees it: the fields of the connection model (`updraft/connections`), with
 * `extra` parsed. Its password and sensitive extras are masked in the task log.
 */
export interface TaskConnection {
  connId: string;
  connType: string;
  host: string | null;
  schema: string | null;
  login: string | null;
  password: string | null;
  port: number | null;
  extra: Record<string, unknown>;
  description: string | null;
  readonly [field: string]: unknown;
}

/**
 * The connection with this id, looked up as Airflow does: UPDRAFT_CONN_<ID> in the task's
 * environment (a URI, or JSON when it starts with `{`), then the configured secrets backends.
 * Throws UPDRAFT_ERR_CONNECTION_NOT_FOUND when no backend has it.
 */
export async function getConnection(connId: string): Promise<TaskConnection> {
  const connection = await getContext().services.getConnection(connId);
  if (connection === undefined) {
    throw new UpdraftError('UPDRAFT_ERR_CONNECTION_NOT_FOUND',
      `connection ${JSON.stringify(connId)} is not defined; define it with UPDRAFT_CONN_${connId.toUpperCase()} (a URI) or \`updraft connections add ${connId}\``,
      { details: { connId } });
  }
  return connection as TaskConnection;
}

/**
 * Registers a secret of the running task: from now on it is replaced by *** in the task's log
 * (values shorter than 5 characters are not masked: masking "abc" would shred ordinary text).
 */
export function mask(value: string): void {
  getContext().services.mask(value);
}

const endCallbacks = new WeakMap<TaskContext, (() => unknown)[]>();

/**
 * Runs `fn` when the running task ends, whether it succeeded or failed, before the attempt is
 * reported (hooks close their connections this way). Callbacks run in reverse order of
 * registration; one that throws or hangs (10 s) is logged and does not change the outcome.
 * Outside a running task it does nothing and returns false: the caller must clean up itself.
 */
export function onTaskEnd(fn: () => unknown): boolean {
  const ctx = storage.getStore();
  if (ctx === undefined) return false;
  const list = endCallbacks.get(ctx);
  if (list === undefined) endCallbacks.set(ctx, [fn]);
  else list.push(fn);
  return true;
}

/** @internal Used by the runtime: takes the callbacks registered with onTaskEnd for this context. */
export function takeTaskEndCallbacks(ctx: TaskContext): (() => unknown)[] {
  const list = endCallbacks.get(ctx) ?? [];
  endCallbacks.delete(ctx);
  return list.reverse();
}

/** @internal Used by the runtime to run a task body with its context. */
export function runWithContext<T>(ctx: TaskContext, fn: () => T): T {
  return storage.run(ctx, fn);
}
