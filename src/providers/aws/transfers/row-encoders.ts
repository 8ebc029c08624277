import type { ExportColumn } from './column-kinds.js';
import type { RowBatch } from './copy-text.js';
import { formatTimestampText, type TimestampFormat } from './timestamp-format.js';

/** Rows as the encoders take them: PostgreSQL text per cell, null for NULL, row-major in one array. */
export type { RowBatch } from './copy-text.js';

export interface EncodeOptions {
  timestampFormat: TimestampFormat;
  /** 'number' writes numeric/decimal and bigint digits as JSON numbers (exact text); 'string' quotes them. */
  numericAs: 'number' | 'string';
}

/** Encodes rows into one output format; `encode` returns the bytes' text for a batch of rows. */
export interface RowEncoder {
  /** Text written at the start of every file (CSV header), or ''. */
  readonly fileHeader: string;
  /** Encodes rows [from, to) of the batch. */
  encode(batch: RowBatch, from?: number, to?: number): string;
}

const FINITE_NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

function bytesToBase64(text: string): string {
  // bytea_output=hex: "\x" followed by hex digits.
  return Buffer.from(text.startsWith('\\x') ? text.slice(2) : text, 'hex').toString('base64');
}

/** JSON lines: keys sorted, UTF-8 as is (Korean stays Korean), NULL as null. */
export function jsonLinesEncoder(columns: readonly ExportColumn[], options: EncodeOptions): RowEncoder {
  const order = columns.map((column, index) => ({ column, index }))
    .sort((a, b) => (a.column.name < b.column.name ? -1 : a.column.name > b.column.name ? 1 : 0));
  const keys = order.map(({ column }, i) => `${i === 0 ? '{' : ','}${JSON.stringify(column.name)}:`);
  const indexes = order.map(({ index }) => index);
  const encoders = order.map(({ column }) => jsonCellEncoder(column.kind, options));
  const width = order.length;
  return {
    fileHeader: '',
    encode(batch, from = 0, to = batch.rows) {
      const { cells } = batch;
      let out = '';
      for (let r = from; r < to; r++) {
        if (width === 0) {
          out += '{}\n';
          continue;
        }
        const base = r * batch.width;
        for (let i = 0; i < width; i++) {
          const cell = cells[base + indexes[i]!]!;
          out += keys[i]! + (cell === null ? 'null' : encoders[i]!(cell));
        }
        out += '}\n';
      }
      return out;
    },
  };
}

/** The JSON token of one non-null cell, chosen once per column (the hot loop stays branch-free). */
function jsonCellEncoder(kind: ExportColumn['kind'], options: EncodeOptions): (cell: string) => string {
  switch (kind) {
    case 'text':
    case 'date':
    case 'time':
      return (cell) => JSON.stringify(cell);
    case 'int':
      return (cell) => cell;
    case 'bigint':
    case 'numeric':
      return options.numericAs === 'string'
        ? (cell) => JSON.stringify(cell)
        : (cell) => (FINITE_NUMBER.test(cell) ? cell : JSON.stringify(cell));
    case 'float':
      return (cell) => (FINITE_NUMBER.test(cell) ? cell : 'null');
    case 'bool':
      return (cell) => (cell === 't' || cell === 'true' || cell === '1' ? 'true' : 'false');
    case 'json':
      // json (not jsonb) keeps its text as stored, which may span lines: one object per line needs one line.
      return (cell) => (cell.includes('\n') || cell.includes('\r') ? cell.replace(/[\r\n]/g, ' ') : cell);
    case 'bytes':
      return (cell) => `"${bytesToBase64(cell)}"`;
    case 'timestamp':
    case 'timestamptz':
      return timestampJsonEncoder(options.timestampFormat);
    default: {
      const exhaustive: never = kind;
      return () => JSON.stringify(exhaustive);
    }
  }
}

function timestampJsonEncoder(format: TimestampFormat): (cell: string) => string {
  const general = (cell: string): string => {
    const formatted = formatTimestampText(cell, format);
    return formatted.numeric ? formatted.value : JSON.stringify(formatted.value);
  };
  if (format !== 'YYYY-MM-DD HH:MM:SS') return general;
  // The default format is PostgreSQL's own text cut after the seconds: skip the parse when the shape is plain.
  return (cell) => (cell.length >= 19 && cell.charCodeAt(4) === 45 && cell.charCodeAt(10) === 32 && (cell.length === 19 || cell.charCodeAt(19) === 46 || cell.charCodeAt(19) === 43 || cell.charCodeAt(19) === 45)
    ? `"${cell.slice(0, 19)}"`
    : general(cell));
}

/** CSV per RFC 4180: a header row in every file, CRLF-free (\n) lines, fields quoted when needed, NULL empty. */
export function csvEncoder(columns: readonly ExportColumn[], options: EncodeOptions): RowEncoder {
  const quote = (text: string): string => (/[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text);
  const cell = (text: string | null, column: ExportColumn): string => {
    if (text === null) return '';
    switch (column.kind) {
      case 'bool':
        return text === 't' || text === 'true' || text === '1' ? 'true' : 'false';
      case 'bytes':
        return bytesToBase64(text);
      case 'timestamp':
      case 'timestamptz':
        return quote(formatTimestampText(text, options.timestampFormat).value);
      case 'float':
        return FINITE_NUMBER.test(text) ? text : '';
      case 'int':
      case 'bigint':
      case 'numeric':
      case 'text':
      case 'json':
      case 'date':
      case 'time':
        return quote(text);
      default: {
        const exhaustive: never = column.kind;
        return exhaustive;
      }
    }
  };
  return {
    fileHeader: `${columns.map((c) => quote(c.name)).join(',')}\n`,
    encode(batch, from = 0, to = batch.rows) {
      const { cells, width } = batch;
      let out = '';
      for (let r = from; r < to; r++) {
        const base = r * width;
        for (let i = 0; i < columns.length; i++) out += (i === 0 ? '' : ',') + cell(cells[base + i]!, columns[i]!);
        out += '\n';
      }
      return out;
    },
  };
}
