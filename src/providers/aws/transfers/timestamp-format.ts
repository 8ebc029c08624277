import { UpdraftError } from '../../../common/errors.js';

/**
 * How timestamps are written. Values arrive as PostgreSQL text (`2024-01-31 09:05:00.123456+09`,
 * already in the export's time zone); the default keeps the wall-clock time to the second, as the
 * seed pipeline (and Airflow users' `%Y-%m-%d %H:%M:%S`) expects.
 */
export const TIMESTAMP_FORMATS = ['YYYY-MM-DD HH:MM:SS', 'YYYY-MM-DD HH:MM:SS.ffffff', 'iso', 'epoch', 'epoch_ms'] as const;
export type TimestampFormat = (typeof TIMESTAMP_FORMATS)[number];

export function checkTimestampFormat(value: unknown, what: string): TimestampFormat {
  if (value === undefined) return 'YYYY-MM-DD HH:MM:SS';
  if (typeof value === 'string' && (TIMESTAMP_FORMATS as readonly string[]).includes(value)) return value as TimestampFormat;
  throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG',
    `${what} has timestampFormat: ${JSON.stringify(value)}; it must be one of ${TIMESTAMP_FORMATS.map((f) => JSON.stringify(f)).join(', ')}`);
}

const TEXT = /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?)?$/;

/**
 * Formats one timestamp text. Values PostgreSQL prints outside that shape (infinity, BC dates)
 * are written unchanged, as strings. Returns a JSON-ready token: a quoted string or a number.
 */
export function formatTimestampText(text: string, format: TimestampFormat): { value: string; numeric: boolean } {
  const m = TEXT.exec(text);
  if (m === null) return { value: text, numeric: false };
  const [, y, mo, d, h, mi, s, frac = '', sign, oh, om, os] = m;
  switch (format) {
    case 'YYYY-MM-DD HH:MM:SS':
      return { value: `${y}-${mo}-${d} ${h}:${mi}:${s}`, numeric: false };
    case 'YYYY-MM-DD HH:MM:SS.ffffff':
      return { value: `${y}-${mo}-${d} ${h}:${mi}:${s}.${frac.padEnd(6, '0')}`, numeric: false };
    case 'iso': {
      const offset = sign === undefined ? '' : `${sign}${oh}:${om ?? '00'}${os === undefined ? '' : `:${os}`}`;
      return { value: `${y}-${mo}-${d}T${h}:${mi}:${s}${frac === '' ? '' : `.${frac.padEnd(6, '0')}`}${offset}`, numeric: false };
    }
    case 'epoch':
    case 'epoch_ms': {
      const { seconds, micros } = instantOf(m);
      if (format === 'epoch_ms') return { value: String(seconds * 1000 + Math.floor(micros / 1000)), numeric: true };
      return { value: micros === 0 ? String(seconds) : `${seconds}.${frac.padEnd(6, '0').replace(/0+$/, '')}`, numeric: true };
    }
    default: {
      const exhaustive: never = format;
      return exhaustive;
    }
  }
}

/** The instant of a timestamp text (a timestamp without zone read as UTC): whole epoch seconds and the microseconds after them. */
export function timestampTextInstant(text: string): { seconds: number; micros: number } | null {
  const m = TEXT.exec(text);
  return m === null ? null : instantOf(m);
}

function instantOf(m: RegExpExecArray): { seconds: number; micros: number } {
  const [, y, mo, d, h, mi, s, frac = '', sign, oh, om, os] = m;
  const offsetSeconds = sign === undefined ? 0
    : (sign === '-' ? -1 : 1) * (Number(oh) * 3600 + Number(om ?? 0) * 60 + Number(os ?? 0));
  const wallSeconds = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) / 1000;
  return { seconds: wallSeconds - offsetSeconds, micros: Number(frac.padEnd(6, '0')) };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** A JS Date as PostgreSQL would print a timestamptz in `timeZone` (`2024-01-31 09:05:00.123+09`). */
export function dateToTimestampText(date: Date, timeZone: string): string {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'longOffset',
    });
    formatters.set(timeZone, formatter);
  }
  const parts: Record<string, string> = {};
  for (const part of formatter.formatToParts(date)) parts[part.type] = part.value;
  const offset = /GMT([+-]\d\d):?(\d\d)?/.exec(parts.timeZoneName ?? '');
  const tz = offset === null ? '+00' : `${offset[1]}${offset[2] === undefined || offset[2] === '00' ? '' : `:${offset[2]}`}`;
  const ms = date.getUTCMilliseconds();
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}${ms === 0 ? '' : `.${String(ms).padStart(3, '0')}`}${tz}`;
}

/** Throws a clear error for a time zone Intl does not know. */
export function checkTimeZone(value: unknown, what: string): string {
  if (value === undefined) return 'UTC';
  if (typeof value === 'string' && value !== '') {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: value });
      return value;
    } catch {
      // reported below
    }
  }
  throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG',
    `${what} has timeZone: ${JSON.stringify(value)}; it must be an IANA time zone like "UTC" or "Asia/Seoul"`);
}
