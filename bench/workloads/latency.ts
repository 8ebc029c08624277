import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { standardContenders } from '../contenders.js';
import { runAlternating, type BenchContext, type MetricDef, type Workload, type WorkloadResult } from '../harness.js';
import { percentile } from '../report.js';
import { stampChainDag, type UpdraftSystem } from '../systems/updraft.js';

const DAG_ID = 'bench_latency';
const WARMUP_DAG_ID = 'bench_latency_warmup';

interface Stamp {
  step: number;
  start: number;
  end: number;
}

/** Downstream start minus upstream end for each consecutive pair, as p50/p95/p99 in ms. */
export function latencies(stamps: Stamp[], expected: number): Record<string, number> {
  const ordered = [...stamps].sort((a, b) => a.step - b.step);
  if (ordered.length !== expected || ordered.some((s, i) => s.step !== i + 1)) {
    throw new Error(`expected stamps of steps 1..${expected}, got ${ordered.length} (${ordered.slice(0, 5).map((s) => s.step).join(', ')}…)`);
  }
  const gaps = ordered.slice(1).map((s, i) => s.start - ordered[i]!.end);
  return { p50: percentile(gaps, 50), p95: percentile(gaps, 95), p99: percentile(gaps, 99), max: Math.max(...gaps) };
}

function readUpdraftStamps(folder: string, runId: string): Stamp[] {
  return readFileSync(join(folder, `${runId}.times`), 'utf8').trim().split('\n').map((line) => {
    const [taskId, start, end] = line.split(' ') as [string, string, string];
    return { step: Number(taskId.slice('step_'.length)), start: Number(start), end: Number(end) };
  });
}

/** Upstream end → downstream start over N dependent pairs (a chain of N + 1 steps), from stamps the tasks record. */
export const latency: Workload = {
  name: 'latency',
  title: 'upstream end → downstream start over 1,000 dependent pairs',
  async run(ctx: BenchContext): Promise<WorkloadResult> {
    const pairs = ctx.quick ? 50 : 1_000;
    const warmupPairs = Math.max(20, Math.round(pairs / 10));
    const metrics: MetricDef[] = [
      { key: 'p50', label: 'p50', unit: 'ms', better: 'lower', updraftTargets: { 'updraft-sqlite': { op: '<=', bound: 2 } } },
      { key: 'p95', label: 'p95', unit: 'ms', better: 'lower' },
      { key: 'p99', label: 'p99', unit: 'ms', better: 'lower', updraftTargets: { 'updraft-sqlite': { op: '<=', bound: 20 } } },
      { key: 'max', label: 'max', unit: 'ms', better: 'lower', informational: true },
    ];
    const folders = new Map<UpdraftSystem, string>();
    const stampFolder = (system: UpdraftSystem): string => {
      let folder = folders.get(system);
      if (folder === undefined) {
        folder = join(system.home, 'stamps');
        mkdirSync(folder, { recursive: true });
        folders.set(system, folder);
      }
      return folder;
    };
    return runAlternating(ctx, {
      name: 'latency', title: `upstream end → downstream start over ${pairs.toLocaleString('en-US')} dependent pairs`, metrics,
      notes: [
        `Each system runs a chain of ${(pairs + 1).toLocaleString('en-US')} no-op steps, one after the other (so no pair waits for a free slot); each step records performance.timeOrigin + performance.now() when its code starts and ends, and a pair's latency is the downstream start minus the upstream end.`,
        'Updraft: a custom operator appends its stamps to a file (no XCom, so no extra database write); the gap holds the worker\'s report over IPC, the scheduling pass and its commit, the claim, the dispatch over IPC and the attempt\'s set-up in the worker (context, log file).',
        'BullMQ: a FlowProducer chain (the parent moves to wait when its child completes); graphile-worker: each job adds the next one (its end stamp is taken before helpers.addJob).',
        `p50/p95/p99 per repetition over the ${pairs.toLocaleString('en-US')} pairs, then median/min/max of those over the repetitions. The warm-up runs ${warmupPairs} pairs.`,
        'Target (DESIGN.md): p50 ≤ 2 ms and p99 ≤ 20 ms for embedded Updraft (SQLite).',
      ],
      contenders: standardContenders(ctx, {
        updraftDags: (system) => ({
          'bench_latency.ts': stampChainDag(DAG_ID, pairs + 1, stampFolder(system)),
          'bench_latency_warmup.ts': stampChainDag(WARMUP_DAG_ID, warmupPairs + 1, stampFolder(system)),
        }),
        updraft: async (system, warmup) => {
          const { run } = await system.runDag(warmup ? WARMUP_DAG_ID : DAG_ID);
          return latencies(readUpdraftStamps(stampFolder(system), run.runId), (warmup ? warmupPairs : pairs) + 1);
        },
        bullmq: async (system, warmup) => latencies(await system.stampedChain((warmup ? warmupPairs : pairs) + 1), (warmup ? warmupPairs : pairs) + 1),
        graphile: async (system, warmup) => latencies(await system.stampedChain((warmup ? warmupPairs : pairs) + 1), (warmup ? warmupPairs : pairs) + 1),
      }),
    });
  },
};
