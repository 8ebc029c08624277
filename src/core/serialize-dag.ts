import { createHash } from 'node:crypto';
import { UpdraftError } from '../common/errors.js';
import type { BaseOperator } from '../sdk/base-operator.js';
import type { Dag } from '../sdk/dag.js';
import type { ParamSpec as SdkParamSpec } from '../sdk/params.js';
import type { ResolvedSchedule } from '../sdk/schedule.js';
import type { ResolvedSensorOptions } from '../sdk/sensors/base-sensor-operator.js';
import type { TaskKind as SdkTaskKind, TriggerRule as SdkTriggerRule } from '../sdk/trigger-rules.js';
import {
  DAG_SPEC_VERSION, type DagSpec, type ParamSpec, type ScheduleSpec, type SensorSpec, type TaskKind, type TaskSpec,
} from './dag-spec.js';
import type { TriggerRule } from './states.js';

// The SDK repeats a few core types because it may not import core; these lines stop compiling
// the day the two drift apart.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameTypes: [
  Same<SdkTriggerRule, TriggerRule>, Same<SdkTaskKind, TaskKind>, Same<SdkParamSpec, ParamSpec>, Same<ResolvedSchedule, ScheduleSpec>,
] = [true, true, true, true];
void sameTypes;

const INT32_MAX = 2 ** 31 - 1;
const INT32_MIN = -(2 ** 31);

/**
 * The serialized form of a DAG, for the DAG processor to store and the scheduler to read. Tasks come
 * in a stable topological order (ties broken by creation order), so the same file gives the same
 * spec, and the same hash.
 */
export function serializeDag(dag: Dag, fileloc: string): DagSpec {
  const r = dag.resolved;
  const order = topologicalOrder(dag);
  const weights = effectiveWeights(order);
  return {
    specVersion: DAG_SPEC_VERSION,
    dagId: dag.dagId,
    fileloc,
    schedule: { ...r.schedule } as ScheduleSpec,
    startDate: r.startDate?.toISOString() ?? null,
    endDate: r.endDate?.toISOString() ?? null,
    timezone: r.timezone,
    catchup: r.catchup,
    maxActiveRuns: r.maxActiveRuns,
    maxActiveTasks: r.maxActiveTasks,
    dagrunTimeoutMs: r.dagrunTimeoutMs,
    params: Object.fromEntries(Object.entries(r.params).map(([name, spec]) => [name, serializeParam(spec)])),
    tags: [...r.tags],
    description: r.description,
    doc: r.doc,
    tasks: order.map((task) => serializeTask(task, weights.get(task.taskId) ?? task.resolved.priorityWeight)),
  };
}

function serializeParam(spec: SdkParamSpec): ParamSpec {
  const out: ParamSpec = {};
  for (const key of Object.keys(spec) as (keyof ParamSpec)[]) {
    if (spec[key] !== undefined) (out as Record<string, unknown>)[key] = structuredClone(spec[key]);
  }
  return out;
}

function serializeTask(task: BaseOperator<unknown>, priorityWeight: number): TaskSpec {
  const o = task.resolved;
  return {
    taskId: task.taskId,
    operator: task.operatorName,
    kind: task.kind,
    upstream: [...task.upstreamTaskIds].sort(),
    downstream: [...task.downstreamTaskIds].sort(),
    groups: [...task.taskGroupIds],
    owner: o.owner,
    retries: o.retries,
    retryDelayMs: o.retryDelayMs,
    retryExponentialBackoff: o.retryExponentialBackoff,
    maxRetryDelayMs: o.maxRetryDelayMs,
    executionTimeoutMs: o.executionTimeoutMs,
    dependsOnPast: o.dependsOnPast,
    triggerRule: o.triggerRule,
    pool: o.pool,
    poolSlots: o.poolSlots,
    priorityWeight,
    queue: o.queue,
    email: [...o.email],
    emailOnFailure: o.emailOnFailure,
    emailOnRetry: o.emailOnRetry,
    params: structuredClone({ ...o.params }),
    doc: o.doc,
    sensor: task.kind === 'sensor' ? sensorSpec(task) : null,
    ignoreDownstreamTriggerRules: task.ignoreDownstreamTriggerRules,
    templateFields: [...task.templateFields],
  };
}

function sensorSpec(task: BaseOperator<unknown>): SensorSpec {
  const sensor = (task as BaseOperator<unknown> & { sensor?: ResolvedSensorOptions }).sensor;
  if (sensor === undefined) {
    throw new UpdraftError('UPDRAFT_ERR_INTERNAL', `Task ${task.taskId} is a sensor without sensor options; extend BaseSensorOperator`);
  }
  return {
    mode: sensor.mode,
    pokeIntervalMs: sensor.pokeIntervalMs,
    timeoutMs: sensor.timeoutMs,
    softFail: sensor.softFail,
    exponentialBackoff: sensor.exponentialBackoff,
  };
}

/** Kahn's algorithm; among ready tasks the earliest created goes first. */
function topologicalOrder(dag: Dag): BaseOperator<unknown>[] {
  const tasks = [...dag.tasks.values()];
  const index = new Map(tasks.map((t, i) => [t.taskId, i]));
  const pending = tasks.map((t) => t.upstreamTaskIds.size);
  const ready = new MinHeap();
  pending.forEach((count, i) => { if (count === 0) ready.push(i); });
  const order: BaseOperator<unknown>[] = [];
  while (ready.size > 0) {
    const task = tasks[ready.pop()]!;
    order.push(task);
    for (const id of task.downstreamTaskIds) {
      const j = index.get(id)!;
      pending[j]! -= 1;
      if (pending[j] === 0) ready.push(j);
    }
  }
  if (order.length !== tasks.length) {
    // dag() rejects cycles; reaching this means the DAG was changed behind its back.
    throw new UpdraftError('UPDRAFT_ERR_DAG_CYCLE', `DAG ${JSON.stringify(dag.dagId)} has a cycle`);
  }
  return order;
}

/**
 * Airflow's default 'downstream' weight rule: a task's weight plus the weights of all its
 * descendants (each counted once), clamped to 32 bits. Descendant sets are bitsets, filled in
 * reverse topological order, so a 5,000-task DAG stays fast.
 */
function effectiveWeights(order: readonly BaseOperator<unknown>[]): Map<string, number> {
  const n = order.length;
  const words = Math.ceil(n / 32);
  const position = new Map(order.map((t, i) => [t.taskId, i]));
  const own = order.map((t) => t.resolved.priorityWeight);
  const sets = new Array<Uint32Array>(n);
  const weights = new Map<string, number>();
  for (let i = n - 1; i >= 0; i--) {
    const set = new Uint32Array(words);
    for (const id of order[i]!.downstreamTaskIds) {
      const j = position.get(id)!;
      const child = sets[j]!;
      for (let w = 0; w < words; w++) set[w]! |= child[w]!;
      set[j >>> 5]! |= 1 << (j & 31);
    }
    sets[i] = set;
    let total = own[i]!;
    for (let w = 0; w < words; w++) {
      let bits = set[w]!;
      while (bits !== 0) {
        const low = bits & -bits;
        total += own[(w << 5) + 31 - Math.clz32(low)]!;
        bits ^= low;
      }
    }
    weights.set(order[i]!.taskId, Math.max(INT32_MIN, Math.min(INT32_MAX, total)));
  }
  return weights;
}

/** sha256 hex of the spec as canonical JSON (keys sorted at every level). */
export function hashDagSpec(spec: DagSpec): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex');
}

export function canonicalJson(value: unknown): string {
  // Native JSON.stringify with a replacer that re-creates each object with sorted keys: much faster
  // than building the string by hand. (Integer-like keys still come first, in numeric order: that
  // order is as deterministic as the rest.)
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item === 'number' && !Number.isFinite(item)) {
      throw new UpdraftError('UPDRAFT_ERR_INTERNAL', `canonicalJson cannot encode ${item}`);
    }
    if (typeof item === 'bigint' || typeof item === 'function' || typeof item === 'symbol') {
      throw new UpdraftError('UPDRAFT_ERR_INTERNAL', `canonicalJson cannot encode a ${typeof item}`);
    }
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return item;
    const keys = Object.keys(item).sort();
    const sorted: Record<string, unknown> = {};
    for (const key of keys) sorted[key] = (item as Record<string, unknown>)[key];
    return sorted;
  }) ?? 'null';
}

/** A binary min-heap of task indexes. */
class MinHeap {
  readonly #items: number[] = [];

  get size(): number {
    return this.#items.length;
  }

  push(value: number): void {
    const items = this.#items;
    items.push(value);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent]! <= value) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = value;
  }

  pop(): number {
    const items = this.#items;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= items.length) break;
        const right = left + 1;
        const child = right < items.length && items[right]! < items[left]! ? right : left;
        if (items[child]! >= last) break;
        items[i] = items[child]!;
        i = child;
      }
      items[i] = last;
    }
    return top;
  }
}
