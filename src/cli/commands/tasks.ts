import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { UpdraftError } from '../../common/errors.js';
import { formatDuration } from '../../common/duration.js';
import type { ExecutionRequest, Workload } from '../../core/ports/execution-protocol.js';
import { evaluateTriggerRule, summarizeUpstream } from '../../core/trigger-rules.js';
import { timetableFor } from '../../core/timetable/timetable.js';
import { taskLogPath, taskLogRelativePath } from '../../logs/log-paths.js';
import { fileLogSource, followLog, readTaskLog } from '../../logs/task-log-reader.js';
import { runAttempt } from '../../runtime/run-attempt.js';
import { clearTaskInstances, markTaskInstances, requireDag, requireDateArg, requireRun } from '../../scheduler/operations.js';
import { compileSpec } from '../../scheduler/spec-cache.js';
import { buildWorkload } from '../../scheduler/workload.js';
import { createExecutionApi } from '../../scheduler/execution-api.js';
import { applyAttemptResult } from '../../scheduler/apply-result.js';
import { LocalExecutor } from '../../executors/local/local-executor.js';
import { CHILD_EXEC_ARGV, WORKER_ENTRY, type CliContext } from '../context.js';
import { refreshDags, remoteLogOption } from '../engine.js';
import { openRemoteLog } from '../remote-logs.js';
import { ExitCode } from '../exit-code.js';
import { executionLookups } from '../lookups.js';
import { parseJsonOption, parseOutputFormat, printRows } from '../output.js';
import { touchWake } from '../wake.js';
import type { AttemptResult } from '../../core/ports/execution-protocol.js';

export function registerTasksCommands(program: Command, ctx: CliContext): void {
  const tasks = program.command('tasks').description('inspect, test, run and clear task instances');

  tasks.command('list <dag_id>').description('the tasks of a DAG').option('-o, --output <format>', 'table or json', 'table')
    .action(async (dagId: string, opts: { output: string }) => {
      const format = parseOutputFormat(opts.output);
      const store = await ctx.readyStore();
      await refreshDags(ctx, store);
      const dag = await requireDag(store, dagId);
      printRows(dag.spec.tasks.map((t) => ({ task_id: t.taskId, operator: t.operator, upstream: t.upstream.join(','), retries: t.retries, pool: t.pool })),
        ['task_id', 'operator', 'upstream', 'retries', 'pool'], { format: format, out: ctx.stdout });
    });

  tasks.command('test <dag_id> <task_id> [logical_date]')
    .description('run one task in this process, printing its log; records nothing (no state, no XCom)')
    .option('-c, --conf <json>', 'run conf (overrides params; validated)')
    .action(async (dagId: string, taskId: string, logicalDateArg: string | undefined, opts: { conf?: string }) => {
      const conf = opts.conf === undefined ? {} : parseJsonOption(opts.conf, '--conf');
      const logicalDate = logicalDateArg === undefined ? new Date() : requireDateArg(logicalDateArg, 'logical_date');
      const secrets = await ctx.secrets();
      // The task runs in this process and prints to its terminal.
      await ctx.maskTerminal();
      const store = await ctx.readyStore();
      await refreshDags(ctx, store);
      const dag = await requireDag(store, dagId);
      const task = dag.spec.tasks.find((t) => t.taskId === taskId);
      if (task === undefined) {
        throw new UpdraftError('UPDRAFT_ERR_TASK_NOT_FOUND', `task "${taskId}" is not in DAG ${dagId}; tasks: ${dag.spec.tasks.map((t) => t.taskId).join(', ')}`);
      }
      const { resolveParams } = await import('../../core/params.js');
      resolveParams(dag.spec.params, conf);
      const existing = await store.getDagRunByLogicalDate(dagId, logicalDate);
      const interval = existing === null ? timetableFor(dag.spec).inferManualDataInterval(logicalDate)
        : { start: existing.dataIntervalStart, end: existing.dataIntervalEnd };
      const tmp = mkdtempSync(join(tmpdir(), 'updraft-tasks-test-'));
      const runId = existing?.runId ?? `test__${logicalDate.toISOString()}`;
      const workload: Workload = {
        dagId, runId, taskId, tryNumber: 1, maxTries: task.retries + 1, fileloc: dag.fileloc, dagVersionHash: dag.versionHash,
        logicalDate: logicalDate.toISOString(), dataIntervalStart: interval.start.toISOString(), dataIntervalEnd: interval.end.toISOString(),
        runType: 'manual', conf: { ...(existing?.conf ?? {}), ...conf }, logPath: join(tmp, 'attempt=1.log'),
        executionTimeoutMs: task.executionTimeoutMs, firstAttemptAt: null, isReschedule: false, prevLogicalDate: null,
        smtp: { connId: ctx.config.smtp.smtp_conn_id, mailFrom: ctx.config.smtp.smtp_mail_from },
      };
      // XComs pushed by the tested task stay in memory; pulls fall back to what real runs stored.
      const xcoms = new Map<string, string>();
      const api = createExecutionApi({
        store, maxXcomSize: ctx.config.core.max_xcom_size,
        ...executionLookups(secrets.chain),
      });
      const channel = {
        async request(request: ExecutionRequest): Promise<unknown> {
          if (request.op === 'xcom.push') {
            xcoms.set(`${taskId}\u0000${request.key}`, request.value);
            return null;
          }
          if (request.op === 'xcom.pull' && request.runId === undefined && xcoms.has(`${request.taskId}\u0000${request.key}`)) {
            return xcoms.get(`${request.taskId}\u0000${request.key}`);
          }
          const reply = await api.handle(workload, request);
          if (!reply.ok) throw Object.assign(new Error(reply.error.message), { code: reply.error.code });
          return reply.value;
        },
      };
      const abort = new AbortController();
      const onSignal = (): void => abort.abort();
      process.once('SIGINT', onSignal);
      try {
        const { outcome, durationMs } = await runAttempt(workload, channel, {
          signal: abort.signal, captureProcessOutput: false, tee: (line) => ctx.stdout.write(line.endsWith('\n') ? line : `${line}\n`),
        });
        ctx.stdout.write(`task ${taskId}: ${outcome.state} in ${formatDuration(Math.round(durationMs))}\n`);
        if (outcome.state === 'failed') ExitCode.set(1);
      } finally {
        process.off('SIGINT', onSignal);
        rmSync(tmp, { recursive: true, force: true });
      }
    });

  tasks.command('run <dag_id> <run_id_or_logical_date> <task_id>')
    .description('run one task instance now in a worker process and record its state (a new try)')
    .option('-i, --ignore-dependencies', 'run even when its upstream tasks do not satisfy its trigger rule')
    .action(async (dagId: string, which: string, taskId: string, opts: { ignoreDependencies?: boolean }) => {
      const secrets = await ctx.secrets();
      const store = await ctx.readyStore();
      const run = await requireRun(store, dagId, which);
      const version = await store.getDagVersion(dagId, run.dagVersionHash);
      if (version === null) throw new UpdraftError('UPDRAFT_ERR_DAG_NOT_FOUND', `DAG ${dagId} version ${run.dagVersionHash} is missing`);
      const compiled = compileSpec(version.spec, run.dagVersionHash);
      const task = compiled.tasks.get(taskId);
      if (task === undefined) throw new UpdraftError('UPDRAFT_ERR_TASK_NOT_FOUND', `task "${taskId}" is not in DAG ${dagId}; tasks: ${[...compiled.tasks.keys()].join(', ')}`);
      const tis = await store.listTaskInstances({ dagId, runId: run.runId });
      const ti = tis.find((t) => t.taskId === taskId)!;
      if (ti.state === 'running' || ti.state === 'queued') {
        throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `task ${taskId} of run ${run.runId} is ${ti.state} already`);
      }
      if (opts.ignoreDependencies !== true) {
        const states = new Map(tis.map((t) => [t.taskId, t.state]));
        const decision = evaluateTriggerRule(task.triggerRule, summarizeUpstream(task.upstream.map((id) => states.get(id) ?? 'none')));
        if (decision !== 'run') {
          throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT',
            `task ${taskId} cannot run: its trigger rule ${task.triggerRule} is not met by its upstream (${task.upstream.map((id) => `${id}=${states.get(id)}`).join(', ')}); pass --ignore-dependencies to run it anyway`);
        }
      }
      const claimer = `cli-${hostname()}-${process.pid}`;
      const now = new Date();
      const claimed = await store.transaction(async () => {
        const updated = await store.updateTaskInstance({ dagId, runId: run.runId, taskId }, {
          state: 'queued', tryNumber: ti.tryNumber + 1, maxTries: Math.max(ti.maxTries, ti.tryNumber + 1), queuedAt: now, claimedBy: claimer,
          firstAttemptAt: null, startDate: null, endDate: null, nextAttemptAt: null, error: null,
        }, [ti.state]);
        if (updated !== null && (run.state === 'success' || run.state === 'failed')) await store.updateDagRun(dagId, run.runId, { state: 'running', endDate: null });
        return updated;
      });
      if (claimed === null) throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `task ${taskId} changed state while starting; try again`);
      await store.clearXComs({ dagId, runId: run.runId, taskId });
      const executor = new LocalExecutor({ parallelism: 1, workerEntry: WORKER_ENTRY, execArgv: [...CHILD_EXEC_ARGV], warmWorkers: 1, logger: ctx.logger('executor') });
      const api = createExecutionApi({
        store, maxXcomSize: ctx.config.core.max_xcom_size,
        ...executionLookups(secrets.chain),
      });
      const result = await new Promise<AttemptResult>((resolve) => {
        void executor.start({
          onStarted: (_id, w, info) => {
            void store.updateTaskInstance({ dagId: w.dagId, runId: w.runId, taskId: w.taskId },
              { state: 'running', startDate: info.at, pid: info.pid, hostname: info.hostname, lastHeartbeatAt: info.at, firstAttemptAt: info.at }, ['queued']);
          },
          onHeartbeat: () => undefined,
          onFinished: resolve,
        }, api).then(() => executor.submit(`cli/${run.runId}/${taskId}/${claimed.tryNumber}`, buildWorkload(claimed, { run, compiled, baseLogFolder: ctx.config.logging.base_log_folder, smtp: { connId: ctx.config.smtp.smtp_conn_id, mailFrom: ctx.config.smtp.smtp_mail_from }, ...remoteLogOption(ctx.config) })));
      });
      await executor.stop(0);
      const updated = await applyAttemptResult({
        store, logger: ctx.logger('tasks'), now: new Date(), result, spec: compiled,
        inflight: { dagId, runId: run.runId, taskId, tryNumber: claimed.tryNumber, isReschedule: false, firstAttemptAt: null, startedAt: result.startedAt, logicalDate: run.logicalDate },
      });
      touchWake(ctx.config.home);
      const state = updated?.state ?? result.outcome.state;
      ctx.stdout.write(`${state}\n`);
      if (state !== 'success' && state !== 'skipped') ExitCode.set(1);
    });

  tasks.command('clear <dag_id>')
    .description('clear task instances so the scheduler runs them again')
    .option('-t, --task-regex <regex>', 'only tasks whose id matches')
    .option('-r, --run-id <run_id>', 'only this run')
    .option('-s, --start-date <date>', 'runs with logical date from (inclusive)')
    .option('-e, --end-date <date>', 'runs with logical date to (inclusive)')
    .option('-d, --downstream', 'also clear downstream tasks')
    .option('-u, --upstream', 'also clear upstream tasks')
    .option('-f, --only-failed', 'only failed and upstream_failed tasks')
    .option('--dry-run', 'list what would be cleared')
    .action(async (dagId: string, opts: { taskRegex?: string; runId?: string; startDate?: string; endDate?: string; downstream?: boolean; upstream?: boolean; onlyFailed?: boolean; dryRun?: boolean }) => {
      const store = await ctx.readyStore();
      const cleared = await clearTaskInstances(store, {
        dagId,
        ...(opts.taskRegex === undefined ? {} : { taskRegex: opts.taskRegex }),
        ...(opts.runId === undefined ? {} : { runId: opts.runId }),
        ...(opts.startDate === undefined ? {} : { from: requireDateArg(opts.startDate, '--start-date') }),
        ...(opts.endDate === undefined ? {} : { to: requireDateArg(opts.endDate, '--end-date') }),
        downstream: opts.downstream === true, upstream: opts.upstream === true, onlyFailed: opts.onlyFailed === true, dryRun: opts.dryRun === true,
      });
      if (opts.dryRun !== true) touchWake(ctx.config.home);
      printRows(cleared.map((ti) => ({ run_id: ti.runId, task_id: ti.taskId, state: opts.dryRun === true ? ti.state : 'none' })), ['run_id', 'task_id', 'state'], { format: 'table', out: ctx.stdout });
      ctx.stdout.write(`${opts.dryRun === true ? 'would clear' : 'cleared'} ${cleared.length} task instance(s)\n`);
    });

  tasks.command('mark <dag_id> <run_id_or_logical_date> <task_ids...>')
    .description('set task instances to success or failed by hand')
    .requiredOption('--state <state>', 'success or failed')
    .option('-d, --downstream', 'also mark downstream tasks')
    .option('-u, --upstream', 'also mark upstream tasks')
    .action(async (dagId: string, which: string, taskIds: string[], opts: { state: string; downstream?: boolean; upstream?: boolean }) => {
      if (opts.state !== 'success' && opts.state !== 'failed') throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `--state "${opts.state}" is not allowed; use success or failed`);
      const store = await ctx.readyStore();
      const run = await requireRun(store, dagId, which);
      const changed = await markTaskInstances(store, { dagId, runId: run.runId, taskIds, state: opts.state, downstream: opts.downstream === true, upstream: opts.upstream === true, now: new Date() });
      touchWake(ctx.config.home);
      ctx.stdout.write(`marked ${changed.length} task instance(s) ${opts.state}: ${changed.join(', ')}\n`);
    });

  tasks.command('state <dag_id> <task_id> <logical_date_or_run_id>').description('print the state of a task instance')
    .action(async (dagId: string, taskId: string, which: string) => {
      const store = await ctx.readyStore();
      const run = await requireRun(store, dagId, which);
      const ti = await store.getTaskInstance({ dagId, runId: run.runId, taskId });
      if (ti === null) throw new UpdraftError('UPDRAFT_ERR_TASK_NOT_FOUND', `task "${taskId}" has no instance in run ${run.runId} of ${dagId}`);
      ctx.stdout.write(`${ti.state}\n`);
    });

  tasks.command('logs <dag_id> <run_id_or_logical_date> <task_id>')
    .description('print the log of a task attempt')
    .option('--try <n>', 'attempt number (default: the latest)')
    .option('-f, --follow', 'keep printing new lines until the attempt ends')
    .action(async (dagId: string, which: string, taskId: string, opts: { try?: string; follow?: boolean }) => {
      const store = await ctx.readyStore();
      const run = await requireRun(store, dagId, which);
      const ti = await store.getTaskInstance({ dagId, runId: run.runId, taskId });
      if (ti === null) throw new UpdraftError('UPDRAFT_ERR_TASK_NOT_FOUND', `task "${taskId}" has no instance in run ${run.runId} of ${dagId}`);
      if (opts.try !== undefined && !/^[1-9]\d*$/.test(opts.try)) throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `--try "${opts.try}" must be an attempt number ≥ 1`);
      const tryNumber = opts.try === undefined ? ti.tryNumber : Number(opts.try);
      if (tryNumber < 1 || tryNumber > Math.max(ti.tryNumber, 0)) {
        throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', ti.tryNumber === 0
          ? `task ${taskId} of run ${run.runId} has not run yet (state ${ti.state})`
          : `task ${taskId} of run ${run.runId} has attempts 1 to ${ti.tryNumber}; --try ${tryNumber} does not exist`);
      }
      const key = { dagId, runId: run.runId, taskId, tryNumber };
      const path = taskLogPath(ctx.config.logging.base_log_folder, key);
      // The local file when this machine has it; otherwise the remote copy (remote logging).
      const remote = existsSync(path) ? null : await openRemoteLog(ctx, taskLogRelativePath(key));
      try {
        if (opts.follow === true) {
          const abort = new AbortController();
          process.once('SIGINT', () => abort.abort());
          await followLog(remote === null ? fileLogSource(path) : remote.source, {
            signal: abort.signal,
            onLine: (line) => ctx.stdout.write(`${line}\n`),
            isFinished: async () => {
              const now = await store.getTaskInstance({ dagId, runId: run.runId, taskId });
              return now === null || now.tryNumber !== tryNumber || (now.state !== 'running' && now.state !== 'queued');
            },
            ...(remote === null ? {} : { pollMs: 1000 }),
          });
          return;
        }
        const text = remote === null ? await readTaskLog(path) : (await remote.source.read(0, Number.MAX_SAFE_INTEGER))?.toString('utf8') ?? null;
        if (text === null) {
          throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT',
            `no log for attempt ${tryNumber} of ${taskId} in run ${run.runId} (looked at ${path}${remote === null ? '' : ` and ${remote.location}`})`);
        }
        ctx.stdout.write(text);
      } finally {
        remote?.close();
      }
    });
}

