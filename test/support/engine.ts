import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../src/common/logger.js';
import type { Executor } from '../../src/core/ports/executor.js';
import type { DagRun, MetadataStore } from '../../src/core/ports/metadata-store.js';
import { serializeDag, hashDagSpec } from '../../src/core/serialize-dag.js';
import { InProcessExecutor } from '../../src/executors/in-process/in-process-executor.js';
import { LocalExecutor } from '../../src/executors/local/local-executor.js';
import { loadDagModule } from '../../src/runtime/dag-loader.js';
import { runAttempt } from '../../src/runtime/run-attempt.js';
import { createExecutionApi } from '../../src/scheduler/execution-api.js';
import { Scheduler, type SchedulerOptions } from '../../src/scheduler/scheduler.js';
import { triggerDag } from '../../src/scheduler/operations.js';
import { openStore } from '../../src/store/open-store.js';
import { eventually } from './cli.js';
import { postgresService } from './services.js';

export const WORKER_ENTRY = fileURLToPath(new URL('../../src/runtime/worker-main.ts', import.meta.url));

export type Dialect = 'sqlite' | 'postgres';

/** A store on a fresh SQLite file or a fresh PostgreSQL database, with a cleanup. */
export async function makeStore(dialect: Dialect): Promise<{ store: MetadataStore; cleanup(): Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'updraft-store-'));
    const store = await openStore(join(dir, 'updraft.db'));
    await store.migrate();
    return { store, cleanup: async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); } };
  }
  const pg = await postgresService();
  if ('skip' in pg) throw new Error(pg.skip);
  const db = await pg.createDatabase('updraft_sched');
  const store = await openStore(db.url);
  await store.migrate();
  return { store, cleanup: async () => { await store.close(); await db.drop(); } };
}

export interface TestEngine {
  store: MetadataStore;
  dir: string;
  scheduler: Scheduler;
  /** Writes a DAG file, parses it in this process and stores its DAG(s). */
  addDag(name: string, source: string): Promise<string[]>;
  trigger(dagId: string, conf?: Record<string, unknown>, logicalDate?: Date): Promise<DagRun>;
  waitForRun(dagId: string, runId: string, timeoutMs?: number): Promise<DagRun>;
  states(dagId: string, runId: string): Promise<Record<string, string>>;
  close(): Promise<void>;
}

export async function makeEngine(dialect: Dialect, options: { executor?: 'in_process' | 'local'; scheduler?: Partial<SchedulerOptions> } = {}): Promise<TestEngine> {
  const { store, cleanup } = await makeStore(dialect);
  const dir = mkdtempSync(join(tmpdir(), 'updraft-engine-'));
  const executor: Executor = options.executor === 'local'
    ? new LocalExecutor({ parallelism: 4, workerEntry: WORKER_ENTRY, warmWorkers: 1, heartbeatTimeoutMs: 30_000, killGraceMs: 1000 })
    : new InProcessExecutor({ parallelism: 4, runAttempt: (w, ch, o) => runAttempt(w, ch, { signal: o.signal, captureProcessOutput: false }) });
  const api = createExecutionApi({
    store, maxXcomSize: 1_048_576,
    getVariable: async (key) => (await store.getVariable(key))?.value, getConnection: async () => undefined,
  });
  const scheduler = new Scheduler({
    store, executor, api, logger: silentLogger, baseLogFolder: join(dir, 'logs'), createScheduledRuns: false,
    heartbeatMs: 1000, safetyNetMs: 2000, ...options.scheduler,
  });
  await scheduler.start();
  return {
    store, dir, scheduler,
    async addDag(name, source) {
      const file = join(dir, name);
      writeFileSync(file, source);
      const ids: string[] = [];
      for (const dag of await loadDagModule(file, String(Date.now()))) {
        const spec = serializeDag(dag, file);
        await store.upsertDag({ spec, versionHash: hashDagSpec(spec), fileloc: file, isPausedOnCreate: false, parsedAt: new Date() });
        ids.push(spec.dagId);
      }
      scheduler.requestFullPass();
      return ids;
    },
    async trigger(dagId, conf, logicalDate) {
      const run = await triggerDag(store, dagId, { now: new Date(), ...(conf ? { conf } : {}), ...(logicalDate ? { logicalDate } : {}) });
      scheduler.touchRun(dagId, run.runId);
      return run;
    },
    async waitForRun(dagId, runId, timeoutMs = 60_000) {
      return (await eventually(async () => {
        const run = await store.getDagRun(dagId, runId);
        return run !== null && (run.state === 'success' || run.state === 'failed') ? run : null;
      }, `run ${dagId}/${runId} to finish`, timeoutMs, 50))!;
    },
    async states(dagId, runId) {
      return Object.fromEntries((await store.listTaskInstances({ dagId, runId })).map((t) => [t.taskId, t.state]));
    },
    async close() {
      await scheduler.stop(1000);
      await cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
