import { statSync, type Stats } from 'node:fs';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { formatDuration } from '../common/duration.js';
import { UpdraftError, isUpdraftError, toError } from '../common/errors.js';
import type { TerminalOutcome, Workload } from '../core/ports/execution-protocol.js';
import { SecretMasker } from '../logs/secret-masker.js';
import { TaskLogWriter } from '../logs/task-log-writer.js';
import type { BaseOperator } from '../sdk/base-operator.js';
import { runWithContext, takeTaskEndCallbacks, type TaskContext } from '../sdk/context.js';
import type { Dag } from '../sdk/dag.js';
import { serializeTaskError, type AttemptChannel } from './attempt-channel.js';
import { buildTaskContext, channelServices, taskLogger } from './build-context.js';
import { loadDagModule } from './dag-loader.js';
import { captureProcessOutput } from './output-capture.js';
import { startRemoteLog } from './remote-log.js';
import { resolveAttemptParams } from './attempt-params.js';
import { checkDagVersion } from './dag-version.js';
import { sendAttemptEmail, withSmtpDefaults } from './failure-email.js';
import { applyRenderedFields } from './task-fields.js';
import { TemplateRenderer } from './templates.js';

export interface RunAttemptOptions {
  /** Aborts the attempt (shutdown, kill, an uncaught error in user code): it ends failed with the signal's reason. */
  signal: AbortSignal;
  /** Also receives every log line as it is written (`dags test`). */
  tee?: (line: string) => void;
  /** Redirect process.stdout/stderr (and so console.*) into the task log during the attempt. */
  captureProcessOutput: boolean;
  /** After an abort, how long the task gets to stop (kill its children, clean up) before the attempt ends anyway. Default 3000 ms. */
  abortGraceMs?: number;
}

export interface AttemptSummary {
  outcome: TerminalOutcome;
  durationMs: number;
}

type Failed = Extract<TerminalOutcome, { state: 'failed' }>;

/**
 * Runs one task attempt to its end and says how it ended; it never throws. Steps: open the log,
 * import the DAG file (cached per file mtime), find the task, build the context (params = DAG param
 * defaults < task params < run conf), render the templated fields, run execute() inside the context,
 * push the return value to XCom, and map the result or the error to a TerminalOutcome.
 */
export async function runAttempt(workload: Workload, channel: AttemptChannel, options: RunAttemptOptions): Promise<AttemptSummary> {
  const startedAt = new Date();
  const began = performance.now();
  const elapsed = (): number => Math.round(performance.now() - began);
  const masker = new SecretMasker();
  let writer: TaskLogWriter;
  try {
    writer = await TaskLogWriter.open(workload.logPath, options.tee === undefined ? { masker } : { masker, tee: options.tee });
  } catch (error) {
    const cause = toError(error);
    const outcome = failure(new UpdraftError('UPDRAFT_ERR_CONFIG',
      `could not open the log file ${workload.logPath} of task ${workload.taskId}: ${cause.message}; check [logging] base_log_folder and its permissions`,
      { cause }), true, masker);
    return { outcome, durationMs: elapsed() };
  }

  // Only with remote logging: most attempts skip building services just to look up its connection.
  const remoteLog = workload.remoteLog === undefined ? null : await startRemoteLog(workload, { writer, services: channelServices(channel, masker) });
  const restoreOutput = options.captureProcessOutput ? captureProcessOutput(writer) : null;
  let outcome: TerminalOutcome;
  try {
    outcome = await withSmtpDefaults(workload, () => attempt(workload, channel, { options, state: { writer, masker, startedAt } }));
  } catch (error) {
    // attempt() maps every failure itself; reaching here is a bug in the runtime.
    outcome = failure(new UpdraftError('UPDRAFT_ERR_INTERNAL', `the task runtime failed: ${toError(error).message}`, { cause: error }), true, masker);
    logError(writer, 'Updraft failed while running the task', error);
  } finally {
    restoreOutput?.();
  }
  const durationMs = elapsed();
  logEnd(writer, workload, { outcome, durationMs });
  await sendAttemptEmail(workload, { outcome, channel, writer, masker });
  await writer.close();
  await remoteLog?.finish();
  return { outcome, durationMs };
}

interface AttemptState {
  writer: TaskLogWriter;
  masker: SecretMasker;
  startedAt: Date;
}

async function attempt(workload: Workload, channel: AttemptChannel, context: { options: RunAttemptOptions; state: AttemptState }): Promise<TerminalOutcome> {
  const { options, state } = context;
  const { writer, masker } = state;
  const log = (level: 'info' | 'warn' | 'error', message: string): void => writer.log('updraft', level, message);
  log('info', `Attempt ${workload.tryNumber} of ${workload.maxTries} of task ${workload.taskId} in run ${workload.runId} (dag ${workload.dagId})`
    + (workload.isReschedule ? ', continuing a rescheduled sensor' : ''));
  log('info', `Running in process ${process.pid} on ${hostname()}; logical date ${workload.logicalDate}; DAG file ${workload.fileloc}`);
  const failed = (error: unknown, retryable: boolean, headline: string): Failed => {
    logError(writer, headline, error);
    return failure(error, retryable, masker);
  };

  // 1. The DAG. Import errors may be fixed by the next deployment: retryable.
  let dag: Dag;
  let fileMtimeMs: number;
  try {
    let info: Stats;
    try {
      // Synchronous: one local syscall, on every attempt's start-up path.
      info = statSync(workload.fileloc);
    } catch (error) {
      throw new UpdraftError('UPDRAFT_ERR_DAG_IMPORT', `DAG file ${workload.fileloc} cannot be read: ${toError(error).message}`, { cause: error });
    }
    const dags = await loadDagModule(workload.fileloc, String(info.mtimeMs));
    const found = dags.find((d) => d.dagId === workload.dagId);
    if (found === undefined) {
      return failed(new UpdraftError('UPDRAFT_ERR_DAG_NOT_FOUND',
        `DAG file ${workload.fileloc} does not define DAG ${JSON.stringify(workload.dagId)} any more; it defines ${dags.map((d) => JSON.stringify(d.dagId)).join(', ') || 'no DAG'}`,
        { details: { dagId: workload.dagId, file: workload.fileloc } }), false, 'The DAG is gone');
    }
    dag = found;
    fileMtimeMs = info.mtimeMs;
  } catch (error) {
    return failed(error, true, 'The DAG file could not be imported');
  }
  const versionWarning = await checkDagVersion(dag, workload, fileMtimeMs);
  if (versionWarning !== null) log('warn', versionWarning);

  // 2. The task: a task removed from the DAG will not come back by retrying.
  let task: BaseOperator<unknown>;
  try {
    task = dag.getTask(workload.taskId);
  } catch (error) {
    return failed(isUpdraftError(error) ? error : new UpdraftError('UPDRAFT_ERR_TASK_NOT_FOUND',
      `DAG ${JSON.stringify(workload.dagId)} has no task ${JSON.stringify(workload.taskId)}`, { cause: error }), false, 'The task is gone');
  }

  // 3. Context and templates.
  let params: Record<string, unknown>;
  try {
    params = resolveAttemptParams(dag, task, workload.conf);
  } catch (error) {
    return failed(error, false, 'The params of the task are invalid');
  }
  let ctx: TaskContext;
  let rendered: Map<string, unknown>;
  try {
    const services = channelServices(channel, masker);
    ctx = buildTaskContext({
      workload,
      params,
      services,
      log: taskLogger(writer),
      signal: options.signal,
      startedAt: state.startedAt,
    });
    // Inside the task's context: fields read at render time (a .sql file) can find the DAG file's folder.
    const renderCtx = ctx;
    rendered = await runWithContext(renderCtx, () => renderFields(task, { dag, ctx: renderCtx, fileloc: workload.fileloc }));
  } catch (error) {
    return failed(error, true, 'The task could not be prepared');
  }

  // 4. Execute.
  let result: unknown;
  const applied = await applyRenderedFields(task, rendered);
  try {
    const target = applied.target as BaseOperator<unknown>;
    const execution = runWithContext(ctx, async () => task.execute.call(target, ctx));
    result = await untilSettledOrAborted(execution, options.signal, options.abortGraceMs ?? 3000);
  } catch (error) {
    return mapTaskError(options.signal.aborted ? abortReason(options.signal) : error, writer, masker);
  } finally {
    applied.restore();
    await runTaskEndCallbacks(ctx, writer);
  }

  // 5. Result.
  let outcome: TerminalOutcome = { state: 'success' };
  if (task.kind === 'branch') {
    const follow = branchTargets(task, result);
    if (follow instanceof Error) return failed(follow, true, 'The branch returned a task that is not a direct downstream task');
    outcome = { state: 'success', followTaskIds: follow };
    log('info', follow.length === 0
      ? 'Branch follows no task: every direct downstream task will be skipped'
      : `Branch follows ${follow.join(', ')}`);
  } else if (task.kind === 'short_circuit' && !result) {
    const skipDownstream = task.ignoreDownstreamTriggerRules === false ? 'direct' : 'all';
    outcome = { state: 'success', skipDownstream };
    log('info', `Condition is falsy (${describeValue(result)}): skipping ${skipDownstream === 'all' ? 'all downstream tasks' : 'the direct downstream tasks'}`);
  } else if (task.kind === 'short_circuit') {
    log('info', 'Condition is truthy: downstream tasks proceed');
  }
  if (result !== undefined) {
    try {
      await ctx.services.xcomPush('return_value', result);
    } catch (error) {
      return failed(error, true, 'The return value could not be pushed to XCom');
    }
  }
  return outcome;
}

const TASK_END_CALLBACK_TIMEOUT_MS = 10_000;

/** Runs what the task registered with onTaskEnd (closing hooks' connections); never throws. */
async function runTaskEndCallbacks(ctx: TaskContext, writer: TaskLogWriter): Promise<void> {
  for (const fn of takeTaskEndCallbacks(ctx)) {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(fn),
        new Promise((_resolve, reject) => {
          timer = setTimeout(() => reject(new Error(`it did not finish within ${TASK_END_CALLBACK_TIMEOUT_MS / 1000} s`)), TASK_END_CALLBACK_TIMEOUT_MS);
        }),
      ]);
    } catch (error) {
      writer.log('updraft', 'warn', `A task-end callback failed (the task's outcome stands): ${toError(error).message}`);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }
}

async function renderFields(task: BaseOperator<unknown>, at: { dag: Dag; ctx: TaskContext; fileloc: string }): Promise<Map<string, unknown>> {
  const { dag, ctx, fileloc } = at;
  const rendered = new Map<string, unknown>();
  const fields = Array.isArray(task.templateFields) ? task.templateFields : [];
  if (fields.length === 0) return rendered;
  const renderer = new TemplateRenderer({
    ctx,
    task: {
      taskId: task.taskId,
      operator: task.operatorName,
      owner: task.resolved.owner,
      retries: task.resolved.retries,
      queue: task.resolved.queue,
      pool: task.resolved.pool,
      params: { ...task.resolved.params },
    },
    dag: { dagId: dag.dagId, fileloc, tags: dag.resolved.tags, description: dag.resolved.description },
    lookups: {
      getVariable: (key) => ctx.services.getVariable(key),
      getConnection: (connId) => ctx.services.getConnection(connId),
      xcomPull: (taskId, options) => ctx.services.xcomPull(taskId, options.runId === undefined ? { key: options.key } : { key: options.key, runId: options.runId }),
    },
  });
  for (const field of fields) {
    const value = (task as unknown as Record<string, unknown>)[field];
    if (value === undefined || value === null) continue;
    rendered.set(field, await renderer.render(value, field));
  }
  return rendered;
}

/** Waits for the task; after an abort it waits at most `graceMs` more, then gives up on it. */
function untilSettledOrAborted<T>(execution: Promise<T>, signal: AbortSignal, graceMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let graceTimer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      graceTimer = setTimeout(() => reject(abortReason(signal)), graceMs);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    execution.then(
      (value) => {
        if (graceTimer !== undefined) clearTimeout(graceTimer);
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) reject(abortReason(signal));
        else resolve(value);
      },
      (error: unknown) => {
        if (graceTimer !== undefined) clearTimeout(graceTimer);
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name !== 'AbortError') return reason;
  return new UpdraftError('UPDRAFT_ERR_SHUTDOWN', 'The attempt was interrupted before the task finished (the worker is stopping)');
}

/** Maps what execute() threw to an outcome: the control-flow errors by code, never by message. */
function mapTaskError(error: unknown, writer: TaskLogWriter, masker: SecretMasker): TerminalOutcome {
  const code = isUpdraftError(error) ? error.code : null;
  switch (code) {
    case 'UPDRAFT_ERR_TASK_SKIPPED': {
      const reason = masker.mask(toError(error).message);
      writer.log('updraft', 'info', `Task skipped: ${reason}`);
      return { state: 'skipped', reason };
    }
    case 'UPDRAFT_ERR_TASK_RESCHEDULED': {
      const at = (error as { rescheduleAt?: unknown }).rescheduleAt;
      const iso = at instanceof Date && !Number.isNaN(at.getTime()) ? at.toISOString()
        : typeof (error as UpdraftError).details.rescheduleAt === 'string' ? String((error as UpdraftError).details.rescheduleAt) : null;
      if (iso !== null) {
        writer.log('updraft', 'info', `Task rescheduled to ${iso}`);
        return { state: 'up_for_reschedule', rescheduleAt: iso };
      }
      break;
    }
    case 'UPDRAFT_ERR_TASK_FAIL_NO_RETRY':
    case 'UPDRAFT_ERR_SENSOR_TIMEOUT':
      logError(writer, 'Task failed; it will not be retried', error);
      return failure(error, false, masker);
    default:
      break;
  }
  logError(writer, 'Task failed', error);
  return failure(error, true, masker);
}

/** Branch results: a task id, a list of them, or null / [] for none; each a direct downstream task. */
function branchTargets(task: BaseOperator<unknown>, result: unknown): string[] | UpdraftError {
  const allowed = [...task.downstreamTaskIds];
  const listAllowed = allowed.length === 0 ? 'it has no downstream tasks' : `its direct downstream tasks are ${allowed.map((id) => JSON.stringify(id)).join(', ')}`;
  const ids: unknown[] = result === null || result === undefined ? [] : Array.isArray(result) ? result : [result];
  const out: string[] = [];
  for (const id of ids) {
    if (typeof id !== 'string' || !task.downstreamTaskIds.has(id)) {
      return new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT',
        `Branch task ${JSON.stringify(task.taskId)} returned ${describeValue(id)}, which is not one of its direct downstream tasks; ${listAllowed}`,
        { details: { returned: ids, allowed } });
    }
    if (!out.includes(id)) out.push(id);
  }
  return out;
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function failure(error: unknown, retryable: boolean, masker: SecretMasker): Failed {
  return { state: 'failed', retryable, error: serializeTaskError(error, masker) };
}

function logError(writer: TaskLogWriter, headline: string, error: unknown): void {
  const e = toError(error);
  writer.log('updraft', 'error', `${headline}: ${e.stack ?? `${e.name}: ${e.message}`}`);
  let cause: unknown = e.cause;
  for (let depth = 0; cause instanceof Error && depth < 3; depth++) {
    if (!(e.stack ?? '').includes(cause.message)) writer.log('updraft', 'error', `Caused by: ${cause.stack ?? cause.message}`);
    cause = cause.cause;
  }
}

function logEnd(writer: TaskLogWriter, workload: Workload, end: { outcome: TerminalOutcome; durationMs: number }): void {
  const { outcome, durationMs } = end;
  const took = formatDuration(durationMs);
  const where = `(dag ${workload.dagId}, task ${workload.taskId}, run ${workload.runId}, attempt ${workload.tryNumber} of ${workload.maxTries})`;
  switch (outcome.state) {
    case 'success':
      writer.log('updraft', 'info', `Marking task as SUCCESS ${where} after ${took}`);
      return;
    case 'skipped':
      writer.log('updraft', 'info', `Marking task as SKIPPED ${where} after ${took}: ${outcome.reason}`);
      return;
    case 'up_for_reschedule':
      writer.log('updraft', 'info', `Marking task as UP_FOR_RESCHEDULE ${where} after ${took}; next poke at ${outcome.rescheduleAt}`);
      return;
    case 'failed': {
      const next = !outcome.retryable ? 'not retryable' : workload.tryNumber < workload.maxTries ? 'it will be retried' : 'no tries left';
      writer.log('updraft', 'error', `Marking task as FAILED ${where} after ${took} (${next}): ${outcome.error.message}`);
      return;
    }
    default: {
      const exhaustive: never = outcome;
      writer.log('updraft', 'error', `Unknown outcome ${JSON.stringify(exhaustive)}`);
    }
  }
}
