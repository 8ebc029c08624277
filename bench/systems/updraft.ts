import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import pg from 'pg';
import { CliContext } from '../../src/cli/context.js';
import { buildDagProcessor, buildEngine, type Engine } from '../../src/cli/engine.js';
import type { DagRun } from '../../src/core/ports/metadata-store.js';
import type { DagProcessor } from '../../src/scheduler/dag-processor/dag-processor.js';
import { triggerDag } from '../../src/scheduler/operations.js';
import type { CreatedDatabase, PostgresService } from '../../test/support/services.js';
import { benchTempDir } from '../bench-dir.js';

export type Dialect = 'sqlite' | 'postgres';

export const UPDRAFT_LABEL: Record<Dialect, string> = { sqlite: 'Updraft (SQLite)', postgres: 'Updraft (PostgreSQL)' };

/**
 * Updraft as `updraft scheduler` runs it, in this process: the CLI's composition root (buildEngine +
 * buildDagProcessor from a CliContext over a fresh UPDRAFT_HOME with the default updraft.toml), the
 * LOCAL executor (each attempt in a warm worker process), state persisted in SQLite or PostgreSQL.
 * Only the trigger differs: `triggerDag` + `touchRun` in process (what `updraft dags trigger` does
 * in its own process before it touches the wake file), so no CLI start-up is timed — just as the
 * peers' jobs are added through their client API.
 */
export class UpdraftSystem {
  private readonly finished = new Map<string, (run: DagRun) => void>();
  private engine: Engine | null = null;
  private processor: DagProcessor | null = null;
  private runCounter = 0;

  private constructor(
    readonly dialect: Dialect,
    readonly home: string,
    private readonly ctx: CliContext,
    private readonly database: CreatedDatabase | null,
  ) {}

  static async open(dialect: Dialect, options: { postgres?: PostgresService; env?: Record<string, string> } = {}): Promise<UpdraftSystem> {
    const home = benchTempDir(`updraft-bench-${dialect}-`);
    let database: CreatedDatabase | null = null;
    if (dialect === 'postgres') {
      if (options.postgres === undefined) throw new Error('Updraft on PostgreSQL needs a PostgreSQL service');
      database = await options.postgres.createDatabase('updraft_bench');
    }
    const ctx = new CliContext({ home });
    ctx.override('logging', 'logging_level', 'warn');
    if (database !== null) {
      ctx.override('database', 'url', database.url);
      // PostgreSQL needs an explicit key for secrets at rest (SQLite makes a key file in its home).
      ctx.override('secrets', 'encryption_key', newEncryptionKey());
    }
    for (const [key, value] of Object.entries(options.env ?? {})) {
      const [section, name] = key.split('.') as [string, string];
      ctx.override(section, name, value);
    }
    const system = new UpdraftSystem(dialect, home, ctx, database);
    try {
      await system.start();
    } catch (error) {
      await system.close();
      throw error;
    }
    return system;
  }

  private async start(): Promise<void> {
    this.ctx.ensureHome();
    // `updraft standalone` migrates itself; on PostgreSQL a user runs `updraft db migrate` first.
    await (await this.ctx.store()).migrate();
    this.engine = await buildEngine(this.ctx, {
      executor: 'local', createScheduledRuns: true,
      onRunFinished: (run) => {
        const resolve = this.finished.get(`${run.dagId}\u0000${run.runId}`);
        if (resolve !== undefined) resolve(run);
      },
    });
    this.processor = buildDagProcessor(this.ctx, this.engine.store, this.ctx.logger('dag-processor'));
    await this.processor.processOnce();
    await this.engine.scheduler.start();
  }

  get dagsFolder(): string {
    return this.ctx.config.core.dags_folder;
  }

  get running(): Engine {
    if (this.engine === null) throw new Error('the Updraft engine is not started');
    return this.engine;
  }

  get dagProcessor(): DagProcessor {
    if (this.processor === null) throw new Error('the Updraft engine is not started');
    return this.processor;
  }

  /** Writes DAG files into the DAGs folder and parses them as the running DAG processor would. */
  async addDagFiles(files: Record<string, string>): Promise<string[]> {
    for (const [name, source] of Object.entries(files)) writeFileSync(join(this.dagsFolder, name), source);
    const summary = await this.dagProcessor.processOnce();
    if (summary.errors.length > 0) throw new Error(`DAG import errors: ${summary.errors.map((e) => `${e.file}: ${e.message}`).join('; ')}`);
    this.running.scheduler.requestFullPass();
    return summary.changedDagIds;
  }

  /** Triggers a manual run and resolves with the wall time from the trigger to the run's end. */
  async runDag(dagId: string, timeoutMs = 4 * 3_600_000): Promise<{ ms: number; run: DagRun }> {
    const engine = this.running;
    const runId = `bench__${process.pid}_${++this.runCounter}_${Date.now()}`;
    let timer: NodeJS.Timeout | undefined;
    const done = new Promise<DagRun>((resolve, reject) => {
      this.finished.set(`${dagId}\u0000${runId}`, resolve);
      timer = setTimeout(() => reject(new Error(`run ${dagId}/${runId} did not finish within ${timeoutMs} ms`)), timeoutMs);
    });
    const began = performance.now();
    try {
      await triggerDag(engine.store, dagId, { now: new Date(), runId });
      engine.scheduler.touchRun(dagId, runId);
      const run = await done;
      const ms = performance.now() - began;
      if (run.state !== 'success') throw new Error(`run ${dagId}/${runId} ended ${run.state}`);
      return { ms, run };
    } finally {
      clearTimeout(timer);
      this.finished.delete(`${dagId}\u0000${runId}`);
    }
  }

  /** What the metadata database promises about durability, as configured now. */
  async durability(): Promise<string> {
    if (this.dialect === 'sqlite') return sqliteDurability(this.ctx.config.database.url);
    return postgresDurability(this.database!.url);
  }

  async close(): Promise<void> {
    try {
      await this.processor?.stop();
      await this.engine?.scheduler.stop(5_000);
      await this.ctx.close();
    } finally {
      this.engine = null;
      this.processor = null;
      await this.database?.drop().catch(() => undefined);
      rmSync(this.home, { recursive: true, force: true });
    }
  }
}

/** 32 random bytes in base64url, the form `updraft config generate-key` prints. */
export function newEncryptionKey(): string {
  return randomBytes(32).toString('base64url');
}

export function sqliteDurability(path: string): string {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const mode = String(db.pragma('journal_mode', { simple: true }));
    // synchronous is per connection: the store's connection sets NORMAL (src/store/sqlite/sqlite-store.ts).
    return `SQLite journal_mode=${mode}, synchronous=NORMAL (set by the store on its connection)`;
  } finally {
    db.close();
  }
}

export async function postgresDurability(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const setting = async (name: string): Promise<string> => String((await client.query(`SHOW ${name}`)).rows[0]?.[name]);
    return `PostgreSQL synchronous_commit=${await setting('synchronous_commit')}, fsync=${await setting('fsync')}`;
  } finally {
    await client.end();
  }
}

// DAG file sources. They import 'updraft' like a user's file; the loader maps it to this package.

export function emptyChainDag(dagId: string, length: number): string {
  return `import { EmptyOperator, chain, dag } from 'updraft';

export default dag({ dagId: ${JSON.stringify(dagId)}, schedule: null }, () => {
  const tasks = Array.from({ length: ${length} }, (_, i) => new EmptyOperator({ taskId: \`step_\${i + 1}\` }));
  chain(...tasks);
});
`;
}

export function emptyFanoutDag(dagId: string, width: number): string {
  return `import { EmptyOperator, dag } from 'updraft';

export default dag({ dagId: ${JSON.stringify(dagId)}, schedule: null }, () => {
  for (let i = 0; i < ${width}; i++) new EmptyOperator({ taskId: \`task_\${i + 1}\` });
});
`;
}

/**
 * A chain whose no-op tasks record when their execute() began and ended (performance.timeOrigin +
 * performance.now(), sub-millisecond, comparable across processes) in `<folder>/<run id>.times`.
 */
export function stampChainDag(dagId: string, length: number, folder: string): string {
  return `import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BaseOperator, chain, dag, type TaskContext } from 'updraft';

const now = (): number => performance.timeOrigin + performance.now();

class Stamp extends BaseOperator<undefined> {
  execute(ctx: TaskContext): undefined {
    const start = now();
    const end = now();
    appendFileSync(join(${JSON.stringify(folder)}, ctx.runId + '.times'), this.taskId + ' ' + start + ' ' + end + '\\n');
    return undefined;
  }
}

export default dag({ dagId: ${JSON.stringify(dagId)}, schedule: null }, () => {
  const tasks = Array.from({ length: ${length} }, (_, i) => new Stamp({ taskId: \`step_\${i + 1}\` }));
  chain(...tasks);
});
`;
}
