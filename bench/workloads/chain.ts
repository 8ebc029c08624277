import { standardContenders } from '../contenders.js';
import { runAlternating, type BenchContext, type MetricDef, type Workload, type WorkloadResult } from '../harness.js';
import { emptyChainDag } from '../systems/updraft.js';

const DAG_ID = 'bench_chain';

/** 40 sequential no-op tasks in one run: wall time from the trigger to the last task's success. */
export const chain: Workload = {
  name: 'chain',
  title: '40 sequential no-op tasks, one run, wall time',
  async run(ctx: BenchContext): Promise<WorkloadResult> {
    const length = 40;
    const metrics: MetricDef[] = [
      { key: 'wall', label: `${length}-task chain`, unit: 'ms', better: 'lower', ratioTarget: { op: '<=', bound: 1 } },
    ];
    const wallOf = (wall: number): Record<string, number> => ({ wall });
    return runAlternating(ctx, {
      name: 'chain', title: `${length} sequential no-op tasks, one run, wall time`, metrics,
      notes: [
        `Updraft: a DAG of ${length} EmptyOperators in a chain; from triggerDag() to the run's success (onRunFinished), every task in a LOCAL-executor worker process, every state change committed.`,
        `BullMQ: a FlowProducer flow ${length} levels deep (one child per parent; children complete first); from flow.add() to the root job's 'completed'.`,
        `graphile-worker: a job whose handler adds the next job (helpers.addJob) until step ${length}; from addJob(step 1) to job:success of step ${length}.`,
        'Target (DESIGN.md): ≤ 1× BullMQ for embedded Updraft (SQLite), ≤ 1× graphile-worker for Updraft on PostgreSQL.',
      ],
      contenders: standardContenders(ctx, {
        updraftDags: () => ({ 'bench_chain.ts': emptyChainDag(DAG_ID, length) }),
        updraft: async (system) => wallOf((await system.runDag(DAG_ID)).ms),
        bullmq: async (system) => wallOf(await system.chain(length)),
        graphile: async (system) => wallOf(await system.chain(length)),
      }),
    });
  },
};
