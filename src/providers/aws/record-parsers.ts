import { StringDecoder } from 'node:string_decoder';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { UpdraftError } from '../../common/errors.js';

export interface CsvOptions {
  /** Field separator, one character; default ','. */
  delimiter?: string;
  /** Quote character, one character; default '"' (a quote inside a quoted field is doubled). */
  quote?: string;
  /** Default true: the first record holds the column names. */
  header?: boolean;
  /** An unquoted field equal to this becomes null; default '' (as PostgreSQL's COPY … CSV). */
  nullValue?: string | null;
}

/** A CSV field: text, or null for an unquoted null value. */
export type CsvField = string | null;

/**
 * Streams records of RFC 4180 CSV: quoted fields may hold the delimiter, doubled quotes and line
 * breaks; records end with CRLF or LF. A UTF-8 byte order mark is dropped. `where` names the source
 * in error messages.
 */
export async function* parseCsv(source: AsyncIterable<Buffer | string>, options: CsvOptions = {}, where = 'CSV'): AsyncGenerator<CsvField[]> {
  const delimiter = options.delimiter ?? ',';
  const quote = options.quote ?? '"';
  const nullValue = options.nullValue === undefined ? '' : options.nullValue;
  for (const [name, value] of [['delimiter', delimiter], ['quote', quote]] as const) {
    if (typeof value !== 'string' || value.length !== 1 || value === '\n' || value === '\r') {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `csv ${name} ${JSON.stringify(value)} is not allowed; it must be one character other than a line break`);
    }
  }
  const decoder = new StringDecoder('utf8');
  let record: CsvField[] = [];
  let field = '';
  let quoted = false; // the current field started with a quote
  let inQuotes = false; // inside the quotes of that field
  let afterQuote = false; // a quote was just seen inside quotes: either the closing one or half of ""
  let pendingCr = false;
  let fieldStarted = false;
  let line = 1;
  let first = true;
  const endField = (): void => {
    record.push(!quoted && nullValue !== null && field === nullValue ? null : field);
    field = '';
    quoted = false;
    fieldStarted = false;
  };
  const fail = (message: string): never => {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `${where} is not valid CSV at line ${line}: ${message}`);
  };

  const consume = function* (text: string): Generator<CsvField[]> {
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (first) {
        first = false;
        if (ch === '\uFEFF') continue;
      }
      if (pendingCr) {
        pendingCr = false;
        if (ch === '\n') continue;
      }
      if (inQuotes) {
        if (afterQuote) {
          afterQuote = false;
          if (ch === quote) {
            field += quote;
            continue;
          }
          inQuotes = false; // that quote closed the field; handle ch below as outside quotes
        } else if (ch === quote) {
          afterQuote = true;
          continue;
        } else {
          if (ch === '\n') line++;
          field += ch;
          continue;
        }
      }
      if (ch === delimiter) {
        endField();
        fieldStarted = true;
      } else if (ch === '\n' || ch === '\r') {
        if (ch === '\r') pendingCr = true;
        if (fieldStarted || field !== '' || quoted || record.length > 0) {
          endField();
          yield record;
        }
        record = [];
        line++;
      } else if (ch === quote && field === '' && !quoted) {
        quoted = true;
        inQuotes = true;
        fieldStarted = true;
      } else {
        if (quoted) fail(`text after the closing quote of a field (${JSON.stringify(ch)})`);
        field += ch;
        fieldStarted = true;
      }
    }
  };

  for await (const chunk of source) {
    yield* consume(typeof chunk === 'string' ? chunk : decoder.write(chunk));
  }
  yield* consume(decoder.end());
  if (inQuotes && !afterQuote) fail('a quoted field is not closed before the end of the file');
  inQuotes = false;
  if (fieldStarted || field !== '' || quoted || record.length > 0) {
    endField();
    yield record;
  }
}

/**
 * Streams the objects of JSON Lines: one JSON object per line; blank lines are skipped. A line that
 * is not a JSON object fails with its line number.
 */
export async function* parseJsonLines(source: AsyncIterable<Buffer | string>, where = 'JSON lines'): AsyncGenerator<Record<string, unknown>> {
  const lines = createInterface({ input: Readable.from(source), crlfDelay: Infinity });
  let number = 0;
  try {
    for await (const raw of lines) {
      number++;
      const text = number === 1 ? raw.replace(/^\uFEFF/, '') : raw;
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `${where} line ${number} is not valid JSON: ${(error as Error).message}`);
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `${where} line ${number} is ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}; each line must be a JSON object`);
      }
      yield value as Record<string, unknown>;
    }
  } finally {
    lines.close();
  }
}
