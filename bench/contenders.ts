import type { BenchContext, Contender } from './harness.js';
import { BULLMQ_CONFIG, BullmqSystem, type Tuning } from './systems/bullmq.js';
import { GRAPHILE_CONFIG, GraphileSystem } from './systems/graphile.js';
import { UPDRAFT_LABEL, UpdraftSystem, type Dialect } from './systems/updraft.js';

type Metrics = Record<string, number>;

/** What one workload does with each system; `warmup` lets a workload warm up at a smaller size. */
export interface WorkloadActions {
  /** DAG files the Updraft contenders need (written and parsed once, when opened). */
  updraftDags: (system: UpdraftSystem) => Record<string, string>;
  updraft: (system: UpdraftSystem, warmup: boolean) => Promise<Metrics>;
  bullmq: (system: BullmqSystem, warmup: boolean) => Promise<Metrics>;
  graphile: (system: GraphileSystem, warmup: boolean) => Promise<Metrics>;
}

export const UPDRAFT_CONFIG = 'defaults: LOCAL executor, parallelism 16';

function need<T extends object>(service: T | { skip: string }, what: string): T {
  if ('skip' in service) throw new Error(`${what}: ${service.skip}`);
  return service;
}

function updraftContender(ctx: BenchContext, dialect: Dialect, actions: WorkloadActions): Contender {
  let system: UpdraftSystem | null = null;
  return {
    id: `updraft-${dialect}`, system: UPDRAFT_LABEL[dialect], config: UPDRAFT_CONFIG,
    async open() {
      system = await UpdraftSystem.open(dialect, dialect === 'postgres' ? { postgres: need(ctx.services.postgres, 'PostgreSQL') } : {});
      await system.addDagFiles(actions.updraftDags(system));
    },
    rep: (warmup) => actions.updraft(system!, warmup),
    async close() {
      await system?.close();
    },
  };
}

function bullmqContender(ctx: BenchContext, tuning: Tuning, actions: WorkloadActions): Contender {
  let system: BullmqSystem | null = null;
  return {
    id: `bullmq-${tuning}`, system: 'BullMQ 6.7.0 (Redis)', config: BULLMQ_CONFIG[tuning], pairWith: 'updraft-sqlite',
    async open() {
      system = await BullmqSystem.open(need(ctx.services.redis, 'Redis').url, tuning);
    },
    rep: (warmup) => actions.bullmq(system!, warmup),
    async close() {
      await system?.close();
    },
  };
}

function graphileContender(ctx: BenchContext, tuning: Tuning, actions: WorkloadActions): Contender {
  let system: GraphileSystem | null = null;
  return {
    id: `graphile-${tuning}`, system: 'graphile-worker 0.17.3 (PostgreSQL)', config: GRAPHILE_CONFIG[tuning], pairWith: 'updraft-postgres',
    async open() {
      system = await GraphileSystem.open(need(ctx.services.postgres, 'PostgreSQL'), tuning);
    },
    rep: (warmup) => actions.graphile(system!, warmup),
    async close() {
      await system?.close();
    },
  };
}

/**
 * Updraft on SQLite paired with BullMQ (the embedded comparison), Updraft on PostgreSQL paired with
 * graphile-worker (the same database), each peer with its defaults and with its documented tuning.
 */
export function standardContenders(ctx: BenchContext, actions: WorkloadActions): Contender[] {
  return [
    updraftContender(ctx, 'sqlite', actions),
    bullmqContender(ctx, 'default', actions),
    bullmqContender(ctx, 'tuned', actions),
    updraftContender(ctx, 'postgres', actions),
    graphileContender(ctx, 'default', actions),
    graphileContender(ctx, 'tuned', actions),
  ];
}
