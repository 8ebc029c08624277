import { UpdraftError } from '../common/errors.js';
import type { BaseOperator } from './base-operator.js';
import { assertSynchronous, runInDag, type DagState } from './dag-registry.js';
import { resolveDagOptions, type DagOptions, type ResolvedDagOptions } from './dag-options.js';
import { closest } from '../common/closest.js';
import { DAG_BRAND, kInternals } from './symbols.js';
import type { TaskGroup } from './task-group.js';

/** A complete, validated DAG: what a DAG file exports (`export default dag(…)`). Read-only. */
export class Dag {
  readonly dagId: string;
  /** The options after defaults and validation: durations in ms, dates as Date. */
  readonly resolved: ResolvedDagOptions;
  readonly #state: DagState;

  /** @internal Use dag(). */
  constructor(resolved: ResolvedDagOptions, state: DagState) {
    this.dagId = resolved.dagId;
    this.resolved = resolved;
    this.#state = state;
  }

  /** Tasks by full id, in creation order. */
  get tasks(): ReadonlyMap<string, BaseOperator<unknown>> {
    return this.#state.tasks;
  }

  /** Task groups by full id, in creation order. */
  get taskGroups(): ReadonlyMap<string, TaskGroup> {
    return this.#state.groups;
  }

  hasTask(taskId: string): boolean {
    return this.#state.tasks.has(taskId);
  }

  /** Throws UPDRAFT_ERR_TASK_NOT_FOUND naming the DAG and the closest id. */
  getTask(taskId: string): BaseOperator<unknown> {
    const task = this.#state.tasks.get(taskId);
    if (task === undefined) {
      const near = closest(String(taskId), this.#state.tasks.keys());
      throw new UpdraftError('UPDRAFT_ERR_TASK_NOT_FOUND',
        `DAG ${JSON.stringify(this.dagId)} has no task ${JSON.stringify(taskId)}${near === null ? '' : ` (did you mean ${JSON.stringify(near)}?)`}`,
        { details: { dagId: this.dagId, taskId } });
    }
    return task;
  }

  /** Tasks without upstream tasks. */
  get roots(): BaseOperator<unknown>[] {
    return [...this.#state.tasks.values()].filter((t) => t.upstreamTaskIds.size === 0);
  }

  /** Tasks without downstream tasks. */
  get leaves(): BaseOperator<unknown>[] {
    return [...this.#state.tasks.values()].filter((t) => t.downstreamTaskIds.size === 0);
  }

  toString(): string {
    return `<DAG: ${this.dagId}>`;
  }
}

Object.defineProperty(Dag.prototype, DAG_BRAND, { value: true });

/** True for a DAG (also one made by another copy of the package). */
export function isDag(value: unknown): value is Dag {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[DAG_BRAND] === true;
}

/**
 * Defines a DAG. `body` runs synchronously; tasks and task groups created in it belong to the DAG.
 * When it returns, the DAG is checked (cycles, dependencies) and frozen.
 *
 *     export default dag({ dagId: 'etl', schedule: '@daily', startDate: '2024-01-01' }, () => {
 *       const rows = extract();
 *       load(rows);
 *     });
 */
export function dag(options: DagOptions, body: () => void): Dag {
  const resolved = resolveDagOptions(options);
  if (typeof body !== 'function') {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG',
      `dag({ dagId: ${JSON.stringify(resolved.dagId)} }, body) needs a body function that creates the tasks; got ${typeof body}`);
  }
  const state: DagState = {
    dagId: resolved.dagId,
    defaultArgs: resolved.defaultArgs,
    tasks: new Map(),
    groups: new Map(),
    groupStack: [],
    suffixes: new Map(),
    sealed: false,
  };
  runInDag(state, () => assertSynchronous(body(), `dag({ dagId: ${JSON.stringify(resolved.dagId)} })`));
  checkAcyclic(state);
  state.sealed = true;
  const result = new Dag(resolved, state);
  Object.freeze(result);
  return result;
}

/** Throws UPDRAFT_ERR_DAG_CYCLE naming one cycle as `a -> b -> c -> a`. */
function checkAcyclic(state: DagState): void {
  const WHITE = 0;
  const GREY = 1;
  const BLACK = 2;
  const color = new Map<string, number>();
  for (const start of state.tasks.keys()) {
    if ((color.get(start) ?? WHITE) !== WHITE) continue;
    // Iterative DFS: deep chains (thousands of tasks) must not overflow the call stack.
    const path: string[] = [start];
    const iterators: Iterator<string>[] = [state.tasks.get(start)![kInternals].downstream.values()];
    color.set(start, GREY);
    while (path.length > 0) {
      const next = iterators.at(-1)!.next();
      if (next.done === true) {
        color.set(path.pop()!, BLACK);
        iterators.pop();
        continue;
      }
      const id = next.value;
      const c = color.get(id) ?? WHITE;
      if (c === GREY) {
        const cycle = [...path.slice(path.indexOf(id)), id];
        throw new UpdraftError('UPDRAFT_ERR_DAG_CYCLE',
          `DAG ${JSON.stringify(state.dagId)} has a cycle: ${cycle.join(' -> ')}; remove one of these dependencies`,
          { details: { dagId: state.dagId, cycle } });
      }
      if (c === WHITE) {
        color.set(id, GREY);
        path.push(id);
        iterators.push(state.tasks.get(id)![kInternals].downstream.values());
      }
    }
  }
}
