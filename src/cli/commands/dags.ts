import type { Command } from 'commander';
import { UpdraftError } from '../../common/errors.js';
import { formatDuration } from '../../common/duration.js';
import type { DagRun } from '../../core/ports/metadata-store.js';
import { DAG_RUN_STATES, type DagRunState } from '../../core/states.js';
import { timetableFor } from '../../core/timetable/timetable.js';
import { planBackfill, startBackfill } from '../../scheduler/backfill.js';
import { requireDag, requireDateArg, requireRun, triggerDag } from '../../scheduler/operations.js';
import type { CliContext } from '../context.js';
import { buildEngine, refreshDags } from '../engine.js';
import { ExitCode } from '../exit-code.js';
import { iso, parseJsonOption, parseOutputFormat, printRows } from '../output.js';
import { touchWake } from '../wake.js';
import { BackfillProgress } from '../progress.js';
import { scheduleSummary } from '../describe.js';

export function registerDagsCommands(program: Command, ctx: CliContext): void {
  const dags = program.command('dags').description('list, trigger, test and backfill DAGs');

  dags.command('list').description('list the DAGs in the DAGs folder').option('-o, --output <format>', 'table or json', 'table')
    .action(async (opts: { output: string }) => {
      const format = parseOutputFormat(opts.output);
      const store = await ctx.readyStore();
      await refreshDags(ctx, store);
      const importErrors = (await store.listImportErrors()).length;
      if (importErrors > 0) ctx.stderr.write(`${importErrors} DAG file(s) failed to import; see \`updraft dags list-import-errors\`\n`);
      const rows = (await store.listDags({ onlyActive: true })).map((d) => ({
        dag_id: d.dagId, schedule: scheduleSummary(d.spec.schedule), paused: d.isPaused, tasks: d.spec.tasks.length,
        tags: d.spec.tags.join(','), fileloc: d.fileloc, next_run: iso(d.nextRunAfter),
      }));
      printRows(rows, ['dag_id', 'schedule', 'paused', 'tasks', 'tags', 'fileloc', 'next_run'], { format: format, out: ctx.stdout });
    });

  dags.command('list-import-errors').description('DAG files that failed to import, with the error').option('-o, --output <format>', 'table or json', 'table')
    .action(async (opts: { output: string }) => {
      const format = parseOutputFormat(opts.output);
      const store = await ctx.readyStore();
      await refreshDags(ctx, store);
      const errors = await store.listImportErrors();
      if (format === 'json') {
        printRows(errors.map((e) => ({ fileloc: e.fileloc, message: e.message, stack: e.stack, timestamp: iso(e.timestamp) })), ['fileloc', 'message', 'stack', 'timestamp'], { format: format, out: ctx.stdout });
      } else {
        printRows(errors.map((e) => ({ fileloc: e.fileloc, error: e.message })), ['fileloc', 'error'], { format: format, out: ctx.stdout });
      }
    });

  dags.command('show <dag_id>').description('the tasks of a DAG and their dependencies').option('-o, --output <format>', 'table, json or dot', 'table')
    .action(async (dagId: string, opts: { output: string }) => {
      const store = await ctx.readyStore();
      await refreshDags(ctx, store);
      const dag = await requireDag(store, dagId);
      if (opts.output === 'dot') {
        const lines = [`digraph "${dagId}" {`, '  rankdir=LR;'];
        for (const t of dag.spec.tasks) {
          lines.push(`  "${t.taskId}";`);
          for (const d of t.downstream) lines.push(`  "${t.taskId}" -> "${d}";`);
        }
        lines.push('}');
        ctx.stdout.write(lines.join('\n') + '\n');
        return;
      }
      const format = parseOutputFormat(opts.output);
      if (format === 'json') {
        ctx.stdout.write(JSON.stringify(dag.spec, null, 2) + '\n');
        return;
      }
      ctx.stdout.write(`DAG ${dag.dagId} (${scheduleSummary(dag.spec.schedule)}, ${dag.isPaused ? 'paused' : 'active'}) from ${dag.fileloc}\n`);
      printRows(dag.spec.tasks.map((t) => ({
        task_id: t.taskId, operator: t.operator, trigger_rule: t.triggerRule, upstream: t.upstream.join(', '), downstream: t.downstream.join(', '),
      })), ['task_id', 'operator', 'trigger_rule', 'upstream', 'downstream'], { format: 'table', out: ctx.stdout });
    });

  dags.command('trigger <dag_id>').description('create a manual run')
    .option('-c, --conf <json>', 'run conf (overrides params; validated)')
    .option('-l, --logical-date <date>', 'logical date of the run (default: now)')
    .option('-r, --run-id <id>', 'run id (default: manual__<logical date>)')
    .action(async (dagId: string, opts: { conf?: string; logicalDate?: string; runId?: string }) => {
      const input = {
        now: new Date(),
        ...(opts.conf === undefined ? {} : { conf: parseJsonOption(opts.conf, '--conf') }),
        ...(opts.logicalDate === undefined ? {} : { logicalDate: requireDateArg(opts.logicalDate, '--logical-date') }),
        ...(opts.runId === undefined ? {} : { runId: opts.runId }),
      };
      const store = await ctx.readyStore();
      await refreshDags(ctx, store);
      const run = await triggerDag(store, dagId, input);
      touchWake(ctx.config.home);
      ctx.stdout.write(`${run.runId}\n`);
    });

  for (const [name, paused] of [['pause', true], ['unpause', false]] as const) {
    dags.command(`${name} <dag_id>`).description(paused ? 'stop scheduling new runs and tasks of a DAG' : 'resume scheduling a DAG')
      .action(async (dagId: string) => {
        const store = await ctx.readyStore();
        await refreshDags(ctx, store);
        await requireDag(store, dagId);
        await store.setDagPaused(dagId, paused);
        touchWake(ctx.config.home);
        ctx.stdout.write(`DAG ${dagId} ${paused ? 'paused' : 'unpaused'}\n`);
      });
  }

  dags.command('delete <dag_id>').description('delete a DAG\'s metadata: runs, task history, XComs (the file stays)')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (dagId: string, opts: { yes?: boolean }) => {
      if (opts.yes !== true) throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `dags delete removes every run and task record of ${dagId}; pass --yes to confirm`);
      const store = await ctx.readyStore();
      const { deleted } = await store.deleteDag(dagId);
      if (!deleted) await requireDag(store, dagId);
      ctx.stdout.write(`deleted DAG ${dagId} (its file is kept; it reappears when parsed again)\n`);
    });

  dags.command('list-runs <dag_id>').description('runs of a DAG, newest first')
    .option('-s, --state <state>', `only runs in this state (${DAG_RUN_STATES.join(', ')})`)
    .option('--limit <n>', 'at most this many', '100')
    .option('-o, --output <format>', 'table or json', 'table')
    .action(async (dagId: string, opts: { state?: string; limit: string; output: string }) => {
      const format = parseOutputFormat(opts.output);
      if (opts.state !== undefined && !(DAG_RUN_STATES as readonly string[]).includes(opts.state)) {
        throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `--state "${opts.state}" is not a run state; allowed: ${DAG_RUN_STATES.join(', ')}`);
      }
      const store = await ctx.readyStore();
      await requireDag(store, dagId);
      const runs = await store.listDagRuns({ dagId, newestFirst: true, limit: Number(opts.limit), ...(opts.state ? { states: [opts.state as DagRunState] } : {}) });
      printRows(runs.map((r) => ({
        run_id: r.runId, state: r.state, logical_date: iso(r.logicalDate), run_type: r.runType, start_date: iso(r.startDate), end_date: iso(r.endDate),
      })), ['run_id', 'state', 'logical_date', 'run_type', 'start_date', 'end_date'], { format: format, out: ctx.stdout });
    });

  dags.command('state <dag_id> <logical_date_or_run_id>').description('print the state of a run').action(async (dagId: string, which: string) => {
    const store = await ctx.readyStore();
    const run = await requireRun(store, dagId, which);
    ctx.stdout.write(`${run.state}\n`);
  });

  dags.command('test <dag_id> [logical_date]')
    .description('run one whole DAG run in this process, without a scheduler, printing every task log line')
    .option('-c, --conf <json>', 'run conf (overrides params; validated)')
    .action(async (dagId: string, logicalDateArg: string | undefined, opts: { conf?: string }) => {
      const conf = opts.conf === undefined ? {} : parseJsonOption(opts.conf, '--conf');
      const logicalDate = logicalDateArg === undefined ? new Date() : requireDateArg(logicalDateArg, 'logical_date');
      const store = await ctx.readyStore();
      await refreshDags(ctx, store);
      await requireDag(store, dagId);
      const existing = await store.getDagRunByLogicalDate(dagId, logicalDate);
      if (existing !== null) {
        if (!existing.runId.startsWith('test__')) {
          throw new UpdraftError('UPDRAFT_ERR_RUN_EXISTS', `DAG ${dagId} already has run ${existing.runId} at ${logicalDate.toISOString()}; test another date or clear that run with \`updraft tasks clear\``);
        }
        await store.deleteDagRun(dagId, existing.runId);
      }
      const run = await triggerDag(store, dagId, { conf, logicalDate, runId: `test__${logicalDate.toISOString()}`, now: new Date() });
      const finished = await driveRuns(ctx, {
        executor: 'in_process', isMine: (r) => r.dagId === dagId && r.runId === run.runId, expected: 1,
        tee: (taskId, line) => ctx.stdout.write(`${taskId} | ${line}${line.endsWith('\n') ? '' : '\n'}`),
      });
      const final = finished[0]!;
      const tis = await store.listTaskInstances({ dagId, runId: run.runId });
      printRows(tis.map((ti) => ({
        task_id: ti.taskId, state: ti.state, tries: ti.tryNumber, duration: ti.durationMs === null ? '' : formatDuration(ti.durationMs),
      })), ['task_id', 'state', 'tries', 'duration'], { format: 'table', out: ctx.stdout });
      ctx.stdout.write(`run ${run.runId}: ${final.state}\n`);
      if (final.state !== 'success') ExitCode.set(1);
    });

  dags.command('backfill <dag_id>')
    .description('create and run the runs for every logical date between two dates (both inclusive)')
    .requiredOption('-s, --start-date <date>', 'first logical date (inclusive)')
    .requiredOption('-e, --end-date <date>', 'last logical date (inclusive)')
    .option('--rerun-failed', 'clear and rerun the failed tasks of runs that failed before')
    .option('--reset-dagruns', 'delete existing runs in the range and run them again')
    .option('--max-active-runs <n>', 'runs of this backfill running at once')
    .option('-c, --conf <json>', 'conf for the created runs')
    .option('--dry-run', 'print the runs it would create, and stop')
    .action(async (dagId: string, opts: { startDate: string; endDate: string; rerunFailed?: boolean; resetDagruns?: boolean; maxActiveRuns?: string; conf?: string; dryRun?: boolean }) => {
      const from = requireDateArg(opts.startDate, '--start-date');
      const to = requireDateArg(opts.endDate, '--end-date');
      if (opts.maxActiveRuns !== undefined && !/^[1-9]\d*$/.test(opts.maxActiveRuns)) {
        throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `--max-active-runs "${opts.maxActiveRuns}" must be a whole number ≥ 1`);
      }
      const store = await ctx.readyStore();
      await refreshDags(ctx, store);
      const dag = await requireDag(store, dagId);
      const options = {
        from, to, rerunFailed: opts.rerunFailed === true, resetDagRuns: opts.resetDagruns === true,
        maxActiveRuns: opts.maxActiveRuns === undefined ? dag.spec.maxActiveRuns : Number(opts.maxActiveRuns),
        ...(opts.conf === undefined ? {} : { conf: parseJsonOption(opts.conf, '--conf') }),
      };
      const plan = await planBackfill(store, dag, options);
      if (opts.dryRun === true) {
        printRows(plan.map((p) => ({
          logical_date: iso(p.info.logicalDate), data_interval_start: iso(p.info.dataInterval.start), data_interval_end: iso(p.info.dataInterval.end),
          action: p.action, existing_run: p.existing?.runId ?? '', existing_state: p.existing?.state ?? '',
        })), ['logical_date', 'data_interval_start', 'data_interval_end', 'action', 'existing_run', 'existing_state'], { format: 'table', out: ctx.stdout });
        ctx.stdout.write(`${plan.length} run(s) in range; dry run: nothing was created\n`);
        return;
      }
      if (plan.length === 0) {
        ctx.stdout.write(`no logical dates of ${dagId} (${timetableFor(dag.spec).summary}) fall between ${iso(from)} and ${iso(to)}\n`);
        return;
      }
      const backfill = await startBackfill(store, dag, { plan, options });
      touchWake(ctx.config.home);
      const dates = new Set(plan.map((p) => p.info.logicalDate.getTime()));
      const progress = new BackfillProgress(ctx.stderr, plan.length);
      const finished = await driveRuns(ctx, {
        executor: ctx.config.core.executor,
        isMine: (r) => r.dagId === dagId && dates.has(r.logicalDate.getTime()),
        expected: plan.length, onProgress: (done) => progress.update(done),
      });
      progress.stop();
      await store.completeBackfill(backfill.id, new Date());
      const failed = finished.filter((r) => r.state !== 'success');
      ctx.stdout.write(`backfill of ${dagId}: ${finished.length - failed.length} of ${finished.length} run(s) succeeded\n`);
      for (const r of failed) ctx.stdout.write(`  ${r.runId}: ${r.state}\n`);
      if (failed.length > 0) ExitCode.set(1);
    });
}

interface DriveOptions {
  executor: 'local' | 'in_process';
  isMine: (run: DagRun) => boolean;
  expected: number;
  tee?: (taskId: string, line: string) => void;
  onProgress?: (finished: number) => void;
}

/**
 * Runs a scheduler that drives only the given runs until every one has finished (a standalone
 * scheduler working on the same database may finish some of them: the store is the judge).
 */
async function driveRuns(ctx: CliContext, options: DriveOptions): Promise<DagRun[]> {
  const engine = await buildEngine(ctx, {
    executor: options.executor, createScheduledRuns: false, runFilter: options.isMine,
    ...(options.tee === undefined ? {} : { tee: options.tee }),
    onRunFinished: () => check(),
  });
  let resolveDone: (runs: DagRun[]) => void = () => undefined;
  let rejectDone: (error: unknown) => void = () => undefined;
  const done = new Promise<DagRun[]>((resolve, reject) => { resolveDone = resolve; rejectDone = reject; });
  let checking = false;
  async function finishedRuns(): Promise<DagRun[] | null> {
    const runs = (await engine.store.listDagRuns({})).filter(options.isMine);
    const finished = runs.filter((r) => r.state === 'success' || r.state === 'failed');
    options.onProgress?.(finished.length);
    return finished.length >= options.expected && finished.length === runs.length ? finished : null;
  }
  function check(): void {
    if (checking) return;
    checking = true;
    finishedRuns().then((runs) => {
      checking = false;
      if (runs !== null) resolveDone(runs);
    }, (error: unknown) => { checking = false; rejectDone(error); });
  }
  const onSignal = (): void => { void engine.scheduler.stop(0).then(() => rejectDone(new UpdraftError('UPDRAFT_ERR_SHUTDOWN', 'interrupted; the runs stay in the database and a scheduler will finish them'))); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  await engine.scheduler.start();
  const poll = setInterval(check, 1000);
  check();
  try {
    return await done;
  } finally {
    clearInterval(poll);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await engine.scheduler.stop(0);
    await engine.alerts.drain();
  }
}

