import { UpdraftError } from '../common/errors.js';
import { PARAM_BRAND } from './symbols.js';
import { checkKnownKeys, describe, isPlainObject } from './naming.js';

export const PARAM_TYPES = ['string', 'number', 'integer', 'boolean', 'object', 'array', 'null'] as const;
export type ParamType = (typeof PARAM_TYPES)[number];

/**
 * A DAG param: a default plus an optional JSON-schema-like constraint, validated when a run is
 * triggered with conf. Same shape as ParamSpec in core/dag-spec.ts.
 */
export interface ParamSpec {
  default?: unknown;
  type?: ParamType;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  description?: string;
  required?: boolean;
}

export type ParamOptions = ParamSpec;

/** What `params` accepts: plain default values, or param({...}) for constraints. */
export type ParamsInput = Record<string, unknown>;

const PARAM_KEYS = ['default', 'type', 'enum', 'minimum', 'maximum', 'minLength', 'maxLength', 'pattern', 'description', 'required'];

/** Declares a param with a constraint: `params: { limit: param({ default: 10, type: 'integer', minimum: 1 }) }`. */
export function param(options: ParamOptions): Readonly<ParamSpec> {
  if (!isPlainObject(options)) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `param() takes an options object like { default: 10, type: 'integer' }; got ${describe(options)}`);
  }
  const spec = normalizeParamSpec(options, 'param()');
  Object.defineProperty(spec, PARAM_BRAND, { value: true });
  return Object.freeze(spec);
}

export function isParamSpec(value: unknown): value is ParamSpec {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[PARAM_BRAND] === true;
}

/** Turns the `params` of a DAG into ParamSpecs (plain values become defaults). */
export function resolveDagParams(input: unknown, what: string): Readonly<Record<string, Readonly<ParamSpec>>> {
  if (input === undefined || input === null) return Object.freeze({});
  if (!isPlainObject(input)) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG', `${what} params is ${describe(input)}; write an object like { bucket: 'logs', limit: param({ default: 10, type: 'integer' }) }`);
  }
  const out: Record<string, Readonly<ParamSpec>> = {};
  for (const [name, value] of Object.entries(input)) {
    out[name] = isParamSpec(value)
      ? Object.freeze(normalizeParamSpec(value, `${what} param ${JSON.stringify(name)}`))
      : Object.freeze(normalizeParamSpec({ default: value }, `${what} param ${JSON.stringify(name)}`));
  }
  return Object.freeze(out);
}

/** Task params are plain values (a param() given to a task contributes its default). */
export function resolveTaskParams(input: unknown, what: string): Readonly<Record<string, unknown>> {
  if (input === undefined || input === null) return Object.freeze({});
  if (!isPlainObject(input)) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG', `${what} params is ${describe(input)}; write an object like { table: 'events' }`);
  }
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(input)) {
    const plain = isParamSpec(value) ? value.default : value;
    assertJson(plain, `${what} param ${JSON.stringify(name)}`);
    out[name] = plain;
  }
  return Object.freeze(out);
}

function normalizeParamSpec(options: ParamSpec, what: string): ParamSpec {
  checkKnownKeys(options, PARAM_KEYS, what);
  const spec: ParamSpec = {};
  const bad = (field: string, allowed: string): never => {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG',
      `${what} has ${field}: ${describe((options as Record<string, unknown>)[field])}; ${allowed}`);
  };
  if (options.type !== undefined) {
    if (!(PARAM_TYPES as readonly string[]).includes(options.type)) bad('type', `allowed types are ${PARAM_TYPES.join(', ')}`);
    spec.type = options.type;
  }
  if (options.enum !== undefined) {
    if (!Array.isArray(options.enum) || options.enum.length === 0) bad('enum', 'enum must be a non-empty array of allowed values');
    options.enum.forEach((value, i) => assertJson(value, `${what} enum[${i}]`));
    spec.enum = [...options.enum];
  }
  for (const field of ['minimum', 'maximum'] as const) {
    const value = options[field];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) bad(field, `${field} must be a finite number`);
    spec[field] = value;
  }
  for (const field of ['minLength', 'maxLength'] as const) {
    const value = options[field];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < 0) bad(field, `${field} must be a non-negative integer`);
    spec[field] = value;
  }
  if (options.pattern !== undefined) {
    if (typeof options.pattern !== 'string') bad('pattern', 'pattern must be a regular expression written as a string');
    try {
      new RegExp(options.pattern, 'u');
    } catch (error) {
      bad('pattern', `it is not a valid regular expression (${(error as Error).message})`);
    }
    spec.pattern = options.pattern;
  }
  if (options.description !== undefined) {
    if (typeof options.description !== 'string') bad('description', 'description must be a string');
    spec.description = options.description;
  }
  if (options.required !== undefined) {
    if (typeof options.required !== 'boolean') bad('required', 'required must be true or false');
    spec.required = options.required;
  }
  if ('default' in options && options.default !== undefined) {
    assertJson(options.default, `${what} default`);
    const problem = checkParamValue(spec, options.default);
    if (problem !== null) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG', `${what} default ${describe(options.default)} ${problem}`);
    }
    return { default: options.default, ...spec };
  }
  return spec;
}

/** Why `value` does not satisfy `spec` ("is not an integer"), or null when it does. */
export function checkParamValue(spec: ParamSpec, value: unknown): string | null {
  if (spec.type !== undefined && !matchesType(spec.type, value)) return `is not of type ${spec.type}`;
  if (spec.enum !== undefined && !spec.enum.some((allowed) => JSON.stringify(allowed) === JSON.stringify(value))) {
    return `is not one of ${spec.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  if (typeof value === 'number') {
    if (spec.minimum !== undefined && value < spec.minimum) return `is below the minimum ${spec.minimum}`;
    if (spec.maximum !== undefined && value > spec.maximum) return `is above the maximum ${spec.maximum}`;
  }
  if (typeof value === 'string') {
    const length = [...value].length;
    if (spec.minLength !== undefined && length < spec.minLength) return `is shorter than ${spec.minLength} characters`;
    if (spec.maxLength !== undefined && length > spec.maxLength) return `is longer than ${spec.maxLength} characters`;
    if (spec.pattern !== undefined && !new RegExp(spec.pattern, 'u').test(value)) return `does not match the pattern ${JSON.stringify(spec.pattern)}`;
  }
  return null;
}

function matchesType(type: ParamType, value: unknown): boolean {
  switch (type) {
    case 'string': return typeof value === 'string';
    case 'number': return typeof value === 'number' && Number.isFinite(value);
    case 'integer': return typeof value === 'number' && Number.isInteger(value);
    case 'boolean': return typeof value === 'boolean';
    case 'object': return isPlainObject(value);
    case 'array': return Array.isArray(value);
    case 'null': return value === null;
  }
}

/** Params end up in the serialized DAG, which is JSON: anything JSON would change is refused. */
function assertJson(value: unknown, what: string): void {
  const walk = (v: unknown, path: string): void => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
    if (typeof v === 'number' && Number.isFinite(v)) return;
    if (Array.isArray(v)) {
      v.forEach((item, i) => walk(item, `${path}[${i}]`));
      return;
    }
    if (isPlainObject(v)) {
      for (const [key, item] of Object.entries(v)) walk(item, `${path}.${key}`);
      return;
    }
    throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG',
      `${what}${path} is ${describe(v)}; params must be plain JSON (strings, finite numbers, booleans, null, arrays, objects) because they are stored with the serialized DAG`);
  };
  walk(value, '');
}
