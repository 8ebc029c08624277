import { silentLogger, type Logger } from '../common/logger.js';
import type { Executor } from '../core/ports/executor.js';
import { UpdraftError } from '../common/errors.js';
import type { AttemptResult, RemoteLogSettings } from '../core/ports/execution-protocol.js';
import type { DagRun, MetadataStore, TaskInstance } from '../core/ports/metadata-store.js';
import { LocalExecutor } from '../executors/local/local-executor.js';
import { InProcessExecutor } from '../executors/in-process/in-process-executor.js';
import { runAttempt } from '../runtime/run-attempt.js';
import { DagProcessor, type ProcessSummary } from '../scheduler/dag-processor/dag-processor.js';
import { createExecutionApi } from '../scheduler/execution-api.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { CHILD_EXEC_ARGV, PARSE_ENTRY, WORKER_ENTRY, type CliContext } from './context.js';
import { ExecutorAlerts } from './executor-alerts.js';
import { executionLookups } from './lookups.js';

export interface EngineOptions {
  executor: 'local' | 'in_process';
  createScheduledRuns: boolean;
  runFilter?: (run: DagRun) => boolean;
  /** In-process executor only: every task log line, as written, with its task id. */
  tee?: (taskId: string, line: string) => void;
  onRunFinished?: (run: DagRun) => void;
  onTaskFinished?: (ti: TaskInstance, result: AttemptResult) => void;
  parallelism?: number;
}

export interface Engine {
  store: MetadataStore;
  scheduler: Scheduler;
  executor: Executor;
  logger: Logger;
  /** Emails for attempts that died or were killed outside their process; drain() before exiting. */
  alerts: ExecutorAlerts;
}

/** Composition root: wires store, executor, execution API and scheduler from the configuration. */
/**
 * The remote logging settings task processes get, from [logging]; nothing when remote_logging is
 * off. A remote folder that is not s3:// is a config error (exit 2) before anything runs.
 */
export function remoteLogOption(config: CliContext['config']): { remoteLog?: RemoteLogSettings } {
  const logging = config.logging;
  if (!logging.remote_logging) return {};
  const baseFolder = logging.remote_base_log_folder.trim();
  if (!/^s3[an]?:\/\/[^/]+/i.test(baseFolder)) {
    throw new UpdraftError('UPDRAFT_ERR_CONFIG',
      `[logging] remote_logging is true but remote_base_log_folder is ${JSON.stringify(baseFolder)}; set it to an S3 location like s3://my-bucket/logs (UPDRAFT__LOGGING__REMOTE_BASE_LOG_FOLDER)`);
  }
  return { remoteLog: { baseFolder, connId: logging.remote_log_conn_id, deleteLocal: logging.delete_local_logs } };
}

export async function buildEngine(ctx: CliContext, options: EngineOptions): Promise<Engine> {
  const config = ctx.config;
  // Before the executor: settles the key (PostgreSQL without one is refused here, at start) and
  // tells the task processes the lookup order.
  const secrets = await ctx.secrets();
  // Tasks that run in this process print to its terminal: mask it (they mask their logs themselves).
  if (options.executor === 'in_process') await ctx.maskTerminal();
  const store = await ctx.readyStore();
  const logger = ctx.logger('updraft');
  const parallelism = options.parallelism ?? config.core.parallelism;
  const executor: Executor = options.executor === 'local'
    ? new LocalExecutor({
      parallelism, workerEntry: WORKER_ENTRY, execArgv: [...CHILD_EXEC_ARGV], logger: logger.child('executor'),
      heartbeatTimeoutMs: config.scheduler.task_heartbeat_timeout,
      env: { ...process.env, UPDRAFT_WORKER_HEARTBEAT_MS: String(config.scheduler.worker_heartbeat_interval) },
    })
    : new InProcessExecutor({
      parallelism,
      logger: logger.child('executor'),
      runAttempt: (workload, channel, runOptions) => runAttempt(workload, channel, {
        signal: runOptions.signal, captureProcessOutput: false,
        ...(options.tee === undefined ? {} : { tee: (line: string) => options.tee!(workload.taskId, line) }),
      }),
    });
  const api = createExecutionApi({
    store, maxXcomSize: config.core.max_xcom_size,
    ...executionLookups(secrets.chain),
  });
  const smtp = { connId: config.smtp.smtp_conn_id, mailFrom: config.smtp.smtp_mail_from };
  const alerts = new ExecutorAlerts({ store, secrets, smtp, executor: options.executor, logger: logger.child('alerts') });
  const onTaskFinished = options.onTaskFinished;
  const scheduler = new Scheduler({
    store, executor, api, logger: logger.child('scheduler'), baseLogFolder: config.logging.base_log_folder,
    smtp,
    ...remoteLogOption(config),
    createScheduledRuns: options.createScheduledRuns,
    maxTisPerQuery: config.scheduler.max_tis_per_query, safetyNetMs: config.scheduler.safety_net_interval,
    heartbeatMs: config.scheduler.heartbeat_interval, taskHeartbeatTimeoutMs: config.scheduler.task_heartbeat_timeout,
    shutdownGraceMs: config.scheduler.shutdown_grace_period,
    ...(options.runFilter === undefined ? {} : { runFilter: options.runFilter }),
    ...(options.onRunFinished === undefined ? {} : { onRunFinished: options.onRunFinished }),
    onTaskFinished: (ti, result) => {
      alerts.onTaskFinished(ti, result);
      onTaskFinished?.(ti, result);
    },
  });
  return { store, scheduler, executor, logger, alerts };
}

export function buildDagProcessor(ctx: CliContext, store: MetadataStore, logger: Logger = ctx.logger('dag-processor')): DagProcessor {
  const config = ctx.config;
  return new DagProcessor({
    store, dagsFolder: config.core.dags_folder, parseEntry: PARSE_ENTRY, execArgv: [...CHILD_EXEC_ARGV], parseTimeoutMs: config.core.dag_file_processor_timeout,
    concurrency: 2, pausedOnCreate: config.core.dags_are_paused_at_creation, logger,
  });
}

/**
 * Parses the DAGs folder once (changed files only) so a command sees the DAGs as they are on disk.
 * Quiet: import errors are recorded, and `dags list-import-errors` shows them.
 */
export async function refreshDags(ctx: CliContext, store: MetadataStore): Promise<ProcessSummary> {
  const processor = buildDagProcessor(ctx, store, ctx.options.verbose === true ? ctx.logger('dag-processor') : silentLogger);
  try {
    return await processor.processOnce();
  } finally {
    await processor.stop();
  }
}
