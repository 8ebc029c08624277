import { UpdraftError } from '../common/errors.js';
import { Connection, EnvSecretsBackend, type ConnectionFields } from '../connections/index.js';
import { decodeXCom, encodeXCom } from '../common/xcom-codec.js';
import type { Workload } from '../core/ports/execution-protocol.js';
import { isSensitiveName, type SecretMasker } from '../logs/secret-masker.js';
import type { TaskLogWriter } from '../logs/task-log-writer.js';
import type { TaskContext, TaskLogger, TaskServices, XComPullOptions } from '../sdk/context.js';
import type { AttemptChannel } from './attempt-channel.js';
import { formatDs, formatDsNodash, formatTs, formatTsNodash } from './date-format.js';

/**
 * Whether a task reads UPDRAFT_CONN_<ID> / UPDRAFT_VAR_<KEY> from its own environment before asking
 * the scheduler: when env is the first of `[secrets] backends` (the default), which the composition
 * root passes on as UPDRAFT__SECRETS__BACKENDS. A remote worker's environment is then what counts, as
 * in Airflow, where secrets are read on the worker. With another order (or without env) every lookup
 * goes over the channel to the scheduler's chain, so both sides follow one order.
 */
export function taskReadsOwnEnvironment(env: NodeJS.ProcessEnv = process.env): boolean {
  const configured = env.UPDRAFT__SECRETS__BACKENDS;
  if (configured === undefined) return true;
  return configured.split(',').map((name) => name.trim()).filter((name) => name !== '')[0] === 'env';
}

type SecretSink = Pick<SecretMasker, 'add'>;

const secretListeners = new Set<(secret: string) => void>();

/**
 * Hears every secret a task's log masker learns in this process (connection passwords and
 * sensitive extras, sensitive variables, values given to mask()). The CLI uses it when it runs
 * tasks in its own process (`dags test`), where a task's console output reaches the terminal
 * rather than its log. Returns the function that stops listening.
 */
export function onTaskSecret(listener: (secret: string) => void): () => void {
  secretListeners.add(listener);
  return () => secretListeners.delete(listener);
}

/** Task services over the execution channel; secrets read through them are masked in the log. */
export function channelServices(channel: AttemptChannel, logMasker: SecretMasker): TaskServices {
  const masker: SecretSink = {
    add(value) {
      logMasker.add(value);
      if (typeof value === 'string') for (const listener of secretListeners) listener(value);
    },
  };
  const ownEnvironment = taskReadsOwnEnvironment() ? new EnvSecretsBackend(process.env) : null;
  return {
    async xcomPush(key, value) {
      if (typeof key !== 'string' || key === '') {
        throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `xcomPush needs a non-empty string key; got ${JSON.stringify(key)}`);
      }
      await channel.request({ op: 'xcom.push', key, value: encodeXCom(value) });
    },
    async xcomPull(taskId, options: XComPullOptions = {}) {
      const request: { op: 'xcom.pull'; taskId: string; key: string; runId?: string } = {
        op: 'xcom.pull', taskId, key: options.key ?? 'return_value',
      };
      if (options.runId !== undefined) request.runId = options.runId;
      const value = await channel.request(request);
      if (value === null || value === undefined) return undefined;
      return typeof value === 'string' ? decodeXCom(value) : value;
    },
    async getVariable(key) {
      let text = (await ownEnvironment?.getVariable(key)) ?? undefined;
      if (text === undefined) {
        const value = await channel.request({ op: 'variable.get', key });
        if (value === null || value === undefined) return undefined;
        text = typeof value === 'string' ? value : JSON.stringify(value);
      }
      // Airflow masks variables whose key looks sensitive (DB_PASSWORD, api_key, …).
      if (isSensitiveName(key)) masker.add(text);
      return text;
    },
    async getConnection(connId) {
      const own = (await ownEnvironment?.getConnection(connId)) ?? null;
      if (own !== null) {
        for (const secret of own.secrets()) masker.add(secret);
        return own.toObject();
      }
      const value = await channel.request({ op: 'connection.get', connId });
      if (value === null || value === undefined || typeof value !== 'object') return undefined;
      const connection = value as Record<string, unknown>;
      maskConnection(connection, masker);
      return connection;
    },
    async externalState(dagId, logicalDate, taskId) {
      const request: { op: 'dagrun.state'; dagId: string; logicalDate: string; taskId?: string } = {
        op: 'dagrun.state', dagId, logicalDate: logicalDate.toISOString(),
      };
      if (taskId !== undefined) request.taskId = taskId;
      const state = await channel.request(request);
      return typeof state === 'string' ? state : null;
    },
    mask(value) {
      masker.add(value);
    },
  };
}

/**
 * Registers a connection's secrets (its password, the values of extras with sensitive names) with
 * the masker, as the connection model names them; a plain object that is not a valid connection
 * (a test double, an older scheduler) still gets its password and sensitive extras masked.
 */
function maskConnection(fields: Record<string, unknown>, masker: SecretSink): void {
  try {
    for (const secret of new Connection(fields as unknown as ConnectionFields).secrets()) masker.add(secret);
  } catch {
    // Not a valid connection: the password and sensitive extras below are still masked.
  }
  if (typeof fields.password === 'string') masker.add(fields.password);
  maskSensitiveExtra(fields.extra, masker);
}

/** Masks values of extra keys with sensitive names (password, token, private_key, …), deeply. */
function maskSensitiveExtra(extra: unknown, masker: SecretSink): void {
  let value = extra;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      return;
    }
  }
  const walk = (node: unknown, sensitive: boolean): void => {
    if (typeof node === 'string') {
      if (sensitive) masker.add(node);
    } else if (Array.isArray(node)) {
      for (const item of node) walk(item, sensitive);
    } else if (typeof node === 'object' && node !== null) {
      for (const [key, item] of Object.entries(node)) walk(item, sensitive || isSensitiveName(key));
    }
  };
  walk(value, false);
}

export function taskLogger(writer: TaskLogWriter): TaskLogger {
  const line = (message: unknown): string => (typeof message === 'string' ? message : String(message));
  return {
    debug: (message) => writer.log('task', 'debug', line(message)),
    info: (message) => writer.log('task', 'info', line(message)),
    warn: (message) => writer.log('task', 'warn', line(message)),
    error: (message) => writer.log('task', 'error', line(message)),
  };
}

export interface BuildContextOptions {
  workload: Workload;
  params: Record<string, unknown>;
  services: TaskServices;
  log: TaskLogger;
  signal: AbortSignal;
  /** When this attempt started (firstAttemptAt of a first attempt). */
  startedAt: Date;
}

function parseInstant(value: string, what: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `workload ${what} ${JSON.stringify(value)} is not an ISO-8601 date`);
  }
  return date;
}

/** The frozen context a task sees (getContext(), execute(ctx)). */
export function buildTaskContext(options: BuildContextOptions): TaskContext {
  const { workload, services } = options;
  const logicalDate = parseInstant(workload.logicalDate, 'logicalDate');
  const dataIntervalStart = parseInstant(workload.dataIntervalStart, 'dataIntervalStart');
  const dataIntervalEnd = parseInstant(workload.dataIntervalEnd, 'dataIntervalEnd');
  const conf = Object.freeze({ ...workload.conf });
  const ctx: TaskContext = {
    dagId: workload.dagId,
    taskId: workload.taskId,
    runId: workload.runId,
    logicalDate,
    dataIntervalStart,
    dataIntervalEnd,
    ds: formatDs(logicalDate),
    dsNodash: formatDsNodash(logicalDate),
    ts: formatTs(logicalDate),
    tsNodash: formatTsNodash(logicalDate),
    params: Object.freeze({ ...options.params }),
    conf,
    dagRun: Object.freeze({
      dagId: workload.dagId,
      runId: workload.runId,
      runType: workload.runType,
      logicalDate,
      dataIntervalStart,
      dataIntervalEnd,
      conf,
    }),
    ti: Object.freeze({
      dagId: workload.dagId,
      taskId: workload.taskId,
      runId: workload.runId,
      tryNumber: workload.tryNumber,
      maxTries: workload.maxTries,
    }),
    prevLogicalDate: workload.prevLogicalDate === null ? null : parseInstant(workload.prevLogicalDate, 'prevLogicalDate'),
    firstAttemptAt: workload.firstAttemptAt === null ? options.startedAt : parseInstant(workload.firstAttemptAt, 'firstAttemptAt'),
    fileloc: workload.fileloc,
    isReschedule: workload.isReschedule,
    log: options.log,
    signal: options.signal,
    services,
    xcomPush: (key, value) => services.xcomPush(key, value),
    xcomPull: async <T>(taskId: string, pull?: XComPullOptions) => (await services.xcomPull(taskId, pull)) as T | undefined,
  };
  return Object.freeze(ctx);
}
