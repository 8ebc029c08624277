import { UpdraftError } from '../common/errors.js';
import { describe } from './naming.js';

/** Throws UPDRAFT_ERR_INVALID_DAG unless `value` is an IANA time zone Intl knows. */
export function validateTimezone(value: unknown, what: string): string {
  if (typeof value === 'string' && value.trim() !== '') {
    try {
      formatterFor(value);
      return value;
    } catch {
      // fall through to the error below
    }
  }
  throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG',
    `${what} timezone ${describe(value)} is not a known IANA time zone; write a name like 'UTC', 'Europe/Paris' or 'Asia/Seoul'`);
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Reads a start or end date. A Date is an instant; an ISO string with an offset ('Z', '+09:00') too;
 * an ISO string without one is a wall-clock time in the DAG's time zone (as Airflow reads naive dates).
 */
export function parseDagDate(value: unknown, timezone: string, what: string): Date | null {
  if (value === undefined || value === null) return null;
  const fail = (): never => {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG',
      `${what} ${describe(value)} is not a valid date; write an ISO-8601 string like '2024-01-01' or '2024-01-01T06:00:00Z', or a Date`);
  };
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) fail();
    return new Date(value.getTime());
  }
  if (typeof value !== 'string') return fail();
  const match = ISO_DATE.exec(value.trim());
  if (match === null) return fail();
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '0', offset] = match;
  const parts = [Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s)] as const;
  const ms = Math.floor(Number(`0.${frac}`) * 1000);
  const wall = Date.UTC(parts[0], parts[1] - 1, parts[2], parts[3], parts[4], parts[5], ms);
  const check = new Date(wall);
  if (check.getUTCFullYear() !== parts[0] || check.getUTCMonth() !== parts[1] - 1 || check.getUTCDate() !== parts[2]
    || check.getUTCHours() !== parts[3] || check.getUTCMinutes() !== parts[4] || check.getUTCSeconds() !== parts[5]) {
    return fail();
  }
  if (offset !== undefined) {
    if (offset.toUpperCase() === 'Z') return new Date(wall);
    const sign = offset.startsWith('-') ? -1 : 1;
    const digits = offset.slice(1).replace(':', '');
    const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0');
    return new Date(wall - sign * offsetMinutes * 60_000);
  }
  return new Date(zonedWallTimeToUtc(wall, timezone));
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Creating a DateTimeFormat costs far more than using one: keep one per zone (throws for unknown zones). */
function formatterFor(timezone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timezone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(timezone, formatter);
  }
  return formatter;
}

/** Offset of `timezone` from UTC at instant `utcMs`, in milliseconds. */
function zoneOffset(utcMs: number, timezone: string): number {
  const parts = formatterFor(timezone).formatToParts(new Date(utcMs));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? '0');
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

/** The instant at which clocks in `timezone` show `wallMs` (wall time encoded as if it were UTC). */
function zonedWallTimeToUtc(wallMs: number, timezone: string): number {
  let guess = wallMs - zoneOffset(wallMs, timezone);
  const corrected = wallMs - zoneOffset(guess, timezone);
  if (corrected !== guess) guess = corrected;
  return guess;
}
