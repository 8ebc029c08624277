import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CliContext } from '../../src/cli/context.js';
import { buildDagProcessor } from '../../src/cli/engine.js';
import { silentLogger } from '../../src/common/logger.js';
import { runAlternating, type BenchContext, type Contender, type MetricDef, type Workload, type WorkloadResult } from '../harness.js';
import { benchTempDir } from '../bench-dir.js';

let nonce = 0;

/** A DAG file of 10 tasks: EmptyOperators, BashOperators and a TaskFlow pipeline, as users write them. */
export function tenTaskDag(dagId: string, salt: string): string {
  return `// ${salt}
import { BashOperator, EmptyOperator, chain, dag, task } from 'updraft';

const extract = task('extract', (): number[] => [1, 2, 3]);
const transform = task('transform', (rows: number[]): number => rows.reduce((a, b) => a + b, 0));
const load = task('load', (total: number): void => { void total; });

export default dag({
  dagId: ${JSON.stringify(dagId)}, schedule: '@daily', startDate: '2026-01-01', tags: ['bench'],
  defaultArgs: { owner: 'bench', retries: 1, retryDelay: '5m' },
}, () => {
  const start = new EmptyOperator({ taskId: 'start' });
  const check = new BashOperator({ taskId: 'check', bashCommand: 'echo "checking {{ ds }}"' });
  const a = new EmptyOperator({ taskId: 'part_a' });
  const b = new EmptyOperator({ taskId: 'part_b' });
  const c = new EmptyOperator({ taskId: 'part_c' });
  const report = new BashOperator({ taskId: 'report', bashCommand: 'echo "done {{ ds }}"' });
  const end = new EmptyOperator({ taskId: 'end' });
  chain(start, check, [a, b, c], report, end);
  const loaded = load(transform(extract()));
  loaded.setUpstream(check);
  loaded.setDownstream(end);
});
`;
}

/** One DAG of `tasks` EmptyOperators in 100 parallel chains (built in a loop, as large DAGs are). */
export function bigDag(dagId: string, tasks: number, salt: string): string {
  return `// ${salt}
import { EmptyOperator, dag, type BaseOperator } from 'updraft';

export default dag({ dagId: ${JSON.stringify(dagId)}, schedule: '@daily', startDate: '2026-01-01' }, () => {
  const all: BaseOperator<unknown>[] = [];
  for (let i = 0; i < ${tasks}; i++) {
    const op = new EmptyOperator({ taskId: \`t_\${i}\` });
    if (i >= 100) all[i - 100]!.setDownstream(op);
    all.push(op);
  }
});
`;
}

/**
 * Parses a folder cold: a fresh UPDRAFT_HOME and SQLite store, a new DAG processor (its parse
 * worker processes start inside the timing) and files no process has seen (a unique comment, so no
 * transpile cache helps). Returns seconds for processOnce().
 */
async function parseCold(files: Record<string, string>, expectedDags: number): Promise<number> {
  const home = benchTempDir('updraft-bench-parse-');
  const ctx = new CliContext({ home });
  ctx.override('logging', 'logging_level', 'warn');
  try {
    ctx.ensureHome();
    const dagsFolder = ctx.config.core.dags_folder;
    for (const [name, source] of Object.entries(files)) writeFileSync(join(dagsFolder, name), source);
    const store = await ctx.readyStore();
    const began = performance.now();
    const processor = buildDagProcessor(ctx, store, silentLogger);
    try {
      const summary = await processor.processOnce();
      const seconds = (performance.now() - began) / 1000;
      if (summary.errors.length > 0) throw new Error(`import errors: ${summary.errors[0]!.file}: ${summary.errors[0]!.message}`);
      if (summary.dagIds.length !== expectedDags) throw new Error(`expected ${expectedDags} DAGs, parsed ${summary.dagIds.length}`);
      return seconds;
    } finally {
      await processor.stop();
    }
  } finally {
    await ctx.close();
    rmSync(home, { recursive: true, force: true });
  }
}

export const parse: Workload = {
  name: 'parse',
  title: 'DAG parsing, cold',
  async run(ctx: BenchContext): Promise<WorkloadResult> {
    const fileCount = ctx.quick ? 50 : 1_000;
    const bigTasks = ctx.quick ? 500 : 5_000;
    const metrics: MetricDef[] = [
      { key: 'files', label: `${fileCount.toLocaleString('en-US')} files × 10 tasks`, unit: 's', better: 'lower', updraftTargets: ctx.quick ? undefined : { 'updraft-sqlite': { op: '<=', bound: 10 } } },
      { key: 'big', label: `one ${bigTasks.toLocaleString('en-US')}-task DAG`, unit: 's', better: 'lower', updraftTargets: ctx.quick ? undefined : { 'updraft-sqlite': { op: '<=', bound: 2 } } },
    ];
    const contender: Contender = {
      id: 'updraft-sqlite', system: 'Updraft (SQLite)', config: 'DagProcessor.processOnce, 2 parse worker processes (as `updraft scheduler`)',
      open: async () => undefined,
      async rep() {
        const salt = `${process.pid}-${Date.now()}-${++nonce}`;
        const files: Record<string, string> = {};
        for (let i = 0; i < fileCount; i++) files[`gen_${String(i).padStart(4, '0')}.ts`] = tenTaskDag(`gen_${i}`, salt);
        const filesSeconds = await parseCold(files, fileCount);
        const bigSeconds = await parseCold({ 'big.ts': bigDag('big', bigTasks, salt) }, 1);
        return { files: filesSeconds, big: bigSeconds };
      },
      close: async () => undefined,
    };
    return runAlternating(ctx, {
      name: 'parse', title: 'DAG parsing, cold (no peer)', metrics, contenders: [contender],
      notes: [
        `${fileCount.toLocaleString('en-US')} generated DAG files of 10 tasks each (EmptyOperators, BashOperators, a TaskFlow extract → transform → load), and one file defining a ${bigTasks.toLocaleString('en-US')}-task DAG (100 parallel chains built in a loop).`,
        'Cold: a fresh UPDRAFT_HOME and SQLite store, a new DagProcessor whose 2 parse worker processes start within the timing, and file contents no process has seen (no transpile cache). Timed: processOnce(), which imports every file in a worker, serializes and hashes each DAG and stores it.',
        `Target (DESIGN.md, for 1,000 files and a 5,000-task DAG): ≤ 10 s on 2 cores; ≤ 2 s.${ctx.quick ? ' (--quick runs smaller sizes: the targets do not apply.)' : ''}`,
      ],
    });
  },
};
