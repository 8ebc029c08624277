import Table from 'cli-table3';
import { UpdraftError } from '../common/errors.js';

export type OutputFormat = 'table' | 'json';

export function parseOutputFormat(value: string): OutputFormat {
  if (value === 'table' || value === 'json') return value;
  throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `--output "${value}" is not supported; allowed: table, json`);
}

export type Row = Record<string, string | number | boolean | null | undefined>;

/** Prints rows as a table (a terminal view) or as a JSON array (for scripts). */
export function printRows(rows: Row[], columns: string[], options: { format: OutputFormat; out: NodeJS.WritableStream }): void {
  const { format, out } = options;
  if (format === 'json') {
    out.write(JSON.stringify(rows.map((r) => Object.fromEntries(columns.map((c) => [c, r[c] ?? null]))), null, 2) + '\n');
    return;
  }
  if (rows.length === 0) {
    out.write('(none)\n');
    return;
  }
  const table = new Table({ head: columns, style: { head: [], border: [] } });
  for (const row of rows) table.push(columns.map((c) => formatCell(row[c])));
  out.write(table.toString() + '\n');
}

function formatCell(value: Row[string]): string {
  if (value === null || value === undefined) return '';
  return String(value);
}

export function iso(date: Date | null | undefined): string {
  return date === null || date === undefined ? '' : date.toISOString();
}

export function parseJsonOption(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `${what} is not valid JSON (${(error as Error).message}); pass an object such as '{"key": "value"}'`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `${what} must be a JSON object such as '{"key": "value"}', got ${text}`);
  }
  return value as Record<string, unknown>;
}
