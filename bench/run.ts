// `npm run bench [-- --only <workload>] [-- --quick] [-- --write]`: Updraft side by side with BullMQ and
// graphile-worker on this machine. Markdown to stdout, progress to stderr; --write updates
// docs/benchmarks.md. What each workload measures and how: docs/benchmarks.md.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { postgresService, redisService, type PostgresService, type RedisService, type Skip } from '../test/support/services.js';
import { describeEnvironment, formatLoad } from './env.js';
import type { BenchContext, Services, Workload, WorkloadResult } from './harness.js';
import { renderEnvironment, renderWorkload, writeBenchmarksDoc } from './report.js';
import { chain } from './workloads/chain.js';
import { exportWorkload } from './workloads/export.js';
import { fanout } from './workloads/fanout.js';
import { idle } from './workloads/idle.js';
import { latency } from './workloads/latency.js';
import { parse } from './workloads/parse.js';

const WORKLOADS: Workload[] = [chain, fanout, latency, parse, idle, exportWorkload];
const DOC = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));

const USAGE = `usage: npm run bench [-- --only <workload>[,<workload>…]] [-- --quick] [-- --write] [-- --reps <n>]
  --only    workloads to run (repeatable or comma-separated): ${WORKLOADS.map((w) => w.name).join(', ')}
  --quick   tiny sizes and 1 repetition after the warm-up, to check that everything runs (CI)
  --write   update docs/benchmarks.md with the results (not with --quick)
  --reps    measured repetitions per system after the warm-up (default 5)`;

function usageError(message: string): never {
  process.stderr.write(`error: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseCommandLine(): { only: Workload[]; quick: boolean; write: boolean; reps: number } {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        only: { type: 'string', multiple: true },
        quick: { type: 'boolean', default: false },
        write: { type: 'boolean', default: false },
        reps: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    usageError((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const names = (values.only ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
  for (const name of names) {
    if (!WORKLOADS.some((w) => w.name === name)) usageError(`unknown workload "${name}"; choose from ${WORKLOADS.map((w) => w.name).join(', ')}`);
  }
  const only = names.length === 0 ? WORKLOADS : WORKLOADS.filter((w) => names.includes(w.name));
  if (values.write && values.quick) usageError('--write records full runs only; drop --quick');
  const reps = values.reps === undefined ? (values.quick ? 1 : 5) : Number(values.reps);
  if (!Number.isInteger(reps) || reps < 1) usageError(`--reps "${values.reps}" is not a whole number ≥ 1`);
  return { only, quick: values.quick, write: values.write, reps };
}

async function service<T extends PostgresService | RedisService>(find: () => Promise<T | Skip>): Promise<T | Skip> {
  try {
    return await find();
  } catch (error) {
    // With CI=true the test helpers throw for a missing service; the bench reports it instead.
    return { skip: (error as Error).message };
  }
}

const options = parseCommandLine();
const loadAtStart = formatLoad();
const log = (line: string): void => { process.stderr.write(`[bench] ${line}\n`); };
const services: Services = { postgres: await service(postgresService), redis: await service(redisService) };
for (const [name, found] of Object.entries(services)) if ('skip' in found) log(`${name}: ${found.skip}`);
const ctx: BenchContext = { quick: options.quick, reps: options.reps, services, log };

log(`running: ${options.only.map((w) => w.name).join(', ')}${options.quick ? ' (--quick)' : ''}, ${options.reps} repetition${options.reps === 1 ? "" : "s"} after a warm-up`);
const results: WorkloadResult[] = [];
let failures = 0;
for (const workload of options.only) {
  log(`${workload.name}: start`);
  const startedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const loadBefore = formatLoad();
  try {
    const result = await workload.run(ctx);
    if (result.skipped === undefined) result.notes.push(`Measured ${startedAt}; load average (1/5/15 min) ${loadBefore} before, ${formatLoad()} after.`);
    results.push(result);
    log(`${workload.name}: ${result.skipped === undefined ? `done in ${(result.durationMs / 1000).toFixed(1)} s` : `skipped: ${result.skipped}`}`);
  } catch (error) {
    failures++;
    log(`${workload.name}: FAILED: ${(error as Error).stack ?? String(error)}`);
    results.push({ name: workload.name, title: workload.title, notes: [], metrics: [], rows: [], skipped: `failed: ${(error as Error).message}`, durationMs: 0 });
  }
}

const environment = await describeEnvironment(services, loadAtStart);
const mode = options.quick ? '--quick: tiny sizes, figures not comparable with full runs' : `full run, ${options.reps} repetitions after a warm-up`;
const ran = results.map((r) => `${r.name}${r.skipped === undefined ? '' : ` (${r.skipped})`}`);
const output = [
  '# Updraft benchmarks', '',
  `Workloads run: ${ran.join(', ')}.`, '',
  renderEnvironment(environment, mode),
  '## Results', '',
  ...results.map(renderWorkload),
].join('\n');
process.stdout.write(`${output}\n`);

if (options.write) {
  writeBenchmarksDoc(DOC, [
    { key: 'environment', content: renderEnvironment(environment, mode) },
    ...results.map((r) => ({ key: r.name, content: renderWorkload(r) })),
  ]);
  log(`updated ${DOC}: ${results.map((r) => r.name).join(', ')}`);
}
log(`workloads run: ${ran.join(', ')}`);
if (failures > 0) process.exitCode = 1;
