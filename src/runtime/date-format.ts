import { UpdraftError } from '../common/errors.js';

/**
 * Airflow's date strings and Python's strftime/strptime, in UTC (Airflow's template context is in
 * UTC). Only what templates need: the directives below; anything else is kept as written, as
 * glibc's strftime does.
 */

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

function dayOfYear(date: Date): number {
  return Math.floor((date.getTime() - Date.UTC(date.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
}

/** Python's strftime for a UTC instant (%Y %m %d %H %M %S %f %y %j %a %A %b %B %p %I %z %Z %% …). */
export function strftime(date: Date, format: string): string {
  return format.replace(/%(-?)([a-zA-Z%])/g, (whole, noPad: string, directive: string) => {
    const p = (value: number, width = 2): string => (noPad === '-' ? String(value) : pad(value, width));
    switch (directive) {
      case 'Y': return String(date.getUTCFullYear());
      case 'y': return pad(date.getUTCFullYear() % 100);
      case 'm': return p(date.getUTCMonth() + 1);
      case 'd': return p(date.getUTCDate());
      case 'e': return String(date.getUTCDate()).padStart(2, ' ');
      case 'H': return p(date.getUTCHours());
      case 'I': return p(date.getUTCHours() % 12 === 0 ? 12 : date.getUTCHours() % 12);
      case 'M': return p(date.getUTCMinutes());
      case 'S': return p(date.getUTCSeconds());
      case 'f': return pad(date.getUTCMilliseconds(), 3) + '000';
      case 'j': return p(dayOfYear(date), 3);
      case 'p': return date.getUTCHours() < 12 ? 'AM' : 'PM';
      case 'a': return (DAYS[date.getUTCDay()] ?? '').slice(0, 3);
      case 'A': return DAYS[date.getUTCDay()] ?? '';
      case 'w': return String(date.getUTCDay());
      case 'u': return String(date.getUTCDay() === 0 ? 7 : date.getUTCDay());
      case 'b': case 'h': return (MONTHS[date.getUTCMonth()] ?? '').slice(0, 3);
      case 'B': return MONTHS[date.getUTCMonth()] ?? '';
      case 'z': return '+0000';
      case 'Z': return 'UTC';
      case 's': return String(Math.floor(date.getTime() / 1000));
      case 'F': return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
      case 'T': return `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
      case '%': return '%';
      default: return whole;
    }
  });
}

function monthIndex(name: string): number {
  const lower = name.toLowerCase();
  return MONTHS.findIndex((m) => m.toLowerCase() === lower || m.slice(0, 3).toLowerCase() === lower);
}

/**
 * Python's datetime.strptime for the common directives; a string that does not match the format
 * throws UPDRAFT_ERR_TEMPLATE with Python's wording ("does not match format").
 */
export function strptime(text: string, format: string): Date {
  const fail = (): never => {
    throw new UpdraftError('UPDRAFT_ERR_TEMPLATE', `time data ${JSON.stringify(text)} does not match format ${JSON.stringify(format)}`);
  };
  const groups: Array<(value: string, parts: Parts) => void> = [];
  let source = '^';
  for (let i = 0; i < format.length; i++) {
    const c = format[i] ?? '';
    if (c !== '%') {
      source += /\s/.test(c) ? '\\s+' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      continue;
    }
    const directive = format[++i];
    const num = (digits: string, set: (n: number, parts: Parts) => void): void => {
      source += `(\\d{${digits}})`;
      groups.push((v, parts) => set(Number(v), parts));
    };
    switch (directive) {
      case 'Y': num('4', (n, p) => { p.year = n; }); break;
      case 'y': num('2', (n, p) => { p.year = n < 69 ? 2000 + n : 1900 + n; }); break;
      case 'm': num('1,2', (n, p) => { p.month = n; }); break;
      case 'd': num('1,2', (n, p) => { p.day = n; }); break;
      case 'H': num('1,2', (n, p) => { p.hour = n; }); break;
      case 'M': num('1,2', (n, p) => { p.minute = n; }); break;
      case 'S': num('1,2', (n, p) => { p.second = n; }); break;
      case 'j': num('1,3', (n, p) => { p.dayOfYear = n; }); break;
      case 'f':
        source += '(\\d{1,6})';
        groups.push((v, p) => { p.ms = Math.floor(Number(v.padEnd(6, '0')) / 1000); });
        break;
      case 'b': case 'B': case 'h':
        source += '([A-Za-z]+)';
        groups.push((v, p) => {
          const index = monthIndex(v);
          if (index < 0) fail();
          p.month = index + 1;
        });
        break;
      case 'a': case 'A':
        source += '[A-Za-z]+';
        break;
      case 'z':
        source += '(Z|[+-]\\d{2}:?\\d{2})';
        groups.push((v, p) => {
          if (v === 'Z') return;
          const digits = v.slice(1).replace(':', '');
          p.offsetMinutes = (v.startsWith('-') ? -1 : 1) * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
        });
        break;
      case '%': source += '%'; break;
      default:
        throw new UpdraftError('UPDRAFT_ERR_TEMPLATE',
          `format ${JSON.stringify(format)} uses %${directive ?? ''}, which is not supported; use %Y %y %m %d %H %M %S %f %j %b %B %a %A %z %%`);
    }
  }
  const match = new RegExp(source + '$').exec(text);
  if (match === null) return fail();
  const parts: Parts = { year: 1900, month: 1, day: 1, hour: 0, minute: 0, second: 0, ms: 0, dayOfYear: null, offsetMinutes: 0 };
  groups.forEach((set, index) => set(match[index + 1] ?? '', parts));
  let ms = parts.dayOfYear === null
    ? Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second, parts.ms)
    : Date.UTC(parts.year, 0, parts.dayOfYear, parts.hour, parts.minute, parts.second, parts.ms);
  const check = new Date(ms);
  if (parts.dayOfYear === null && (check.getUTCMonth() !== parts.month - 1 || check.getUTCDate() !== parts.day
    || parts.hour > 23 || parts.minute > 59 || parts.second > 59)) {
    fail();
  }
  ms -= parts.offsetMinutes * 60_000;
  return new Date(ms);
}

interface Parts {
  year: number; month: number; day: number; hour: number; minute: number; second: number; ms: number;
  dayOfYear: number | null; offsetMinutes: number;
}

/** Airflow's ds: 'YYYY-MM-DD' in UTC. */
export function formatDs(date: Date): string {
  return strftime(date, '%Y-%m-%d');
}

export function formatDsNodash(date: Date): string {
  return strftime(date, '%Y%m%d');
}

/**
 * Python's isoformat() of a UTC datetime, as Airflow's ts: '2026-01-01T00:00:00+00:00', with
 * '.ffffff' only when the instant has a sub-second part.
 */
export function formatTs(date: Date): string {
  const ms = date.getUTCMilliseconds();
  return strftime(date, '%Y-%m-%dT%H:%M:%S') + (ms === 0 ? '' : `.${pad(ms, 3)}000`) + '+00:00';
}

/** Airflow's ts_nodash: '20260101T000000'. */
export function formatTsNodash(date: Date): string {
  return strftime(date, '%Y%m%dT%H%M%S');
}

/** Airflow's ts_nodash_with_tz: ts without '-' and ':' ('20260101T000000+0000'). */
export function formatTsNodashWithTz(date: Date): string {
  return formatTs(date).replace(/[-:]/g, '');
}

/** Airflow's macros.ds_add: '2026-01-01', 5 → '2026-01-06' (negative days go back). */
export function dsAdd(ds: string, days: number): string {
  const n = Number(days);
  if (!Number.isFinite(n)) {
    throw new UpdraftError('UPDRAFT_ERR_TEMPLATE', `macros.ds_add(${JSON.stringify(ds)}, ${JSON.stringify(days)}): days must be a number`);
  }
  const date = strptime(String(ds), '%Y-%m-%d');
  return formatDs(new Date(date.getTime() + Math.trunc(n) * 86_400_000));
}

/** Airflow's macros.ds_format: ds_format('2026-01-05', '%Y-%m-%d', '%m-%d-%y') → '01-05-26'. */
export function dsFormat(ds: string, inputFormat: string, outputFormat: string): string {
  return strftime(strptime(String(ds), inputFormat), outputFormat);
}
