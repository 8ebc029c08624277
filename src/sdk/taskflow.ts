import { UpdraftError } from '../common/errors.js';
import { BaseOperator } from './base-operator.js';
import type { TaskContext } from './context.js';
import { currentDagState } from './dag-registry.js';
import { link } from './dependencies.js';
import { checkKnownKeys, describe, isPlainObject, validateId } from './naming.js';
import { kInternals, kUniqueTaskId } from './symbols.js';
import { TASK_OPTION_KEYS, type TaskOptions } from './task-options.js';
import type { TaskKind } from './trigger-rules.js';
import { isXComArg, type XComArg } from './xcom-arg.js';

/** Values passed whole, never looked into for XComArgs. */
type Opaque =
  | string | number | boolean | bigint | symbol | null | undefined
  | Date | RegExp | Map<unknown, unknown> | Set<unknown> | Uint8Array | ((...args: never[]) => unknown)
  | XComArg<unknown>;

/**
 * What a TaskFlow parameter of type T accepts when calling the task in a DAG body: a T, an XComArg<T>
 * (another task's result), or arrays / plain objects of T whose items are themselves such inputs.
 */
export type XComInput<T> = T | XComArg<T> | DeepXComInput<T>;
type DeepXComInput<T> = T extends Opaque ? never : T extends object ? { [K in keyof T]: XComInput<T[K]> } : never;

export type TaskFlowArgs<A extends readonly unknown[]> = { [K in keyof A]: XComInput<A[K]> };

export type TaskFlowOptions = TaskOptions;

export interface ShortCircuitOptions extends TaskOptions {
  /** Default true: a falsy result skips every downstream task; false: only the direct ones. */
  ignoreDownstreamTriggerRules?: boolean;
}

/** What branch() functions return: the task id(s) to follow (full ids); null or [] skips them all. */
export type BranchResult = string | readonly string[] | null | undefined;

/** The callable task() returns: call it in a DAG body to create a task. */
export interface TaskFlowCallable<A extends unknown[], R> {
  (...args: TaskFlowArgs<A>): XComArg<R>;
  /** The task id each call starts from (later calls get `__1`, `__2`, …). */
  readonly taskId: string;
  /** The same function with some options changed: `extract.override({ taskId: 'extract_eu', retries: 3 })(…)`. */
  override(options: TaskFlowOptions): TaskFlowCallable<A, R>;
}

interface Definition {
  kind: Exclude<TaskKind, 'operator' | 'sensor'>;
  options: Record<string, unknown>;
  fn: (...args: unknown[]) => unknown;
}

const OPERATOR_NAMES = { taskflow: '@task', branch: '@task.branch', short_circuit: '@task.short_circuit' } as const;
const OPTION_KEYS: Record<Definition['kind'], readonly string[]> = {
  taskflow: TASK_OPTION_KEYS,
  branch: TASK_OPTION_KEYS,
  short_circuit: [...TASK_OPTION_KEYS, 'ignoreDownstreamTriggerRules'],
};

/** The task a TaskFlow call creates: runs `fn` with the XCom values of its XComArg arguments. */
export class TaskFlowOperator extends BaseOperator<unknown> {
  override readonly kind: Definition['kind'];
  override readonly ignoreDownstreamTriggerRules: boolean;
  readonly fn: (...args: unknown[]) => unknown;
  /** The arguments of the call, XComArgs included (resolved at run time). */
  readonly args: readonly unknown[];

  /** @internal Created by the callables task(), branch() and shortCircuit() return. */
  constructor(definition: Definition, args: readonly unknown[]) {
    const { ignoreDownstreamTriggerRules, ...taskOptions } = definition.options;
    super({ ...taskOptions, [kUniqueTaskId]: true } as unknown as TaskOptions & { taskId: string });
    this.kind = definition.kind;
    this.ignoreDownstreamTriggerRules = ignoreDownstreamTriggerRules === undefined ? true : ignoreDownstreamTriggerRules === true;
    this.fn = definition.fn;
    this.args = Object.freeze([...args]);
    for (const arg of collectXComArgs(args)) link(arg.operator, this);
  }

  override get operatorName(): string {
    return OPERATOR_NAMES[this.kind];
  }

  async execute(ctx: TaskContext): Promise<unknown> {
    const args = await resolveXComArgs(this.args, ctx);
    const result = await this.fn(...(args as unknown[]));
    return this.kind === 'branch' ? this.branchTargets(result) : result;
  }

  /**
   * Checks a branch result: each id must name a direct downstream task, or a task group whose first
   * tasks are direct downstream tasks (expanded to those, as Airflow does). The runtime follows these
   * ids and skips the other direct downstream tasks.
   */
  branchTargets(result: unknown): string[] {
    const ids: unknown[] = result === null || result === undefined ? [] : Array.isArray(result) ? result : [result];
    const state = this[kInternals].dag;
    const direct = this.downstreamTaskIds;
    const allowed = (): string => (direct.size === 0 ? 'it has no downstream tasks'
      : `its direct downstream tasks are ${[...direct].map((t) => JSON.stringify(t)).join(', ')}`);
    const out = new Set<string>();
    for (const id of ids) {
      if (typeof id !== 'string') {
        throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT',
          `Branch task ${JSON.stringify(this.taskId)} returned ${describe(result)}; return a task id, a list of task ids, or null to skip all direct downstream tasks`);
      }
      const group = state.groups.get(id);
      const targets = group === undefined ? [id] : group.roots.map((root) => root.taskId).filter((root) => direct.has(root));
      if (targets.length === 0 || !targets.every((target) => direct.has(target))) {
        throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT',
          `Branch task ${JSON.stringify(this.taskId)} returned ${JSON.stringify(id)}, which is not one of its direct downstream tasks${group === undefined ? '' : ' (nor a task group starting with one)'}; ${allowed()}`);
      }
      for (const target of targets) out.add(target);
    }
    return [...out];
  }
}

/**
 * Declares a TaskFlow task: `const extract = task('extract', async (day: string) => rows)`. Calling
 * `extract(…)` inside a dag() body creates the task; arguments that are results of other task calls
 * (XComArg) become upstream dependencies and are replaced by their XCom values at run time. Inside
 * `fn`, getContext() gives the task context.
 */
export function task<A extends unknown[], R>(
  options: TaskFlowOptions | string, fn: (...args: A) => R,
): TaskFlowCallable<A, Awaited<R>> {
  return makeCallable<A, Awaited<R>>('taskflow', options, fn as (...args: unknown[]) => unknown);
}

/** A TaskFlow task that chooses which direct downstream tasks run: `fn` returns their id(s). */
export function branch<A extends unknown[], R extends BranchResult | Promise<BranchResult>>(
  options: TaskFlowOptions | string, fn: (...args: A) => R,
): TaskFlowCallable<A, string[]> {
  return makeCallable<A, string[]>('branch', options, fn as (...args: unknown[]) => unknown);
}

/** A TaskFlow task whose falsy result skips downstream tasks (all of them, or only direct ones). */
export function shortCircuit<A extends unknown[], R>(
  options: ShortCircuitOptions | string, fn: (...args: A) => R,
): TaskFlowCallable<A, Awaited<R>> {
  return makeCallable<A, Awaited<R>>('short_circuit', options, fn as (...args: unknown[]) => unknown);
}

function makeCallable<A extends unknown[], R>(
  kind: Definition['kind'], optionsOrId: unknown, fn: (...args: unknown[]) => unknown,
): TaskFlowCallable<A, R> {
  const label = OPERATOR_NAMES[kind];
  if (typeof fn !== 'function') {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `${label}(options, fn) needs a function as its second argument; got ${describe(fn)}`);
  }
  let options: Record<string, unknown>;
  if (typeof optionsOrId === 'string') options = { taskId: optionsOrId };
  else if (isPlainObject(optionsOrId)) options = { ...optionsOrId };
  else {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT',
      `${label}(options, fn) takes a task id or an options object like { taskId: 'extract', retries: 2 }; got ${describe(optionsOrId)}`);
  }
  if (options.taskId === undefined && fn.name !== '') options.taskId = fn.name;
  const taskId = validateId(options.taskId, `${label} taskId (give a task id or name the function):`);
  checkKnownKeys(options, OPTION_KEYS[kind], `${label} ${JSON.stringify(taskId)}`);
  if (options.ignoreDownstreamTriggerRules !== undefined && typeof options.ignoreDownstreamTriggerRules !== 'boolean') {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG',
      `${label} ${JSON.stringify(taskId)} has ignoreDownstreamTriggerRules: ${describe(options.ignoreDownstreamTriggerRules)}; it must be true or false`);
  }
  const definition: Definition = { kind, options: Object.freeze(options), fn };
  const callable = (...args: unknown[]): XComArg<R> => {
    currentDagState(`Task ${JSON.stringify(taskId)} (${label})`);
    return new TaskFlowOperator(definition, args).output as XComArg<R>;
  };
  Object.defineProperty(callable, 'taskId', { value: taskId, enumerable: true });
  Object.defineProperty(callable, 'override', {
    value: (overrides: TaskFlowOptions) => {
      if (!isPlainObject(overrides)) {
        throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `${label} ${JSON.stringify(taskId)}.override() takes an options object; got ${describe(overrides)}`);
      }
      return makeCallable<A, R>(kind, { ...options, ...overrides }, fn);
    },
  });
  return callable as unknown as TaskFlowCallable<A, R>;
}

/** XComArgs in `value`, looking through arrays and plain objects. */
export function collectXComArgs(value: unknown, out: XComArg<unknown>[] = []): XComArg<unknown>[] {
  if (isXComArg(value)) out.push(value);
  else if (Array.isArray(value)) for (const item of value) collectXComArgs(item, out);
  else if (isPlainObject(value)) for (const item of Object.values(value)) collectXComArgs(item, out);
  return out;
}

/** Replaces every XComArg in `value` (deeply) with the value its task pushed. */
export async function resolveXComArgs(value: unknown, ctx: TaskContext): Promise<unknown> {
  const pulls = new Map<string, Promise<unknown>>();
  for (const arg of collectXComArgs(value)) {
    const key = JSON.stringify([arg.taskId, arg.key]);
    if (!pulls.has(key)) pulls.set(key, ctx.xcomPull(arg.taskId, { key: arg.key }));
  }
  const values = new Map<string, unknown>();
  await Promise.all([...pulls].map(async ([key, pending]) => values.set(key, await pending)));
  const substitute = (v: unknown): unknown => {
    if (isXComArg(v)) return values.get(JSON.stringify([v.taskId, v.key]));
    if (Array.isArray(v)) return v.map(substitute);
    if (isPlainObject(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) out[k] = substitute(item);
      return out;
    }
    return v;
  };
  return substitute(value);
}
