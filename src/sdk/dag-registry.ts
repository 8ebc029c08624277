import { UpdraftError } from '../common/errors.js';
import type { BaseOperator } from './base-operator.js';
import type { DefaultArgs } from './task-options.js';
import type { TaskGroup } from './task-group.js';

/** The mutable state of a DAG while its body runs; sealed (read-only) once dag() returns. */
export interface DagState {
  readonly dagId: string;
  readonly defaultArgs: Readonly<DefaultArgs>;
  /** Insertion order is creation order (the tie-break of the serialized topological order). */
  readonly tasks: Map<string, BaseOperator<unknown>>;
  readonly groups: Map<string, TaskGroup>;
  /** Task groups whose body is running, outermost first. */
  readonly groupStack: TaskGroup[];
  /** Highest `__N` suffix in use per id without it (TaskFlow's unique ids, in O(1) per call). */
  readonly suffixes: Map<string, number>;
  sealed: boolean;
}

const dagStack: DagState[] = [];

/** The DAG whose body is running; throws UPDRAFT_ERR_TASK_OUTSIDE_DAG outside any dag() body. */
export function currentDagState(what: string): DagState {
  const state = dagStack.at(-1);
  if (state === undefined) {
    throw new UpdraftError('UPDRAFT_ERR_TASK_OUTSIDE_DAG',
      `${what} was created outside a dag() body; create tasks and task groups inside the body function: dag({ dagId: '…' }, () => { … })`);
  }
  return state;
}

export function runInDag<T>(state: DagState, body: () => T): T {
  dagStack.push(state);
  try {
    return body();
  } finally {
    dagStack.pop();
  }
}

/** Throws when a DAG is changed after dag() returned. */
export function assertNotSealed(state: DagState, what: string): void {
  if (state.sealed) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG',
      `${what}: DAG ${JSON.stringify(state.dagId)} is already complete; set dependencies inside its dag() body`);
  }
}

/** Rejects a body that returned a promise: the DAG must be complete when dag() or taskGroup() returns. */
export function assertSynchronous(result: unknown, what: string): void {
  if (result !== null && (typeof result === 'object' || typeof result === 'function')
    && typeof (result as { then?: unknown }).then === 'function') {
    // The rejected promise would otherwise be reported as unhandled, hiding this clearer error.
    (result as Promise<unknown>).then(undefined, () => undefined);
    throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG',
      `${what} body returned a Promise; the body must be synchronous (declare tasks, do not await in it; async work belongs inside tasks)`);
  }
}
