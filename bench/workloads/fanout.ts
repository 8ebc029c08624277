import { standardContenders } from '../contenders.js';
import { runAlternating, type BenchContext, type MetricDef, type Workload, type WorkloadResult } from '../harness.js';
import { emptyFanoutDag } from '../systems/updraft.js';

const DAG_ID = 'bench_fanout';
const WARMUP_DAG_ID = 'bench_fanout_warmup';

/** N independent no-op tasks in one run (peers: N jobs added in bulk): tasks per second. */
export const fanout: Workload = {
  name: 'fanout',
  title: '10,000 independent no-op tasks in one run, throughput',
  async run(ctx: BenchContext): Promise<WorkloadResult> {
    const width = ctx.quick ? 200 : 10_000;
    // The warm-up (not measured) runs at a tenth of the size: it only has to warm processes,
    // connections and the JIT, and a full-size one would add minutes to every run.
    const warmupWidth = Math.max(50, Math.round(width / 10));
    const metrics: MetricDef[] = [
      { key: 'rate', label: `${width.toLocaleString('en-US')} tasks`, unit: 'tasks/s', better: 'higher', ratioTarget: { op: '>=', bound: 1 } },
      { key: 'statements', label: 'DB statements per task', unit: 'statements', better: 'lower', informational: true },
    ];
    const rate = (ms: number, warmup: boolean): Record<string, number> => ({ rate: (warmup ? warmupWidth : width) / (ms / 1000) });
    return runAlternating(ctx, {
      name: 'fanout', title: `${width.toLocaleString('en-US')} independent no-op tasks in one run, throughput`, metrics,
      notes: [
        `Updraft: one DAG of ${width.toLocaleString('en-US')} EmptyOperators without dependencies; from triggerDag() (which creates the run and its task instances) to the run's success.`,
        `BullMQ: Queue.addBulk of ${width.toLocaleString('en-US')} no-op jobs (batches of 1,000) with the Worker already running; until the last 'completed'.`,
        `graphile-worker: one addJobs() call of ${width.toLocaleString('en-US')} no-op jobs with the runner already running; until the last job:success.`,
        `The warm-up repetition runs ${warmupWidth.toLocaleString('en-US')} tasks.`,
        'Target (DESIGN.md): ≥ 1× BullMQ for embedded Updraft (SQLite), ≥ 1× graphile-worker for Updraft on PostgreSQL.',
      ],
      contenders: standardContenders(ctx, {
        updraftDags: () => ({ 'bench_fanout.ts': emptyFanoutDag(DAG_ID, width), 'bench_fanout_warmup.ts': emptyFanoutDag(WARMUP_DAG_ID, warmupWidth) }),
        updraft: async (system, warmup) => {
          const before = system.running.store.queryCount;
          const { ms } = await system.runDag(warmup ? WARMUP_DAG_ID : DAG_ID);
          return { ...rate(ms, warmup), statements: (system.running.store.queryCount - before) / (warmup ? warmupWidth : width) };
        },
        bullmq: async (system, warmup) => rate(await system.fanout(warmup ? warmupWidth : width), warmup),
        graphile: async (system, warmup) => rate(await system.fanout(warmup ? warmupWidth : width), warmup),
      }),
    });
  },
};
