import type { Command } from 'commander';
import { resolve } from 'node:path';
import type { CliContext } from '../context.js';
import { EXAMPLES_DAGS } from '../context.js';
import { buildDagProcessor, buildEngine } from '../engine.js';
import { watchWake } from '../wake.js';

interface ServeOptions {
  dagsFolder?: string;
  exampleDags?: boolean;
}

export function registerServeCommands(program: Command, ctx: CliContext): void {
  program.command('standalone')
    .description('the embedded product in one command: create UPDRAFT_HOME and its config on first run, migrate, parse DAGs, schedule and execute')
    .option('--dags-folder <dir>', 'DAGs folder to use instead of [core] dags_folder')
    .option('--example-dags', 'run the example DAGs shipped with Updraft')
    .action(async (opts: ServeOptions) => {
      applyFolderOptions(ctx, opts);
      const { created } = ctx.ensureHome();
      const store = await ctx.store();
      await store.migrate();
      if (created) ctx.stderr.write(`created ${ctx.config.home} with a default updraft.toml\n`);
      await serve(ctx);
    });
  program.command('scheduler')
    .description('run the DAG processor and the scheduler with its executor (the database must be migrated)')
    .option('--dags-folder <dir>', 'DAGs folder to use instead of [core] dags_folder')
    .action(async (opts: ServeOptions) => {
      applyFolderOptions(ctx, opts);
      await serve(ctx);
    });
}

function applyFolderOptions(ctx: CliContext, opts: ServeOptions): void {
  if (opts.exampleDags === true) ctx.override('core', 'dags_folder', EXAMPLES_DAGS);
  if (opts.dagsFolder !== undefined) ctx.override('core', 'dags_folder', resolve(opts.dagsFolder));
}

async function serve(ctx: CliContext): Promise<void> {
  const config = ctx.config;
  const engine = await buildEngine(ctx, { executor: config.core.executor, createScheduledRuns: true });
  const processor = buildDagProcessor(ctx, engine.store);
  const first = await processor.processOnce();
  await engine.scheduler.start();
  processor.start((summary) => {
    if (summary.changedDagIds.length > 0 || summary.deactivatedDagIds.length > 0) engine.scheduler.requestFullPass();
  }, { rescanIntervalMs: config.scheduler.dag_dir_list_interval });
  const wake = watchWake(config.home, () => engine.scheduler.requestFullPass());
  engine.logger.info(`Updraft is running: ${first.dagIds.length} DAG(s) from ${config.core.dags_folder}`, {
    home: config.home, database: engine.store.dialect, executor: config.core.executor, parallelism: config.core.parallelism,
    importErrors: first.errors.length,
  });
  for (const error of first.errors) engine.logger.warn('DAG import error', { file: error.file, message: error.message });

  await new Promise<void>((resolveStop) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        engine.logger.warn(`${signal} again: killing running tasks now`);
        void engine.executor.stop(0);
        return;
      }
      stopping = true;
      engine.logger.info(`${signal} received: no new tasks; running tasks get ${config.scheduler.shutdown_grace_period} ms to finish`);
      void (async () => {
        wake?.close();
        await processor.stop();
        await engine.scheduler.stop(config.scheduler.shutdown_grace_period);
        await engine.alerts.drain();
        engine.logger.info('stopped');
        resolveStop();
      })();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
