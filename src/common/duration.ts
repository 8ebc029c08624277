import { UpdraftError } from './errors.js';

/** A duration as users write it: '5m', '1h30m', '45s', '1d', '250ms', or { minutes: 5 }. */
export type Duration = string | DurationObject;

export interface DurationObject {
  days?: number;
  hours?: number;
  minutes?: number;
  seconds?: number;
  milliseconds?: number;
}

const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
const OBJECT_UNIT_MS: Record<keyof DurationObject, number> = {
  days: 86_400_000, hours: 3_600_000, minutes: 60_000, seconds: 1000, milliseconds: 1,
};
const STRING_FORM = /^(?:(\d+(?:\.\d+)?)(ms|d|h|m|s))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|d|h|m|s)/g;
const ALLOWED = `a string like '5m', '1h30m', '45s', '1d', '250ms' or an object like { minutes: 5 }`;

/**
 * Parses a duration into milliseconds. A bare number is rejected on purpose: whether it means
 * seconds or milliseconds is exactly the ambiguity users trip on.
 */
export function parseDuration(value: unknown, what = 'duration'): number {
  if (typeof value === 'number') {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_DURATION',
      `${what} is the bare number ${value}; write ${ALLOWED} (a bare number could mean seconds or milliseconds)`);
  }
  if (typeof value === 'string') {
    const text = value.trim().replace(/\s+/g, '');
    if (text === '' || !STRING_FORM.test(text)) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_DURATION', `${what} ${JSON.stringify(value)} is not a duration; write ${ALLOWED}`);
    }
    let total = 0;
    for (const match of text.matchAll(PART)) total += Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? 0);
    return Math.round(total);
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    let total = 0;
    const entries = Object.entries(value);
    if (entries.length === 0) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_DURATION', `${what} {} is empty; write ${ALLOWED}`);
    }
    for (const [key, amount] of entries) {
      const unit = OBJECT_UNIT_MS[key as keyof DurationObject];
      if (unit === undefined || typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) {
        throw new UpdraftError('UPDRAFT_ERR_INVALID_DURATION',
          `${what} has ${key}: ${JSON.stringify(amount)}; allowed keys are days, hours, minutes, seconds, milliseconds with non-negative numbers`);
      }
      total += amount * unit;
    }
    return Math.round(total);
  }
  throw new UpdraftError('UPDRAFT_ERR_INVALID_DURATION', `${what} ${JSON.stringify(value)} is not a duration; write ${ALLOWED}`);
}

/** Formats milliseconds back as the shortest string form ('1h30m', '250ms'). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    const count = Math.floor(rest / size);
    if (count > 0) {
      out += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return out;
}
