import { UpdraftError } from '../common/errors.js';
import { closest } from '../common/closest.js';

const ID_PATTERN = /^[A-Za-z0-9_.-]+$/;
export const MAX_ID_LENGTH = 250;

/** Checks a dag id, task id or group id: letters, digits, `_`, `.`, `-`, at most 250 characters. */
export function validateId(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ID',
      `${what} is ${describe(value)}; it must be a non-empty string of letters, digits, "_", "." and "-"`);
  }
  if (value.length > MAX_ID_LENGTH) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ID',
      `${what} ${JSON.stringify(value.slice(0, 40) + '…')} is ${value.length} characters long; at most ${MAX_ID_LENGTH} are allowed`);
  }
  if (!ID_PATTERN.test(value)) {
    const bad = [...new Set([...value].filter((ch) => !/[A-Za-z0-9_.-]/.test(ch)))].map((ch) => JSON.stringify(ch)).join(', ');
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ID',
      `${what} ${JSON.stringify(value)} contains ${bad}; only letters, digits, "_", "." and "-" are allowed`);
  }
  return value;
}

/** A short, quoted rendering of any value for error messages. */
export function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`;
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol') return value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'an invalid Date' : `Date ${value.toISOString()}`;
  try {
    const text = JSON.stringify(value);
    if (text === undefined) return String(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return String(value);
  }
}

/**
 * Rejects keys of `options` that are not in `allowed`, naming the key, the closest allowed one and
 * the full list. Symbol keys (internal flags) are ignored.
 */
export function checkKnownKeys(
  options: object, allowed: readonly string[], subject: string | { what: string; hint: string },
): void {
  const { what, hint } = typeof subject === 'string' ? { what: subject, hint: '' } : subject;
  for (const key of Object.keys(options)) {
    if (allowed.includes(key)) continue;
    const near = closest(key, allowed);
    throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG',
      `${what} has the unknown option ${JSON.stringify(key)}${near === null ? '' : ` (did you mean ${JSON.stringify(near)}?)`}; allowed options are ${allowed.join(', ')}${hint}`);
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

