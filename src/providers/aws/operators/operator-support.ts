import { UpdraftError } from '../../../common/errors.js';
import type { TaskContext } from '../../../sdk/context.js';
import { describe } from '../../../sdk/naming.js';
import { resolveTemplateFunctions } from '../../../sdk/templated.js';

/** Constructor checks shared by the S3 operators; `what` names the task for messages. */
export class OptionChecks {
  constructor(readonly what: string, private readonly options: Record<string, unknown>) {}

  /** A required non-empty string, or a function of the context (a template). */
  requiredString(name: string, hint = 'a non-empty string or a function of the task context'): void {
    const value = this.options[name];
    if (typeof value === 'function') return;
    if (typeof value !== 'string' || value === '') this.fail(name, hint);
  }

  optionalString(name: string, hint = 'a string or a function of the task context'): void {
    const value = this.options[name];
    if (value === undefined || value === null || typeof value === 'function') return;
    if (typeof value !== 'string') this.fail(name, hint);
  }

  optionalBoolean(name: string): void {
    const value = this.options[name];
    if (value !== undefined && typeof value !== 'boolean') this.fail(name, 'true or false');
  }

  oneOf(name: string, allowed: readonly string[]): void {
    const value = this.options[name];
    if (value !== undefined && typeof value !== 'function' && !allowed.includes(value as string)) {
      this.fail(name, `one of ${allowed.join(', ')}`);
    }
  }

  fail(name: string, hint: string): never {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG', `${this.what} has ${name}: ${describe(this.options[name])}; it must be ${hint}`);
  }
}

export function operatorLabel(kind: string, taskId: string, dagId: string): string {
  return `${kind} ${JSON.stringify(taskId)} in DAG ${JSON.stringify(dagId)}`;
}

/** A required templated field after rendering: a non-empty string. */
export function renderedString(value: unknown, ctx: TaskContext, field: string): string {
  const rendered = resolveTemplateFunctions(value, ctx);
  if (typeof rendered !== 'string' || rendered === '') {
    throw new UpdraftError('UPDRAFT_ERR_TEMPLATE', `${field} of ${ctx.taskId} rendered to ${describe(rendered)}; it must be a non-empty string`);
  }
  return rendered;
}

/** An optional templated field after rendering: a non-empty string, or undefined when unset or empty. */
export function renderedOptionalString(value: unknown, ctx: TaskContext, field: string): string | undefined {
  const rendered = resolveTemplateFunctions(value, ctx);
  if (rendered === undefined || rendered === null || rendered === '') return undefined;
  return renderedString(rendered, ctx, field);
}

/** A templated list of strings (a single string counts as a list of one). */
export function renderedStringList(value: unknown, ctx: TaskContext, field: string): string[] {
  const rendered = resolveTemplateFunctions(value, ctx);
  const list = typeof rendered === 'string' ? [rendered] : rendered;
  if (!Array.isArray(list) || !list.every((item) => typeof item === 'string' && item !== '')) {
    throw new UpdraftError('UPDRAFT_ERR_TEMPLATE', `${field} of ${ctx.taskId} rendered to ${describe(rendered)}; it must be a string or a list of non-empty strings`);
  }
  return list as string[];
}
