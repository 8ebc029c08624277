import { UpdraftError } from '../common/errors.js';
import { formatDs, formatTs, strftime } from './date-format.js';

/** Values templates see that need more than plain data: dates, connections, lazy accessors. */

export function toDate(value: unknown): Date | null {
  if (value instanceof TemplateDateTime) return value.toDate();
  if (value instanceof Date) return value;
  if (typeof value === 'string') {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? null : date;
  }
  return null;
}

/** nunjucks passes keyword arguments (f(days=1)) as a trailing object flagged __keywords. */
export function splitArgs(args: unknown[]): { positional: unknown[]; keywords: Record<string, unknown> } {
  const last = args.at(-1);
  if (typeof last === 'object' && last !== null && (last as { __keywords?: unknown }).__keywords === true) {
    const { __keywords: _ignored, ...keywords } = last as Record<string, unknown>;
    return { positional: args.slice(0, -1), keywords };
  }
  return { positional: args, keywords: {} };
}

/**
 * A date as templates see it, like Airflow's pendulum DateTime: prints as
 * '2026-01-01T00:00:00+00:00', has strftime(), isoformat(), add(days=1), subtract(hours=2),
 * year/month/day/…, to_date_string(); compares by time.
 */
export class TemplateDateTime {
  readonly #date: Date;

  constructor(date: Date) {
    this.#date = new Date(date.getTime());
  }

  toDate(): Date {
    return new Date(this.#date.getTime());
  }

  toString(): string {
    return formatTs(this.#date);
  }

  /** Prints as ts (`'' + d`, template output); compares by time (`a < b`). */
  [Symbol.toPrimitive](hint: string): string | number {
    return hint === 'number' ? this.#date.getTime() : formatTs(this.#date);
  }

  toJSON(): string {
    return this.#date.toISOString();
  }

  isoformat(): string {
    return formatTs(this.#date);
  }

  toISOString(): string {
    return this.#date.toISOString();
  }

  getTime(): number {
    return this.#date.getTime();
  }

  strftime(format: string): string {
    return strftime(this.#date, String(format));
  }

  timestamp(): number {
    return this.#date.getTime() / 1000;
  }

  to_date_string(): string {
    return formatDs(this.#date);
  }

  to_datetime_string(): string {
    return strftime(this.#date, '%Y-%m-%d %H:%M:%S');
  }

  date(): string {
    return formatDs(this.#date);
  }

  add(...args: unknown[]): TemplateDateTime {
    return new TemplateDateTime(new Date(this.#date.getTime() + deltaMs(args)));
  }

  subtract(...args: unknown[]): TemplateDateTime {
    return new TemplateDateTime(new Date(this.#date.getTime() - deltaMs(args)));
  }

  get year(): number { return this.#date.getUTCFullYear(); }
  get month(): number { return this.#date.getUTCMonth() + 1; }
  get day(): number { return this.#date.getUTCDate(); }
  get hour(): number { return this.#date.getUTCHours(); }
  get minute(): number { return this.#date.getUTCMinutes(); }
  get second(): number { return this.#date.getUTCSeconds(); }
  get microsecond(): number { return this.#date.getUTCMilliseconds() * 1000; }
}

const DELTA_UNITS: Record<string, number> = {
  weeks: 604_800_000, days: 86_400_000, hours: 3_600_000, minutes: 60_000, seconds: 1000, milliseconds: 1, microseconds: 0.001,
};

function deltaMs(args: unknown[]): number {
  const { positional, keywords } = splitArgs(args);
  const first = positional[0];
  const units = typeof first === 'object' && first !== null ? (first as Record<string, unknown>) : keywords;
  let total = 0;
  for (const [unit, amount] of Object.entries(units)) {
    const size = DELTA_UNITS[unit];
    if (size === undefined || typeof amount !== 'number') {
      throw new UpdraftError('UPDRAFT_ERR_TEMPLATE',
        `add()/subtract() got ${unit}=${JSON.stringify(amount)}; use numbers for ${Object.keys(DELTA_UNITS).join(', ')}`);
    }
    total += amount * size;
  }
  return Math.round(total);
}

/** A connection as templates see it: Airflow's field names (conn.my_db.host, .extra_dejson). */
export function templateConnection(connId: string, raw: Record<string, unknown>): Record<string, unknown> {
  const extraRaw = raw.extra;
  let extraDejson: Record<string, unknown> = {};
  let extra: string | null = null;
  if (typeof extraRaw === 'string' && extraRaw !== '') {
    extra = extraRaw;
    try {
      const parsed: unknown = JSON.parse(extraRaw);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) extraDejson = parsed as Record<string, unknown>;
    } catch {
      // Airflow: extra that is not JSON gives an empty extra_dejson.
    }
  } else if (typeof extraRaw === 'object' && extraRaw !== null) {
    extraDejson = extraRaw as Record<string, unknown>;
    extra = JSON.stringify(extraRaw);
  }
  return {
    ...raw,
    conn_id: raw.connId ?? raw.conn_id ?? connId,
    conn_type: raw.connType ?? raw.conn_type ?? null,
    host: raw.host ?? null,
    login: raw.login ?? null,
    password: raw.password ?? null,
    port: raw.port ?? null,
    schema: raw.schema ?? null,
    extra,
    extra_dejson: extraDejson,
  };
}

/** A read-only accessor object whose property reads call `get` (not a plain object to nunjucks). */
export function accessor(tag: string, get: (key: string) => unknown, extra: Record<string, unknown> = {}): object {
  const target = Object.assign(Object.create(null) as object, extra, { [Symbol.toStringTag]: tag });
  return new Proxy(target, {
    get(t, prop) {
      if (typeof prop === 'symbol') return (t as Record<symbol, unknown>)[prop];
      if (Object.prototype.hasOwnProperty.call(extra, prop)) return extra[prop];
      if (prop === 'toString' || prop === 'valueOf' || prop === 'then') return undefined;
      return get(prop);
    },
  });
}

