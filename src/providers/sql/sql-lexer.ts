import { UpdraftError } from '../../common/errors.js';

/**
 * A small SQL scanner that knows where quoted text and comments are, so that statement splitting
 * and named-parameter rewriting only look at code. It does not parse SQL: it only has to agree with
 * the server about where a string, a quoted identifier or a comment starts and ends.
 */

export interface LexerRules {
  /** PostgreSQL: $$…$$ and $tag$…$tag$ bodies. */
  dollarQuotes: boolean;
  /** MySQL: backslash escapes in every '…' and "…" string (PostgreSQL: only in E'…'). */
  backslashEscapes: boolean;
  /** MySQL: `#` starts a line comment. */
  hashComments: boolean;
  /** PostgreSQL: block comments nest. */
  nestedBlockComments: boolean;
}

export type SegmentKind = 'code' | 'quoted' | 'comment';

export interface Segment {
  kind: SegmentKind;
  text: string;
}

const IDENT_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;
const DOLLAR_TAG = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/;

/** Cuts `sql` into code, quoted text and comments; concatenating the segments gives `sql` back. */
export function scanSql(sql: string, rules: LexerRules): Segment[] {
  const out: Segment[] = [];
  let code = '';
  const flushCode = (): void => {
    if (code !== '') out.push({ kind: 'code', text: code });
    code = '';
  };
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    const next = sql[i + 1];
    let end = -1;
    let kind: SegmentKind = 'quoted';
    if (ch === '-' && next === '-') {
      kind = 'comment';
      end = lineEnd(sql, i);
    } else if (ch === '#' && rules.hashComments) {
      kind = 'comment';
      end = lineEnd(sql, i);
    } else if (ch === '/' && next === '*') {
      kind = 'comment';
      end = blockCommentEnd(sql, i, rules.nestedBlockComments);
    } else if (ch === '\'') {
      const escaped = rules.backslashEscapes || isEscapeStringPrefix(sql, i);
      end = quotedEnd(sql, i, { quote: '\'', backslash: escaped });
    } else if (ch === '"') {
      end = quotedEnd(sql, i, { quote: '"', backslash: rules.backslashEscapes });
    } else if (ch === '`' && !rules.dollarQuotes) {
      end = quotedEnd(sql, i, { quote: '`', backslash: false });
    } else if (ch === '$' && rules.dollarQuotes && !(i > 0 && IDENT_CHAR.test(sql[i - 1]!))) {
      const match = DOLLAR_TAG.exec(sql.slice(i, i + 130));
      if (match !== null) {
        const tag = match[0];
        const close = sql.indexOf(tag, i + tag.length);
        if (close < 0) throw unterminated('dollar-quoted string', tag, { sql, at: i });
        end = close + tag.length;
      }
    }
    if (end < 0) {
      code += ch;
      i += 1;
      continue;
    }
    flushCode();
    out.push({ kind, text: sql.slice(i, end) });
    i = end;
  }
  flushCode();
  return out;
}

function lineEnd(sql: string, from: number): number {
  const nl = sql.indexOf('\n', from);
  return nl < 0 ? sql.length : nl;
}

function blockCommentEnd(sql: string, from: number, nested: boolean): number {
  let depth = 0;
  let i = from;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*' && (nested || depth === 0)) {
      depth += 1;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth -= 1;
      i += 2;
      if (depth === 0) return i;
    } else i += 1;
  }
  throw unterminated('block comment', '/*', { sql, at: from });
}

/** End (exclusive) of a quoted run starting at `from`; a doubled quote is an escaped quote. */
function quotedEnd(sql: string, from: number, how: { quote: string; backslash: boolean }): number {
  const { quote, backslash } = how;
  let i = from + 1;
  while (i < sql.length) {
    const ch = sql[i];
    if (backslash && ch === '\\') {
      i += 2;
      continue;
    }
    if (ch === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i += 1;
  }
  throw unterminated(quote === '\'' ? 'string' : 'quoted identifier', quote, { sql, at: from });
}

/** PostgreSQL's E'…' (and e'…'): the letter must not end a longer identifier. */
function isEscapeStringPrefix(sql: string, quoteAt: number): boolean {
  const prev = sql[quoteAt - 1];
  if (prev !== 'E' && prev !== 'e') return false;
  const before = sql[quoteAt - 2];
  return before === undefined || !IDENT_CHAR.test(before);
}

function unterminated(what: string, opener: string, where: { sql: string; at: number }): UpdraftError {
  const { sql, at } = where;
  const line = sql.slice(0, at).split('\n').length;
  return new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT',
    `SQL has an unterminated ${what} (opened by ${opener} on line ${line}): ${JSON.stringify(sql.slice(at, at + 60))}; close it or escape the quote`,
    { details: { line } });
}

/**
 * Airflow's split_statements: the statements of a script, each trimmed and without its final
 * semicolon; semicolons inside strings, quoted identifiers, comments and dollar-quoted bodies do not
 * split. Statements that hold only comments or whitespace are dropped.
 */
export function splitSqlStatements(sql: string, rules: LexerRules): string[] {
  const statements: string[] = [];
  let current = '';
  let hasCode = false;
  const finish = (): void => {
    const text = current.trim();
    if (hasCode && text !== '') statements.push(text);
    current = '';
    hasCode = false;
  };
  for (const segment of scanSql(sql, rules)) {
    if (segment.kind !== 'code') {
      current += segment.text;
      if (segment.kind === 'quoted') hasCode = true;
      continue;
    }
    const parts = segment.text.split(';');
    for (const [index, part] of parts.entries()) {
      if (index > 0) finish();
      current += part;
      if (part.trim() !== '') hasCode = true;
    }
  }
  finish();
  return statements;
}

/** A :name placeholder in code: not the second colon of a `::type` cast, not `:=`. */
const NAMED_PARAM = /(?<![:\w]):([A-Za-z_][A-Za-z0-9_]*)(?!=)/g;

/**
 * Rewrites `:name` placeholders to the driver's positional form (`$1` for PostgreSQL, `?` for
 * MySQL) and returns the values in order. A name used twice takes one PostgreSQL slot.
 */
export function bindNamedParameters(
  sql: string,
  parameters: Readonly<Record<string, unknown>>,
  options: { rules: LexerRules; placeholder: (index: number) => string; reuseSlots: boolean },
): { sql: string; values: unknown[] } {
  const values: unknown[] = [];
  const slots = new Map<string, number>();
  let text = '';
  for (const segment of scanSql(sql, options.rules)) {
    if (segment.kind !== 'code') {
      text += segment.text;
      continue;
    }
    text += segment.text.replace(NAMED_PARAM, (_match, name: string) => {
      if (!Object.hasOwn(parameters, name)) {
        throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT',
          `SQL uses the parameter :${name} but parameters has no key ${JSON.stringify(name)}; its keys are ${Object.keys(parameters).map((k) => JSON.stringify(k)).join(', ') || '(none)'}`,
          { details: { name } });
      }
      const known = options.reuseSlots ? slots.get(name) : undefined;
      if (known !== undefined) return options.placeholder(known);
      values.push(parameters[name]);
      slots.set(name, values.length);
      return options.placeholder(values.length);
    });
  }
  return { sql: text, values };
}
