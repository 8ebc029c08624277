import type { TaskContext } from './context.js';
import { isPlainObject } from './naming.js';

/**
 * A templated field: a string rendered with the template engine (`'{{ ds }}'`) or a function of the
 * task context. The runtime renders every field named in an operator's templateFields before execute.
 */
export type Templated<T> = T | ((ctx: TaskContext) => T);

/**
 * Calls any template functions still present in `value` (deeply, through arrays and plain objects).
 * Operators call it on their templated fields so that they also work when execute() is called
 * without the runtime's rendering step (unit tests); rendered values pass through unchanged.
 */
export function resolveTemplateFunctions(value: unknown, ctx: TaskContext): unknown {
  if (typeof value === 'function') return resolveTemplateFunctions((value as (c: TaskContext) => unknown)(ctx), ctx);
  if (Array.isArray(value)) return value.map((item) => resolveTemplateFunctions(item, ctx));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = resolveTemplateFunctions(item, ctx);
    return out;
  }
  return value;
}
