import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchContext, MetricDef, Row, Workload, WorkloadResult } from '../harness.js';
import { UPDRAFT_LABEL, type Dialect } from '../systems/updraft.js';
import type { CreatedDatabase } from '../../test/support/services.js';

const CHILD = fileURLToPath(new URL('./idle-child.ts', import.meta.url));
const LINE_PREFIX = 'IDLE_WINDOW ';

type Window = Record<string, number>;

/** Runs the idle scheduler in its own process and collects its measured windows. */
function runChild(args: string[], log: (line: string) => void): Promise<Window[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const windows: Window[] = [];
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      let newline: number;
      while ((newline = stdout.indexOf('\n')) >= 0) {
        const line = stdout.slice(0, newline);
        stdout = stdout.slice(newline + 1);
        if (line.startsWith(LINE_PREFIX)) {
          const window = JSON.parse(line.slice(LINE_PREFIX.length)) as Window;
          windows.push(window);
          log(`idle: window ${window.window}: ${window.qps!.toFixed(2)} queries/s, ${window.cpu!.toFixed(2)} % CPU, RSS ${window.rss!.toFixed(0)} MB`);
        }
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr = (stderr + chunk).slice(-4000); });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve(windows);
      else reject(new Error(`the idle scheduler process exited with ${signal ?? `code ${code}`}: ${stderr.trim()}`));
    });
  });
}

export const idle: Workload = {
  name: 'idle',
  title: 'idle scheduler: 100 paused and 10 active DAGs',
  async run(ctx: BenchContext): Promise<WorkloadResult> {
    const began = Date.now();
    const seconds = ctx.quick ? 5 : 60;
    const warmupSeconds = ctx.quick ? 2 : 10;
    const metrics: MetricDef[] = [
      { key: 'qps', label: 'metadata DB queries/s', unit: 'queries/s', better: 'lower', updraftTargets: { 'updraft-sqlite': { op: '<=', bound: 1 }, 'updraft-postgres': { op: '<=', bound: 1 } } },
      { key: 'cpu', label: 'CPU, scheduler process', unit: '% CPU', better: 'lower' },
      { key: 'cpuAll', label: 'CPU, with worker processes', unit: '% CPU', better: 'lower' },
      { key: 'rss', label: 'RSS, scheduler process (peak)', unit: 'MB', better: 'lower', updraftTargets: { 'updraft-sqlite': { op: '<=', bound: 150 }, 'updraft-postgres': { op: '<=', bound: 150 } } },
      { key: 'rssAll', label: 'RSS, with worker processes (peak)', unit: 'MB', better: 'lower' },
    ];
    const notes = [
      `A scheduler process as \`updraft scheduler\` runs (engine, DAG processor loop, wake-file watcher), ${ctx.quick ? 'quick: ' : ''}100 paused DAGs (@hourly) and 10 active ones (@daily, catchup off: each gets its latest run at start, which is left to finish first).`,
      `Queries: the store's statement count (store.queryCount, BEGIN/COMMIT included); CPU: the process's user + system time over the window, as % of one core, alone and with its task-worker and parse-worker processes (/proc); RSS: the highest of 1-s samples.`,
      'The SQLite and PostgreSQL schedulers run at the same time, each in its own process (each idles; running them side by side halves the wall time).',
      'Target (DESIGN.md): ≤ 1 query/s per scheduler when idle, RSS ≤ 150 MB.',
    ];
    const dialects: Dialect[] = ['sqlite', 'postgres'];
    const databases: CreatedDatabase[] = [];
    const rows: Row[] = [];
    try {
      const jobs = dialects.map(async (dialect) => {
        const args = ['--seconds', String(seconds), '--warmup-seconds', String(warmupSeconds), '--windows', String(ctx.reps)];
        if (dialect === 'postgres') {
          const pg = ctx.services.postgres;
          if ('skip' in pg) {
            notes.push(`${UPDRAFT_LABEL.postgres} left out: ${pg.skip}`);
            return;
          }
          const database = await pg.createDatabase('updraft_bench_idle');
          databases.push(database);
          args.push('--database-url', database.url);
        }
        ctx.log(`idle: starting the ${dialect} scheduler`);
        const windows = await runChild(args, (line) => ctx.log(`${line} [${dialect}]`));
        const contender = { id: `updraft-${dialect}`, system: UPDRAFT_LABEL[dialect], config: 'defaults: LOCAL executor, heartbeat 5 s, safety net 30 s, rescan 30 s' };
        for (const metric of metrics) rows.push({ contender, metric, samples: windows.map((w) => w[metric.key]!) });
      });
      // Both run to their end before the databases are dropped, even when one fails.
      const failed = (await Promise.allSettled(jobs)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    } finally {
      for (const database of databases) await database.drop().catch(() => undefined);
    }
    rows.sort((a, b) => dialects.indexOf(a.contender.id.slice('updraft-'.length) as Dialect) - dialects.indexOf(b.contender.id.slice('updraft-'.length) as Dialect));
    return {
      name: 'idle', title: `idle scheduler: 100 paused and 10 active DAGs, ${seconds}-s windows`, notes, metrics, rows,
      repetitions: `${ctx.reps} measured window${ctx.reps === 1 ? '' : 's'} of ${seconds} s per system after a ${warmupSeconds}-s warm-up window; median, min and max over the windows.`,
      durationMs: Date.now() - began,
    };
  },
};
