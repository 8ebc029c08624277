// The idle benchmark's scheduler process: `updraft scheduler` as src/cli/commands/serve.ts wires it
// (engine, DAG processor loop with its rescan, wake-file watcher), in a process of its own so its CPU
// and RSS are the scheduler's alone. It prints one JSON line per measured window on stdout.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { CliContext } from '../../src/cli/context.js';
import { buildDagProcessor, buildEngine } from '../../src/cli/engine.js';
import { watchWake } from '../../src/cli/wake.js';
import { LocalExecutor } from '../../src/executors/index.js';
import { newEncryptionKey } from '../systems/updraft.js';
import { benchTempDir } from '../bench-dir.js';

// The parent (idle.ts) reads the lines that start with this.
const IDLE_LINE_PREFIX = 'IDLE_WINDOW ';

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    seconds: { type: 'string', default: '60' },
    'warmup-seconds': { type: 'string', default: '10' },
    windows: { type: 'string', default: '5' },
    paused: { type: 'string', default: '100' },
    active: { type: 'string', default: '10' },
  },
});
const seconds = Number(values.seconds);
const warmupSeconds = Number(values['warmup-seconds']);
const windows = Number(values.windows);
const pausedCount = Number(values.paused);
const activeCount = Number(values.active);

const startDate = new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10);

function dagFile(dagId: string, schedule: string): string {
  return `import { EmptyOperator, chain, dag } from 'updraft';

export default dag({ dagId: ${JSON.stringify(dagId)}, schedule: ${JSON.stringify(schedule)}, startDate: ${JSON.stringify(startDate)} }, () => {
  chain(new EmptyOperator({ taskId: 'extract' }), new EmptyOperator({ taskId: 'transform' }), new EmptyOperator({ taskId: 'load' }));
});
`;
}

const clockTicks = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system) of another process, from /proc; 0 when it is gone. */
function procCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return 0;
  }
}

function procRssMb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? 0 : Number(match[1]) / 1024;
  } catch {
    return 0;
  }
}

const home = benchTempDir('updraft-bench-idle-');
const ctx = new CliContext({ home });
ctx.override('logging', 'logging_level', 'warn');
if (values['database-url'] !== undefined) {
  ctx.override('database', 'url', values['database-url']);
  ctx.override('secrets', 'encryption_key', newEncryptionKey());
}
ctx.ensureHome();
const dagsFolder = ctx.config.core.dags_folder;
const pausedIds: string[] = [];
for (let i = 0; i < pausedCount; i++) {
  const id = `paused_${String(i).padStart(3, '0')}`;
  pausedIds.push(id);
  writeFileSync(join(dagsFolder, `${id}.ts`), dagFile(id, '@hourly'));
}
for (let i = 0; i < activeCount; i++) {
  const id = `active_${String(i).padStart(2, '0')}`;
  writeFileSync(join(dagsFolder, `${id}.ts`), dagFile(id, '@daily'));
}

await (await ctx.store()).migrate();
const engine = await buildEngine(ctx, { executor: 'local', createScheduledRuns: true });
const store = engine.store;
const processor = buildDagProcessor(ctx, store);
const first = await processor.processOnce();
if (first.errors.length > 0) throw new Error(`DAG import errors: ${first.errors[0]!.file}: ${first.errors[0]!.message}`);
// What `updraft dags pause <id>` does (it then touches the wake file; the scheduler is not running yet).
for (const id of pausedIds) await store.setDagPaused(id, true);
await engine.scheduler.start();
processor.start((summary) => {
  if (summary.changedDagIds.length > 0 || summary.deactivatedDagIds.length > 0) engine.scheduler.requestFullPass();
}, { rescanIntervalMs: ctx.config.scheduler.dag_dir_list_interval });
const wake = watchWake(ctx.config.home, () => engine.scheduler.requestFullPass());

// The active DAGs each get their latest daily run at start (catchup off); wait until those ran.
const settleDeadline = Date.now() + 120_000;
for (;;) {
  const runs = await store.listDagRuns({});
  if (runs.length >= activeCount && runs.every((r) => r.state === 'success' || r.state === 'failed')) break;
  if (Date.now() > settleDeadline) throw new Error(`the active DAGs' runs did not finish within 120 s: ${runs.map((r) => `${r.dagId}=${r.state}`).join(', ')}`);
  await sleep(250);
}

function workerPids(): number[] {
  const executor = engine.executor instanceof LocalExecutor ? engine.executor.workerPids : [];
  return [...executor, ...processor.parseWorkerPids];
}

async function measure(durationSeconds: number): Promise<Record<string, number>> {
  const pidsBefore = workerPids();
  const workerCpu0 = new Map(pidsBefore.map((pid) => [pid, procCpuSeconds(pid)]));
  const queries0 = store.queryCount;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let rss = 0;
  let rssAll = 0;
  const end = t0 + durationSeconds * 1000;
  while (performance.now() < end) {
    await sleep(Math.min(1000, Math.max(0, end - performance.now())));
    const own = process.memoryUsage.rss() / 1_048_576;
    rss = Math.max(rss, own);
    rssAll = Math.max(rssAll, own + workerPids().reduce((sum, pid) => sum + procRssMb(pid), 0));
  }
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const pidsAfter = workerPids();
  let workerCpu = 0;
  for (const pid of pidsAfter) workerCpu += procCpuSeconds(pid) - (workerCpu0.get(pid) ?? 0);
  const ownCpu = (cpu.user + cpu.system) / 1e6;
  const queries = store.queryCount - queries0;
  return {
    seconds: elapsed, queries, qps: queries / elapsed,
    cpu: (ownCpu / elapsed) * 100, cpuAll: ((ownCpu + workerCpu) / elapsed) * 100,
    rss, rssAll, workers: pidsAfter.length,
  };
}

try {
  await measure(warmupSeconds);
  for (let window = 1; window <= windows; window++) {
    const result = await measure(seconds);
    process.stdout.write(`${IDLE_LINE_PREFIX}${JSON.stringify({ window, ...result })}\n`);
  }
} finally {
  wake?.close();
  await processor.stop();
  await engine.scheduler.stop(5_000);
  await ctx.close();
  rmSync(home, { recursive: true, force: true });
}
