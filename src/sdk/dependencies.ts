import { UpdraftError } from '../common/errors.js';
import type { BaseOperator } from './base-operator.js';
import { assertNotSealed } from './dag-registry.js';
import { describe } from './naming.js';
import { kAsDownstream, kAsUpstream, kInternals } from './symbols.js';
import type { TaskGroup } from './task-group.js';
import type { XComArg } from './xcom-arg.js';

/** Anything that can stand in a dependency: a task, the result of a TaskFlow call, a task group. */
export type DependencyTarget = BaseOperator<unknown> | XComArg<unknown> | TaskGroup;
export type Dependencies = DependencyTarget | readonly DependencyTarget[];

interface DependencyNode {
  [kAsUpstream](): readonly BaseOperator<unknown>[];
  [kAsDownstream](): readonly BaseOperator<unknown>[];
}

function isNode(value: unknown): value is DependencyNode {
  return typeof value === 'object' && value !== null
    && typeof (value as Partial<DependencyNode>)[kAsUpstream] === 'function'
    && typeof (value as Partial<DependencyNode>)[kAsDownstream] === 'function';
}

function nodes(value: unknown, what: string): DependencyNode[] {
  const list: unknown[] = Array.isArray(value) ? value : [value];
  return list.map((item) => {
    if (!isNode(item)) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT',
        `${what} got ${describe(item)}; pass a task, the result of a TaskFlow call, a task group, or an array of them`);
    }
    return item;
  });
}

/** Adds the edge up → down. */
export function link(up: BaseOperator<unknown>, down: BaseOperator<unknown>): void {
  const a = up[kInternals];
  const b = down[kInternals];
  if (a.dag !== b.dag) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG',
      `Cannot make ${JSON.stringify(down.taskId)} (DAG ${JSON.stringify(b.dag.dagId)}) depend on ${JSON.stringify(up.taskId)} (DAG ${JSON.stringify(a.dag.dagId)}): dependencies only link tasks of the same DAG`);
  }
  assertNotSealed(a.dag, `Cannot add the dependency ${up.taskId} -> ${down.taskId}`);
  if (up === down) {
    throw new UpdraftError('UPDRAFT_ERR_DAG_CYCLE',
      `DAG ${JSON.stringify(a.dag.dagId)} has a cycle: ${up.taskId} -> ${up.taskId} (a task cannot depend on itself)`);
  }
  a.downstream.add(down.taskId);
  b.upstream.add(up.taskId);
}

/** Makes every task of `to` depend on every task of `from` (groups: leaves of from, roots of to). */
export function connect(from: unknown, to: unknown, what = 'setDownstream()'): void {
  const ups = nodes(from, what).flatMap((node) => node[kAsUpstream]());
  const downs = nodes(to, what).flatMap((node) => node[kAsDownstream]());
  for (const up of ups) for (const down of downs) link(up, down);
}

/**
 * Chains dependencies: `chain(a, b, [c, d], e)` is a → b → {c, d} → e. Two adjacent lists must have
 * the same length and are linked pairwise (`chain([a, b], [c, d])` is a → c and b → d), as in Airflow.
 */
export function chain(...items: Dependencies[]): void {
  for (let i = 1; i < items.length; i++) {
    const up = items[i - 1];
    const down = items[i];
    if (Array.isArray(up) && Array.isArray(down)) {
      if (up.length !== down.length) {
        throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT',
          `chain() got adjacent lists of different lengths (${up.length} at position ${i - 1}, ${down.length} at position ${i}); adjacent lists are linked pairwise, so they must have the same length`);
      }
      up.forEach((item, j) => connect(item, down[j], 'chain()'));
    } else {
      connect(up, down, 'chain()');
    }
  }
}
