import type { ColumnKind, ExportColumn } from './column-kinds.js';
import type { RowBatch } from './copy-text.js';
import { dateToTimestampText } from './timestamp-format.js';

/**
 * Driver rows (objects from pg's cursor or mysql2's stream) turned into the text cells the encoders
 * read, so every source writes identical files: Date → timestamp text in the export's time zone,
 * Buffer → bytea hex, objects/arrays → JSON, booleans → t/f, numbers and bigints → their digits.
 */

/** Kinds of columns from the first row that has a value in each (declared kinds win). */
export function inferColumns(names: readonly string[], rows: readonly Record<string, unknown>[], declared: ReadonlyMap<string, ColumnKind> = new Map()): ExportColumn[] {
  return names.map((name) => {
    const kind = declared.get(name);
    if (kind !== undefined) return { name, kind };
    for (const row of rows) {
      const value = row[name];
      if (value !== null && value !== undefined) return { name, kind: kindOfValue(value) };
    }
    return { name, kind: 'text' };
  });
}

function kindOfValue(value: unknown): ColumnKind {
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'bigint') return 'bigint';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (value instanceof Date) return 'timestamptz';
  if (value instanceof Uint8Array) return 'bytes';
  if (typeof value === 'object') return 'json';
  return 'text';
}

/** One batch of driver rows as text cells, column order as given. */
export function valuesToBatch(rows: readonly Record<string, unknown>[], columns: readonly ExportColumn[], timeZone: string): RowBatch {
  const width = columns.length;
  const cells: (string | null)[] = new Array(rows.length * width);
  let i = 0;
  for (const row of rows) {
    for (const column of columns) cells[i++] = valueToText(row[column.name], column.kind, timeZone);
  }
  return { cells, rows: rows.length, width };
}

function valueToText(value: unknown, kind: ColumnKind, timeZone: string): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return null;
    if (kind === 'date') return dateToTimestampText(value, timeZone).slice(0, 10);
    return dateToTimestampText(value, timeZone);
  }
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
  switch (typeof value) {
    case 'string':
      return kind === 'json' ? JSON.stringify(safeParse(value)) : value;
    case 'boolean':
      return value ? 't' : 'f';
    case 'number':
      return Number.isFinite(value) ? String(value) : Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
    case 'bigint':
      return value.toString();
    case 'object':
      return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    default:
      return String(value);
  }
}

/** JSON columns from drivers that return text (mysql2 for JSON): kept as JSON when it parses, else as a string. */
function safeParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
