import type { PostgresService, RedisService, Skip } from '../test/support/services.js';

/** A value a target compares against: `value op bound` holds when the target is met. */
export interface Target {
  op: '<=' | '>=';
  bound: number;
}

export type Unit = 'ms' | 's' | 'tasks/s' | 'rows/s' | 'queries/s' | '% CPU' | 'MB' | 'statements';

export interface MetricDef {
  key: string;
  label: string;
  unit: Unit;
  /** Which way is better (the ratio Updraft/peer reads accordingly). */
  better: 'lower' | 'higher';
  /** DESIGN.md target for the figure of an Updraft contender, by contender id. */
  updraftTargets?: Record<string, Target>;
  /** DESIGN.md target for the ratio Updraft/peer. */
  ratioTarget?: Target;
  /** Shown for information (no ratio). */
  informational?: boolean;
}

/** One system (and configuration) taking part in a workload. */
export interface Contender {
  id: string;
  /** Display name: 'Updraft (SQLite)', 'BullMQ 6.7.0'. */
  system: string;
  /** How it is configured, as printed with the results. */
  config: string;
  /** Peers: the id of the Updraft contender their ratio compares with. */
  pairWith?: string;
  open(): Promise<void>;
  /** One repetition: its metrics by key. A warm-up repetition is not recorded. */
  rep(warmup: boolean): Promise<Record<string, number>>;
  close(): Promise<void>;
}

export interface Row {
  contender: Pick<Contender, 'id' | 'system' | 'config' | 'pairWith'>;
  metric: MetricDef;
  samples: number[];
}

export interface WorkloadResult {
  name: string;
  title: string;
  /** What was measured and how, one line each (printed under the table). */
  notes: string[];
  metrics: MetricDef[];
  rows: Row[];
  /** How the repetitions were run, when not alternately (printed instead of the default line). */
  repetitions?: string;
  /** Set when the workload did not run; the reason is printed instead of a table. */
  skipped?: string;
  durationMs: number;
}

export interface Services {
  postgres: PostgresService | Skip;
  redis: RedisService | Skip;
}

export interface BenchContext {
  quick: boolean;
  /** Measured repetitions per contender (after one warm-up). */
  reps: number;
  services: Services;
  log(line: string): void;
}

export interface Workload {
  name: string;
  title: string;
  run(ctx: BenchContext): Promise<WorkloadResult>;
}

/**
 * Runs the contenders alternately: all are opened, each does a warm-up repetition, then repetition
 * r of every contender runs before repetition r+1 of any, so a burst of load from elsewhere on the
 * (shared) machine hits every system rather than one. A contender that cannot open (its service is
 * unavailable) is left out with a note; one that fails mid-way fails the workload.
 */
export async function runAlternating(ctx: BenchContext, input: {
  name: string; title: string; metrics: MetricDef[]; contenders: Contender[]; notes: string[];
}): Promise<WorkloadResult> {
  const began = Date.now();
  const notes = [...input.notes];
  const open: Contender[] = [];
  const samples = new Map<string, Map<string, number[]>>();
  try {
    for (const contender of input.contenders) {
      try {
        await contender.open();
        open.push(contender);
        samples.set(contender.id, new Map());
      } catch (error) {
        notes.push(`${contender.system} (${contender.config}) left out: ${(error as Error).message}`);
        ctx.log(`${input.name}: ${contender.system} left out: ${(error as Error).message}`);
      }
    }
    for (let rep = 0; rep <= ctx.reps; rep++) {
      const warmup = rep === 0;
      for (const contender of open) {
        const values = await contender.rep(warmup);
        ctx.log(`${input.name}: ${warmup ? 'warm-up' : `rep ${rep}/${ctx.reps}`} ${contender.system} [${contender.id}] ${formatValues(values)}`);
        if (warmup) continue;
        const byMetric = samples.get(contender.id)!;
        for (const [key, value] of Object.entries(values)) byMetric.set(key, [...(byMetric.get(key) ?? []), value]);
      }
    }
  } finally {
    for (const contender of open.reverse()) {
      await contender.close().catch((error: Error) => ctx.log(`${input.name}: closing ${contender.system} failed: ${error.message}`));
    }
  }
  const rows: Row[] = [];
  for (const contender of input.contenders) {
    const byMetric = samples.get(contender.id);
    if (byMetric === undefined) continue;
    for (const metric of input.metrics) {
      const values = byMetric.get(metric.key);
      if (values === undefined || values.length === 0) continue;
      rows.push({ contender: { id: contender.id, system: contender.system, config: contender.config, pairWith: contender.pairWith }, metric, samples: values });
    }
  }
  return { name: input.name, title: input.title, notes, metrics: input.metrics, rows, durationMs: Date.now() - began };
}

function formatValues(values: Record<string, number>): string {
  return Object.entries(values).map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(2)}`).join(' ');
}

export function skippedResult(name: string, title: string, reason: string): WorkloadResult {
  return { name, title, notes: [], metrics: [], rows: [], skipped: reason, durationMs: 0 };
}
