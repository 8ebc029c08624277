import type { BaseOperator } from './base-operator.js';
import { connect, type Dependencies } from './dependencies.js';
import { XCOM_ARG_BRAND, kAsDownstream, kAsUpstream, kXComType } from './symbols.js';

/**
 * A reference to a value another task pushes to XCom (by default its return value). Passing it to a
 * TaskFlow call makes that task depend on the producer and receive the value at run time; it can also
 * stand wherever a task can in dependencies. It is not a promise and has no `then`.
 */
export class XComArg<T = unknown> {
  /** Phantom: carries T for the compiler only. */
  declare readonly [kXComType]?: T;
  readonly operator: BaseOperator<unknown>;
  readonly key: string;

  constructor(operator: BaseOperator<unknown>, key = 'return_value') {
    this.operator = operator;
    this.key = key;
  }

  get taskId(): string {
    return this.operator.taskId;
  }

  setDownstream(tasks: Dependencies): void {
    connect(this.operator, tasks, `${this.operator.taskId}.setDownstream()`);
  }

  setUpstream(tasks: Dependencies): void {
    connect(tasks, this.operator, `${this.operator.taskId}.setUpstream()`);
  }

  /** @internal */
  [kAsUpstream](): readonly BaseOperator<unknown>[] {
    return [this.operator];
  }

  /** @internal */
  [kAsDownstream](): readonly BaseOperator<unknown>[] {
    return [this.operator];
  }

  toString(): string {
    return `XComArg(${this.operator.taskId}, ${JSON.stringify(this.key)})`;
  }
}

Object.defineProperty(XComArg.prototype, XCOM_ARG_BRAND, { value: true });

export function isXComArg(value: unknown): value is XComArg<unknown> {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[XCOM_ARG_BRAND] === true;
}
