import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { Logger, makeWorkerUtils, run, type Job, type Runner, type RunnerOptions, type Task, type WorkerUtils } from 'graphile-worker';
import type { CreatedDatabase, PostgresService } from '../../test/support/services.js';
import type { Tuning } from './bullmq.js';

/** How each graphile-worker variant is configured, as printed with the results. */
export const GRAPHILE_CONFIG: Record<Tuning, string> = {
  default: 'defaults: concurrency 1, pollInterval 2 s',
  tuned: 'tuned: concurrency 10, maxPoolSize 11, useNodeTime, localQueue 500, completeJobBatchDelay 0',
};

interface Payload {
  token: string;
  step?: number;
  total?: number;
}

interface Stamp {
  step: number;
  start: number;
  end: number;
}

const now = (): number => performance.timeOrigin + performance.now();

/** Errors only: graphile-worker logs every start and stop at info level otherwise. */
const quietLogger = new Logger(() => (level, message) => {
  if (level === 'error') console.error(`graphile-worker: ${message}`);
});

/**
 * graphile-worker 0.17 on a fresh PostgreSQL database (dropped on close), used as its users use it:
 * `run()` with a task list in this process (started before timing), jobs added with WorkerUtils.
 * A chain is what graphile-worker offers for dependent steps: each job adds the next one.
 */
export class GraphileSystem {
  private readonly listeners = new Set<(job: Job) => void>();
  private stamps: Stamp[] | null = null;
  private counter = 0;
  private runner: Runner | null = null;
  private utils: WorkerUtils | null = null;
  /** Our own pools (with error handlers, ended and awaited on close) so the database can be dropped cleanly. */
  private readonly pools: pg.Pool[] = [];

  private constructor(readonly tuning: Tuning, private readonly database: CreatedDatabase) {}

  static async open(postgres: PostgresService, tuning: Tuning): Promise<GraphileSystem> {
    const system = new GraphileSystem(tuning, await postgres.createDatabase('graphile_bench'));
    try {
      await system.start();
    } catch (error) {
      await system.close();
      throw error;
    }
    return system;
  }

  private async start(): Promise<void> {
    const step: Task = async (payload, helpers) => {
      const start = now();
      const { token, step: n = 1, total = 1 } = payload as Payload;
      // The step's own work ends here; adding the next job is how graphile-worker chains (its
      // dependency mechanism), so it counts in the latency, as Updraft's scheduler pass does.
      if (this.stamps !== null) this.stamps.push({ step: n, start, end: now() });
      if (n < total) await helpers.addJob('step', { token, step: n + 1, total } satisfies Payload);
    };
    const noop: Task = async () => undefined;
    // graphile-worker's own pool would have maxPoolSize connections: 10 by default, 11 tuned.
    const workerPool = this.pool(this.tuning === 'tuned' ? 11 : 10);
    const options: RunnerOptions = {
      pgPool: workerPool, taskList: { step, noop }, noHandleSignals: true, logger: quietLogger,
      ...(this.tuning === 'tuned' ? {
        concurrency: 10, useNodeTime: true,
        preset: { worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
      } : {}),
    };
    this.runner = await run(options);
    this.runner.events.on('job:success', ({ job }) => {
      for (const listener of this.listeners) listener(job);
    });
    this.utils = await makeWorkerUtils({ pgPool: this.pool(2), logger: quietLogger });
  }

  private pool(max: number): pg.Pool {
    const pool = new pg.Pool({ connectionString: this.database.url, max });
    pool.on('error', (error) => console.error(`graphile bench pool: ${error.message}`));
    pool.on('connect', (client) => client.on('error', (error) => console.error(`graphile bench client: ${error.message}`)));
    this.pools.push(pool);
    return pool;
  }

  private token(): string {
    return `${process.pid}-${++this.counter}-${Date.now()}`;
  }

  private completions(token: string, count: number, predicate: (payload: Payload) => boolean = () => true): Promise<void> {
    return new Promise((resolve) => {
      let seen = 0;
      const listener = (job: Job): void => {
        const payload = job.payload as Payload;
        if (payload.token !== token || !predicate(payload)) return;
        if (++seen >= count) {
          this.listeners.delete(listener);
          resolve();
        }
      };
      this.listeners.add(listener);
    });
  }

  /** Wall time from adding step 1 to the success of step `length` (each step adds the next). */
  async chain(length: number): Promise<number> {
    const token = this.token();
    const done = this.completions(token, 1, (p) => p.step === length);
    const began = performance.now();
    await this.utils!.addJob('step', { token, step: 1, total: length } satisfies Payload);
    await done;
    return performance.now() - began;
  }

  /** Wall time from one addJobs call of `count` jobs to the last success. */
  async fanout(count: number): Promise<number> {
    const token = this.token();
    const done = this.completions(token, count);
    const began = performance.now();
    await this.utils!.addJobs(Array.from({ length: count }, () => ({ identifier: 'noop', payload: { token } satisfies Payload })));
    await done;
    return performance.now() - began;
  }

  /** Handler start/end stamps of a chain of `steps`, in execution order. */
  async stampedChain(steps: number): Promise<Stamp[]> {
    const token = this.token();
    const done = this.completions(token, 1, (p) => p.step === steps);
    this.stamps = [];
    try {
      await this.utils!.addJob('step', { token, step: 1, total: steps } satisfies Payload);
      await done;
      return [...this.stamps].sort((a, b) => a.step - b.step);
    } finally {
      this.stamps = null;
    }
  }

  async close(): Promise<void> {
    try {
      await this.runner?.stop();
      await this.runner?.promise.catch(() => undefined);
      await this.utils?.release();
    } finally {
      this.runner = null;
      this.utils = null;
      for (const pool of this.pools.splice(0)) await pool.end().catch(() => undefined);
      await this.database.drop().catch((error: Error) => console.error(`could not drop ${this.database.name}: ${error.message}`));
    }
  }
}
