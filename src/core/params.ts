import { UpdraftError } from '../common/errors.js';
import type { ParamSpec } from './dag-spec.js';

/**
 * DAG params overlaid by conf; validates each against its ParamSpec; unknown conf keys are kept
 * (Airflow keeps them). Throws UPDRAFT_ERR_PARAMS_INVALID naming the param, the value and the
 * constraint broken (all problems in one message). Missing required param with no default → error.
 *
 * A param with no default and no value in conf is an error unless it says `required: false` (then
 * it is left out) — Airflow refuses a Param that has neither. A conf value of null is a value and
 * is checked like any other.
 */
export function resolveParams(specs: Record<string, ParamSpec>, conf: Record<string, unknown>): Record<string, unknown> {
  const resolved: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    const given = Object.hasOwn(conf, name) && conf[name] !== undefined;
    if (!given && spec.default === undefined) {
      if (spec.required !== false) problems.push(`${JSON.stringify(name)} is required and has no default; pass it in conf`);
      continue;
    }
    const value = given ? conf[name] : spec.default;
    const broken = paramProblems(spec, value);
    if (broken.length > 0) problems.push(`${JSON.stringify(name)} = ${show(value)} ${broken.join(', and ')}`);
    resolved[name] = value;
  }
  if (problems.length > 0) {
    throw new UpdraftError('UPDRAFT_ERR_PARAMS_INVALID',
      `params invalid: ${problems.join('; ')}`, { details: { problems } });
  }
  for (const [key, value] of Object.entries(conf)) {
    if (!Object.hasOwn(specs, key)) resolved[key] = value;
  }
  return resolved;
}

/** Every constraint of `spec` that `value` breaks, worded to follow the value ("is not of type integer"). */
export function paramProblems(spec: ParamSpec, value: unknown): string[] {
  if (spec.type !== undefined && !hasType(spec.type, value)) {
    // The other constraints are about a type the value does not have.
    return [`is not of type ${spec.type}`];
  }
  const out: string[] = [];
  if (spec.enum !== undefined && !spec.enum.some((allowed) => jsonEqual(allowed, value))) {
    out.push(`is not one of ${spec.enum.map(show).join(', ')}`);
  }
  if (typeof value === 'number') {
    if (spec.minimum !== undefined && value < spec.minimum) out.push(`is below the minimum ${spec.minimum}`);
    if (spec.maximum !== undefined && value > spec.maximum) out.push(`is above the maximum ${spec.maximum}`);
  }
  if (typeof value === 'string') {
    const length = [...value].length;
    if (spec.minLength !== undefined && length < spec.minLength) out.push(`is shorter than the minLength ${spec.minLength}`);
    if (spec.maxLength !== undefined && length > spec.maxLength) out.push(`is longer than the maxLength ${spec.maxLength}`);
    if (spec.pattern !== undefined) {
      let regex: RegExp | null = null;
      try {
        regex = new RegExp(spec.pattern, 'u');
      } catch {
        out.push(`cannot be checked: the pattern ${JSON.stringify(spec.pattern)} is not a valid regular expression`);
      }
      if (regex !== null && !regex.test(value)) out.push(`does not match the pattern ${JSON.stringify(spec.pattern)}`);
    }
  }
  return out;
}

function hasType(type: NonNullable<ParamSpec['type']>, value: unknown): boolean {
  switch (type) {
    case 'string': return typeof value === 'string';
    case 'number': return typeof value === 'number' && Number.isFinite(value);
    case 'integer': return typeof value === 'number' && Number.isInteger(value);
    case 'boolean': return typeof value === 'boolean';
    case 'object': return isPlainObject(value);
    case 'array': return Array.isArray(value);
    case 'null': return value === null;
    default: {
      const unknown: never = type;
      throw new UpdraftError('UPDRAFT_ERR_PARAMS_INVALID',
        `param type ${JSON.stringify(unknown)} is unknown; allowed: string, number, integer, boolean, object, array, null`);
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** JSON Schema equality: same JSON value, object key order ignored. */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]));
  }
  return false;
}

function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
