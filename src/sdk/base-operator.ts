import { UpdraftError } from '../common/errors.js';
import type { TaskContext } from './context.js';
import { currentDagState, type DagState } from './dag-registry.js';
import { connect, type Dependencies } from './dependencies.js';
import { checkKnownKeys, describe, isPlainObject, validateId } from './naming.js';
import { OPERATOR_BRAND, kAsDownstream, kAsUpstream, kInternals, kUniqueTaskId } from './symbols.js';
import {
  TASK_OPTION_KEYS, mergeTaskOptions, pickTaskOptions, resolveTaskOptions,
  type ResolvedTaskOptions, type TaskOptions,
} from './task-options.js';
import type { TaskKind } from './trigger-rules.js';
import { XComArg } from './xcom-arg.js';

/** Options of a classic operator: the task options with a required taskId. */
export interface BaseOperatorOptions extends TaskOptions {
  taskId: string;
}

/** @internal Edge sets and membership; mutated only by dependency functions while the DAG body runs. */
export interface OperatorInternals {
  readonly dag: DagState;
  readonly upstream: Set<string>;
  readonly downstream: Set<string>;
  /** Full ids of the enclosing task groups, outermost first. */
  readonly groupIds: readonly string[];
}

/**
 * The base of every task. Extend it and implement execute(ctx); what execute returns (when not
 * undefined) is pushed to XCom under 'return_value' by the runtime.
 *
 *     class CountRows extends BaseOperator<number> {
 *       override readonly templateFields = ['table'];
 *       readonly table: Templated<string>;
 *       constructor(options: BaseOperatorOptions & { table: Templated<string> }) {
 *         super(options, ['table']);
 *         this.table = options.table;
 *       }
 *       async execute(ctx: TaskContext) { … }
 *     }
 *
 * The second argument of super() names the operator's own options, so that any other unknown key
 * is reported as a typo. A task has no `then` method on purpose: it must never look like a promise.
 */
export abstract class BaseOperator<TOutput = unknown> {
  /** Full task id, including the task group prefix (`group.task`). */
  readonly taskId: string;
  readonly dagId: string;
  /** The task options after defaultArgs, frozen, durations in milliseconds. */
  readonly resolved: ResolvedTaskOptions;
  /** Names of instance properties the runtime renders as templates before execute. */
  readonly templateFields: readonly string[] = [];
  readonly kind: TaskKind = 'operator';
  /** Only meaningful for short-circuit tasks: skip all downstream tasks (true) or only direct ones. */
  readonly ignoreDownstreamTriggerRules: boolean = true;
  /** @internal */
  readonly [kInternals]: OperatorInternals;

  constructor(options: BaseOperatorOptions, operatorOptionKeys: readonly string[] = []) {
    const className = new.target.name;
    const state = currentDagState(`${className} with taskId ${describe((options as Partial<BaseOperatorOptions> | undefined)?.taskId)}`);
    if (!isPlainObject(options)) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT',
        `${className} needs an options object like { taskId: 'extract' }; got ${describe(options)}`);
    }
    const where = `in DAG ${JSON.stringify(state.dagId)}`;
    const localId = validateId(options.taskId, `${className} taskId ${where}:`);
    const group = state.groupStack.at(-1);
    let taskId = group === undefined ? localId : group.childId(localId);
    if ((options as { [kUniqueTaskId]?: boolean })[kUniqueTaskId] === true) taskId = uniqueTaskId(state, taskId);
    validateId(taskId, `Task id ${where}:`);
    const what = `Task ${JSON.stringify(taskId)} (${className}) ${where}`;
    checkKnownKeys(options, [...TASK_OPTION_KEYS, ...operatorOptionKeys], {
      what,
      hint: operatorOptionKeys.length === 0 && !BUILTIN.has(className)
        ? ' (an operator declares its own option names as the second argument of super(options, [...]))'
        : '',
    });
    if (state.tasks.has(taskId) || state.groups.has(taskId)) {
      throw new UpdraftError('UPDRAFT_ERR_DUPLICATE_TASK',
        `DAG ${JSON.stringify(state.dagId)} already has a ${state.tasks.has(taskId) ? 'task' : 'task group'} with id ${JSON.stringify(taskId)}; task ids must be unique within a DAG`);
    }
    if (state.sealed) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG', `${what} was created after its DAG was complete`);
    }
    const layers = [state.defaultArgs, ...state.groupStack.map((g) => g.defaultArgs), pickTaskOptions(options)];
    this.taskId = taskId;
    this.dagId = state.dagId;
    this.resolved = resolveTaskOptions(mergeTaskOptions(layers as Record<string, unknown>[]), what);
    this[kInternals] = {
      dag: state,
      upstream: new Set(),
      downstream: new Set(),
      groupIds: Object.freeze(state.groupStack.map((g) => g.groupId)),
    };
    state.tasks.set(taskId, this);
    recordSuffix(state, taskId);
  }

  /** What users write; runs inside the task's context (getContext() works too). */
  abstract execute(ctx: TaskContext): TOutput | Promise<TOutput>;

  /** The operator's class name, as shown in the UI ('BashOperator', '@task'). */
  get operatorName(): string {
    return this.constructor.name;
  }

  get upstreamTaskIds(): ReadonlySet<string> {
    return this[kInternals].upstream;
  }

  get downstreamTaskIds(): ReadonlySet<string> {
    return this[kInternals].downstream;
  }

  /** Full ids of the task groups around this task, outermost first. */
  get taskGroupIds(): readonly string[] {
    return this[kInternals].groupIds;
  }

  /** This task's return value in XCom, to pass to TaskFlow calls (and a dependency on this task). */
  get output(): XComArg<Awaited<TOutput>> {
    return new XComArg<Awaited<TOutput>>(this, 'return_value');
  }

  /** Another XCom key this task pushes (ctx.xcomPush(key, …)). */
  xcomArg<T = unknown>(key: string): XComArg<T> {
    return new XComArg<T>(this, key);
  }

  /** Makes `tasks` run after this one. */
  setDownstream(tasks: Dependencies): void {
    connect(this, tasks, `${this.taskId}.setDownstream()`);
  }

  /** Makes this task run after `tasks`. */
  setUpstream(tasks: Dependencies): void {
    connect(tasks, this, `${this.taskId}.setUpstream()`);
  }

  /** @internal */
  [kAsUpstream](): readonly BaseOperator<unknown>[] {
    return [this];
  }

  /** @internal */
  [kAsDownstream](): readonly BaseOperator<unknown>[] {
    return [this];
  }

  toString(): string {
    return `<Task(${this.operatorName}): ${this.taskId}>`;
  }
}

Object.defineProperty(BaseOperator.prototype, OPERATOR_BRAND, { value: true });

const BUILTIN = new Set(['EmptyOperator', 'BashOperator', 'TaskFlowOperator', 'TimeDeltaSensor', 'FileSensor', 'ExternalTaskSensor']);

/** True for any task (also one made by another copy of the package). */
export function isOperator(value: unknown): value is BaseOperator<unknown> {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[OPERATOR_BRAND] === true;
}

/** Airflow's rule: a repeated TaskFlow id becomes `id__1`, `id__2`, … (one more than the highest used). */
function uniqueTaskId(state: DagState, taskId: string): string {
  if (!state.tasks.has(taskId) && !state.groups.has(taskId)) return taskId;
  const core = taskId.replace(/__\d+$/, '');
  return `${core}__${(state.suffixes.get(core) ?? 0) + 1}`;
}

function recordSuffix(state: DagState, taskId: string): void {
  const match = /^(.*)__(\d+)$/s.exec(taskId);
  if (match === null) return;
  const n = Number(match[2]);
  if (n > (state.suffixes.get(match[1]!) ?? 0)) state.suffixes.set(match[1]!, n);
}
