import type { ColumnKind, ExportColumn } from './column-kinds.js';
import type { EncodeOptions } from './row-encoders.js';
import { copyFieldCountError } from './copy-text.js';

/**
 * JSON lines straight from COPY's text bytes, without decoding to strings and re-encoding: most
 * cells are copied byte for byte (numbers, timestamps cut after the seconds, jsonb text, UTF-8 text),
 * only the few bytes JSON and COPY escape differently are rewritten. It writes exactly what the
 * string encoder (jsonLinesEncoder over CopyTextParser) writes; it only covers the default
 * timestampFormat, and exports that split files use the string path (splitting needs row counts
 * per file, which this path does not track row by row).
 *
 * COPY text escapes a backslash as `\\`, and newline, carriage return, tab, backspace, form feed and
 * vertical tab as `\n` `\r` `\t` `\b` `\f` `\v`; every other byte is raw. JSON strings use the same
 * escapes except `\v` (→ `\u000b`), and need `"` and raw control bytes escaped.
 */
export function canEncodeBytes(options: EncodeOptions): boolean {
  return options.timestampFormat === 'YYYY-MM-DD HH:MM:SS';
}

const TAB = 0x09;
const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const HEX = '0123456789abcdef';

type CellWriter = (input: Buffer, start: number, end: number) => void;

/**
 * Copies input[start, end) to out at o and returns the new offset. Cells are short: a byte loop
 * beats Buffer.copy's native call below a few dozen bytes. Positional on purpose: it runs per cell,
 * millions of times per export, where an options object would be an allocation per call.
 */
// eslint-disable-next-line max-params
function put(out: Buffer, o: number, input: Uint8Array, start: number, end: number): number {
  if (end - start > 48) return o + (input as Buffer).copy(out, o, start, end);
  for (let i = start; i < end; i++) out[o++] = input[i]!;
  return o;
}

export class JsonLinesByteEncoder {
  readonly #width: number;
  readonly #order: number[];
  readonly #keys: Buffer[];
  readonly #writers: CellWriter[];
  readonly #starts: Int32Array;
  readonly #ends: Int32Array;
  #out: Buffer = Buffer.alloc(0);
  #o = 0;

  constructor(columns: readonly ExportColumn[], options: EncodeOptions) {
    this.#width = columns.length;
    const sorted = columns.map((column, index) => ({ column, index }))
      .sort((a, b) => (a.column.name < b.column.name ? -1 : a.column.name > b.column.name ? 1 : 0));
    this.#order = sorted.map(({ index }) => index);
    this.#keys = sorted.map(({ column }, i) => Buffer.from(`${i === 0 ? '{' : ','}${JSON.stringify(column.name)}:`, 'utf8'));
    this.#writers = sorted.map(({ column }) => this.#writerFor(column.kind, options));
    this.#starts = new Int32Array(this.#width);
    this.#ends = new Int32Array(this.#width);
  }

  /**
   * Encodes complete rows (input ends right after a newline). Returns the JSON lines and the row
   * count; the bytes are a fresh buffer the caller may keep (it goes to the upload without a copy).
   */
  encode(input: Buffer): { bytes: Buffer; rows: number } {
    this.#o = 0;
    this.#out = Buffer.allocUnsafe(input.length + (input.length >> 1) + 1024);
    const width = this.#width;
    let rows = 0;
    let pos = 0;
    const length = input.length;
    while (pos < length) {
      let lineEnd = input.indexOf(NEWLINE, pos);
      if (lineEnd === -1) lineEnd = length;
      for (let c = 0; c < width; c++) {
        let stop = lineEnd;
        if (c < width - 1) {
          stop = input.indexOf(TAB, pos);
          if (stop === -1 || stop > lineEnd) throw copyFieldCountError(c + 1, width);
        }
        this.#starts[c] = pos;
        this.#ends[c] = stop;
        pos = stop + 1;
      }
      if (width === 0) pos = lineEnd + 1;
      this.#row(input);
      rows++;
    }
    return { bytes: this.#out.subarray(0, this.#o), rows };
  }

  #row(input: Buffer): void {
    if (this.#width === 0) {
      this.#ascii('{}\n');
      return;
    }
    for (let i = 0; i < this.#width; i++) {
      const key = this.#keys[i]!;
      this.#ensure(key.length);
      this.#o = put(this.#out, this.#o, key, 0, key.length);
      const column = this.#order[i]!;
      const start = this.#starts[column]!;
      const end = this.#ends[column]!;
      if (end - start === 2 && input[start] === BACKSLASH && input[start + 1] === 0x4e) this.#ascii('null');
      else this.#writers[i]!(input, start, end);
    }
    this.#ascii('}\n');
  }

  #writerFor(kind: ColumnKind, options: EncodeOptions): CellWriter {
    switch (kind) {
      case 'text':
      case 'date':
      case 'time':
        return (input, start, end) => this.#string(input, start, end);
      case 'int':
        return (input, start, end) => this.#copy(input, start, end);
      case 'bigint':
      case 'numeric':
        return (input, start, end) => {
          const first = input[start];
          // NaN, Infinity, -Infinity are not JSON numbers.
          const special = first === 0x4e || first === 0x49 || (first === 0x2d && input[start + 1] === 0x49);
          if (options.numericAs === 'string' || special) this.#quoted(input, start, end);
          else this.#copy(input, start, end);
        };
      case 'float':
        return (input, start, end) => {
          const first = input[start];
          if (first === 0x4e || first === 0x49 || (first === 0x2d && input[start + 1] === 0x49)) this.#ascii('null');
          else this.#copy(input, start, end);
        };
      case 'bool':
        return (input, start) => this.#ascii(input[start] === 0x74 ? 'true' : 'false');
      case 'json':
        return (input, start, end) => this.#json(input, start, end);
      case 'bytes':
        return (input, start, end) => {
          // "\\x…" in COPY text: the escaped backslash, x, then hex digits.
          const hex = input.toString('latin1', start + 3, end);
          this.#ascii(`"${Buffer.from(hex, 'hex').toString('base64')}"`);
        };
      case 'timestamp':
      case 'timestamptz':
        return (input, start, end) => {
          const plain = end - start >= 19 && input[start + 4] === 0x2d && input[start + 10] === 0x20
            && (end - start === 19 || input[start + 19] === 0x2e || input[start + 19] === 0x2b || input[start + 19] === 0x2d);
          if (plain) this.#quoted(input, start, start + 19);
          else this.#string(input, start, end);
        };
      default: {
        const exhaustive: never = kind;
        return exhaustive;
      }
    }
  }

  #ensure(extra: number): void {
    if (this.#o + extra <= this.#out.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.#out.length * 2, this.#o + extra));
    this.#out.copy(grown, 0, 0, this.#o);
    this.#out = grown;
  }

  #ascii(text: string): void {
    this.#ensure(text.length);
    const out = this.#out;
    let o = this.#o;
    for (let i = 0; i < text.length; i++) out[o++] = text.charCodeAt(i);
    this.#o = o;
  }

  #copy(input: Buffer, start: number, end: number): void {
    this.#ensure(end - start);
    this.#o = put(this.#out, this.#o, input, start, end);
  }

  #quoted(input: Buffer, start: number, end: number): void {
    this.#ensure(end - start + 2);
    this.#out[this.#o++] = QUOTE;
    this.#o = put(this.#out, this.#o, input, start, end);
    this.#out[this.#o++] = QUOTE;
  }

  /** A JSON string from COPY text: COPY's escapes are JSON's, but for \v; quotes and raw control bytes get escaped. */
  #string(input: Buffer, start: number, end: number): void {
    this.#ensure((end - start) * 6 + 2);
    const out = this.#out;
    let o = this.#o;
    out[o++] = QUOTE;
    let run = start;
    for (let i = start; i < end; i++) {
      const b = input[i]!;
      if (b === BACKSLASH) {
        // An escape pair: copy as is, except \v which JSON lacks.
        if (input[i + 1] === 0x76) {
          o = put(out, o, input, run, i);
          o += out.write('\\u000b', o, 'latin1');
          run = i + 2;
        }
        i++;
      } else if (b === QUOTE || b < 0x20) {
        o = put(out, o, input, run, i);
        if (b === QUOTE) {
          out[o++] = BACKSLASH;
          out[o++] = QUOTE;
        } else {
          o += out.write(`\\u00${HEX[b >> 4]}${HEX[b & 15]}`, o, 'latin1');
        }
        run = i + 1;
      }
    }
    o = put(out, o, input, run, end);
    out[o++] = QUOTE;
    this.#o = o;
  }

  /** JSON text from COPY: undo COPY's escaping; a line break (whitespace in json) becomes a space. */
  #json(input: Buffer, start: number, end: number): void {
    const first = input.indexOf(BACKSLASH, start);
    if (first === -1 || first >= end) {
      this.#copy(input, start, end);
      return;
    }
    this.#ensure(end - start);
    const out = this.#out;
    let o = this.#o;
    let run = start;
    for (let i = first; i < end; i++) {
      if (input[i] !== BACKSLASH) continue;
      o = put(out, o, input, run, i);
      const next = input[i + 1];
      out[o++] = next === BACKSLASH ? BACKSLASH : next === 0x74 ? TAB : 0x20;
      i++;
      run = i + 1;
    }
    o = put(out, o, input, run, end);
    this.#o = o;
  }
}
