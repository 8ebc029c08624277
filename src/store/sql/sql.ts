/**
 * A tiny parameterized-SQL builder shared by both dialects. Values interpolated with the `sql` tag
 * always travel as bound parameters, never as SQL text; each dialect renders placeholders, lists and
 * values its own way (`?` and integer epoch ms on SQLite, `$n` and Date on PostgreSQL).
 */
export class SqlParam {
  constructor(readonly value: unknown) {}
}

/** `IN (…)` / `NOT IN (…)` over a list of values, bound as one parameter whatever its length. */
export class SqlList {
  constructor(readonly values: readonly unknown[], readonly negate: boolean) {}
}

export type SqlPart = string | SqlParam | SqlList;

export class Sql {
  constructor(readonly parts: readonly SqlPart[]) {}
}

export function sql(strings: TemplateStringsArray, ...values: unknown[]): Sql {
  const parts: SqlPart[] = [];
  strings.forEach((text, i) => {
    parts.push(text);
    if (i >= values.length) return;
    const value = values[i];
    if (value instanceof Sql) parts.push(...value.parts);
    else if (value instanceof SqlList || value instanceof SqlParam) parts.push(value);
    else parts.push(new SqlParam(value));
  });
  return new Sql(parts);
}

/** Trusted SQL text (identifiers, keywords chosen by code, never user input). */
export function raw(text: string): Sql {
  return new Sql([text]);
}

export const EMPTY = raw('');

export function join(items: readonly Sql[], separator = ', '): Sql {
  const parts: SqlPart[] = [];
  items.forEach((item, i) => {
    if (i > 0) parts.push(separator);
    parts.push(...item.parts);
  });
  return new Sql(parts);
}

/** Renders as `IN (…values)`; callers handle the empty list themselves. */
export function inList(values: readonly unknown[]): SqlList {
  return new SqlList(values, false);
}

/** Renders as `NOT IN (…values)`; callers handle the empty list themselves. */
export function notInList(values: readonly unknown[]): SqlList {
  return new SqlList(values, true);
}

export interface SqlRenderer {
  placeholder(index: number): string;
  /** SQL text for a list, given the placeholder of the one parameter that carries it. */
  list(list: SqlList, placeholder: string): string;
  listParam(list: SqlList): unknown;
  encode(value: unknown): unknown;
}

export interface RenderedSql {
  text: string;
  params: unknown[];
}

export function render(query: Sql, renderer: SqlRenderer): RenderedSql {
  let text = '';
  const params: unknown[] = [];
  for (const part of query.parts) {
    if (typeof part === 'string') {
      text += part;
    } else if (part instanceof SqlParam) {
      params.push(renderer.encode(part.value));
      text += renderer.placeholder(params.length);
    } else {
      params.push(renderer.listParam(part));
      text += renderer.list(part, renderer.placeholder(params.length));
    }
  }
  return { text, params };
}
