import { UpdraftError } from '../common/errors.js';
import type { BaseOperator } from './base-operator.js';
import { assertSynchronous, currentDagState, type DagState } from './dag-registry.js';
import { connect, type Dependencies } from './dependencies.js';
import { checkKnownKeys, describe, isPlainObject, validateId } from './naming.js';
import { TASK_GROUP_BRAND, kAsDownstream, kAsUpstream, kInternals } from './symbols.js';
import { checkDefaultArgs, type DefaultArgs } from './task-options.js';

export interface TaskGroupOptions {
  groupId: string;
  /** Task options for the tasks inside (over the DAG's defaultArgs). */
  defaultArgs?: DefaultArgs;
  /** Default true: tasks inside get ids `group.task`. */
  prefixGroupId?: boolean;
  tooltip?: string;
}

const GROUP_OPTION_KEYS = ['groupId', 'defaultArgs', 'prefixGroupId', 'tooltip'];

/**
 * A named set of tasks. In dependencies it stands for its leaves when upstream and for its roots when
 * downstream (`extract.setDownstream(group)` makes the group's first tasks wait for extract).
 */
export class TaskGroup {
  /** Full id (prefixed with the parent group's id when the parent prefixes). */
  readonly groupId: string;
  readonly dagId: string;
  readonly prefixGroupId: boolean;
  readonly tooltip: string;
  readonly defaultArgs: Readonly<DefaultArgs>;
  /** Full id of the parent group, or null at the top level. */
  readonly parentGroupId: string | null;
  readonly #dag: DagState;

  /** @internal Use taskGroup(). */
  constructor(state: DagState, options: TaskGroupOptions, parent: TaskGroup | undefined) {
    this.#dag = state;
    const localId = validateId(options.groupId, `Task group id in DAG ${JSON.stringify(state.dagId)}:`);
    this.groupId = parent === undefined ? localId : parent.childId(localId);
    validateId(this.groupId, `Task group id in DAG ${JSON.stringify(state.dagId)}:`);
    this.dagId = state.dagId;
    this.parentGroupId = parent?.groupId ?? null;
    const what = `Task group ${JSON.stringify(this.groupId)} in DAG ${JSON.stringify(state.dagId)}`;
    if (options.prefixGroupId !== undefined && typeof options.prefixGroupId !== 'boolean') {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG', `${what} has prefixGroupId: ${describe(options.prefixGroupId)}; it must be true or false`);
    }
    if (options.tooltip !== undefined && typeof options.tooltip !== 'string') {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG', `${what} has tooltip: ${describe(options.tooltip)}; it must be a string`);
    }
    this.prefixGroupId = options.prefixGroupId ?? true;
    this.tooltip = options.tooltip ?? '';
    this.defaultArgs = checkDefaultArgs(options.defaultArgs, what);
  }

  /** The id a task or group named `label` gets inside this group. */
  childId(label: string): string {
    return this.prefixGroupId ? `${this.groupId}.${label}` : label;
  }

  /** Every task inside this group, nested groups included, in creation order. */
  get tasks(): BaseOperator<unknown>[] {
    return [...this.#dag.tasks.values()].filter((task) => task.taskGroupIds.includes(this.groupId));
  }

  /** Tasks of the group with no upstream task inside the group. */
  get roots(): BaseOperator<unknown>[] {
    const tasks = this.tasks;
    const ids = new Set(tasks.map((t) => t.taskId));
    return tasks.filter((t) => ![...t[kInternals].upstream].some((id) => ids.has(id)));
  }

  /** Tasks of the group with no downstream task inside the group. */
  get leaves(): BaseOperator<unknown>[] {
    const tasks = this.tasks;
    const ids = new Set(tasks.map((t) => t.taskId));
    return tasks.filter((t) => ![...t[kInternals].downstream].some((id) => ids.has(id)));
  }

  setDownstream(tasks: Dependencies): void {
    connect(this, tasks, `task group ${this.groupId}.setDownstream()`);
  }

  setUpstream(tasks: Dependencies): void {
    connect(tasks, this, `task group ${this.groupId}.setUpstream()`);
  }

  /** @internal */
  [kAsUpstream](): readonly BaseOperator<unknown>[] {
    return this.leaves;
  }

  /** @internal */
  [kAsDownstream](): readonly BaseOperator<unknown>[] {
    return this.roots;
  }

  toString(): string {
    return `<TaskGroup: ${this.groupId}>`;
  }
}

Object.defineProperty(TaskGroup.prototype, TASK_GROUP_BRAND, { value: true });

export function isTaskGroup(value: unknown): value is TaskGroup {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[TASK_GROUP_BRAND] === true;
}

/**
 * Groups the tasks created in `body`: `taskGroup('load', () => { … })`. Tasks inside get ids
 * `load.<taskId>` (unless prefixGroupId is false); groups nest.
 */
export function taskGroup(idOrOptions: string | TaskGroupOptions, body: () => void): TaskGroup {
  const options: TaskGroupOptions = typeof idOrOptions === 'string' ? { groupId: idOrOptions } : idOrOptions;
  const state = currentDagState(`Task group ${describe(isPlainObject(options) ? options.groupId : options)}`);
  if (!isPlainObject(options)) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `taskGroup() takes a group id or an options object like { groupId: 'load' }; got ${describe(idOrOptions)}`);
  }
  checkKnownKeys(options, GROUP_OPTION_KEYS, `Task group ${describe(options.groupId)} in DAG ${JSON.stringify(state.dagId)}`);
  if (typeof body !== 'function') {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `taskGroup(${JSON.stringify(options.groupId)}, body) needs a body function that creates the group's tasks; got ${describe(body)}`);
  }
  const parent = state.groupStack.at(-1);
  const group = new TaskGroup(state, options, parent);
  if (state.groups.has(group.groupId) || state.tasks.has(group.groupId)) {
    throw new UpdraftError('UPDRAFT_ERR_DUPLICATE_TASK',
      `DAG ${JSON.stringify(state.dagId)} already has a ${state.groups.has(group.groupId) ? 'task group' : 'task'} with id ${JSON.stringify(group.groupId)}; group ids must be unique within a DAG`);
  }
  state.groups.set(group.groupId, group);
  state.groupStack.push(group);
  try {
    assertSynchronous(body(), `taskGroup(${JSON.stringify(group.groupId)})`);
  } finally {
    state.groupStack.pop();
  }
  return group;
}
