import { Transform, type TransformCallback } from 'node:stream';
import { UpdraftError } from '../../../common/errors.js';

/**
 * Cuts COPY … TO STDOUT text output at row ends: rows() gets whole rows only, each ending with its
 * newline. A newline inside a value is always escaped, so a raw 0x0A only ever ends a row and a
 * chunk can be cut at its last newline without splitting a UTF-8 character.
 */
abstract class WholeRows extends Transform {
  #rest: Buffer | null = null;

  constructor() {
    super({ readableObjectMode: true, readableHighWaterMark: 4 });
  }

  protected abstract rows(bytes: Buffer): unknown;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const last = chunk.lastIndexOf(0x0a);
    if (last === -1) {
      this.#rest = this.#rest === null ? chunk : Buffer.concat([this.#rest, chunk]);
      callback();
      return;
    }
    const head = this.#rest === null ? chunk.subarray(0, last + 1) : Buffer.concat([this.#rest, chunk.subarray(0, last + 1)]);
    this.#rest = last + 1 < chunk.length ? chunk.subarray(last + 1) : null;
    try {
      callback(null, this.rows(head));
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    if (this.#rest !== null && this.#rest.length > 0) {
      callback(new UpdraftError('UPDRAFT_ERR_SQL', `COPY output ended in the middle of a row (${this.#rest.length} bytes without a newline)`));
      return;
    }
    callback();
  }
}

/**
 * Parses COPY's text format into batches of cells (a string, or null for \N); object mode, one
 * RowBatch per chunk (batching keeps per-row stream overhead out).
 */
export class CopyTextParser extends WholeRows {
  readonly #columns: number;

  constructor(columns: number) {
    super();
    this.#columns = columns;
  }

  protected override rows(bytes: Buffer): RowBatch {
    return this.#parse(bytes.toString('utf8', 0, bytes.length - 1));
  }

  /** Splits complete rows with indexOf (no per-row arrays): cells land in one flat array. */
  #parse(text: string): RowBatch {
    const width = this.#columns;
    if (width === 0) return { cells: [], rows: text.split('\n').length, width };
    const cells: (string | null)[] = [];
    let rows = 0;
    let pos = 0;
    const end = text.length;
    while (pos <= end) {
      let lineEnd = text.indexOf('\n', pos);
      if (lineEnd === -1) lineEnd = end;
      for (let c = 0; c < width; c++) {
        let stop = lineEnd;
        if (c < width - 1) {
          stop = text.indexOf('\t', pos);
          if (stop === -1 || stop > lineEnd) throw copyFieldCountError(c + 1, width);
        }
        const value = text.slice(pos, stop);
        cells.push(value === '\\N' ? null : value.includes('\\') ? unescapeCopyText(value) : value);
        pos = stop + 1;
      }
      rows++;
    }
    return { cells, rows, width };
  }
}

/** A COPY row with fewer fields than the query's columns: the stream is not what PostgreSQL sends. */
export function copyFieldCountError(found: number, width: number): UpdraftError {
  return new UpdraftError('UPDRAFT_ERR_SQL', `COPY output row has ${found} fields, expected ${width}`, { details: { found, expected: width } });
}

/** Rows of one batch, row-major in one flat array: cell (r, c) is cells[r * width + c]. */
export interface RowBatch {
  cells: (string | null)[];
  rows: number;
  width: number;
}

/** Re-chunks COPY output at row boundaries: every Buffer it emits holds whole rows, newlines included. */
export class CopyRowChunker extends WholeRows {
  protected override rows(bytes: Buffer): Buffer {
    return bytes;
  }
}

const SIMPLE_ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };

/** Undoes COPY text escaping: \\ \b \f \n \r \t \v, \NNN (octal) and \xHH (hex). */
export function unescapeCopyText(value: string): string {
  return value.replace(/\\([0-7]{1,3}|x[0-9a-fA-F]{1,2}|.)/g, (_match, code: string) => {
    const simple = SIMPLE_ESCAPES[code];
    if (simple !== undefined) return simple;
    if (/^[0-7]+$/.test(code)) return String.fromCharCode(parseInt(code, 8));
    if (code[0] === 'x' && code.length > 1) return String.fromCharCode(parseInt(code.slice(1), 16));
    return code;
  });
}
