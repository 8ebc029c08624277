import type { Readable } from 'node:stream';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { UpdraftError } from '../../../common/errors.js';
import { pgColumnKind, type ExportColumn } from './column-kinds.js';
import { CopyRowChunker, CopyTextParser } from './copy-text.js';
import type { RowBatch } from './copy-text.js';

/**
 * Rows of a PostgreSQL query as a stream, at COPY speed: the query is described first (LIMIT 0) for
 * its column names and types, then run as `COPY (SELECT … FROM (<query>) q) TO STDOUT` in text
 * format and parsed in batches. Columns of types the encoders do not read natively (arrays,
 * composites, ranges, intervals, …) are selected as to_json(col), so they arrive as JSON.
 * The session's TimeZone is set to the export's, so timestamptz values print in that zone.
 */
export interface PgCopySource {
  columns: ExportColumn[];
  /** Batches of rows; consume it fully or destroy it. Absent in raw mode. */
  batches?: AsyncIterable<RowBatch>;
  /** Raw mode: COPY's text bytes, each chunk whole rows (for JsonLinesByteEncoder). */
  chunks?: AsyncIterable<Buffer>;
}

/** COPY cannot take bind parameters: callers with `parameters` use a cursor instead. */
export async function openPgCopySource(client: pg.ClientBase, query: string, options: { timeZone: string; raw?: boolean }): Promise<PgCopySource> {
  const sql = stripTrailingSemicolons(query);
  await run(client, `SET TIME ZONE ${quoteLiteral(options.timeZone)}`, 'set the export time zone');
  await run(client, "SET bytea_output = 'hex'", 'set bytea_output');
  await run(client, "SET DateStyle = 'ISO, YMD'", 'set DateStyle');
  await run(client, 'SET extra_float_digits = 1', 'set extra_float_digits');
  const described = await run(client, `SELECT * FROM (${sql}\n) AS updraft_export LIMIT 0`, 'describe the query');
  const seen = new Set<string>();
  const columns: ExportColumn[] = [];
  const selects: string[] = [];
  for (const field of described.fields) {
    if (seen.has(field.name)) {
      throw new UpdraftError('UPDRAFT_ERR_SQL',
        `the export query returns two columns named ${JSON.stringify(field.name)}; give them distinct aliases (SELECT a.id AS a_id, b.id AS b_id …)`,
        { details: { column: field.name } });
    }
    seen.add(field.name);
    const kind = pgColumnKind(field.dataTypeID);
    const ref = `updraft_export.${quoteIdent(field.name)}`;
    columns.push({ name: field.name, kind: kind ?? 'json' });
    selects.push(kind === null ? `to_json(${ref})` : ref);
  }
  const copySql = `COPY (SELECT ${selects.join(', ') || '*'} FROM (${sql}\n) AS updraft_export) TO STDOUT`;
  const copy = client.query(copyTo(copySql)) as unknown as Readable;
  const parser = options.raw === true ? new CopyRowChunker() : new CopyTextParser(columns.length);
  copy.on('error', (error: Error) => parser.destroy(sqlError(error, 'run the export COPY', copySql)));
  copy.pipe(parser);
  return options.raw === true
    ? { columns, chunks: parser as AsyncIterable<Buffer> }
    : { columns, batches: parser as AsyncIterable<RowBatch> };
}

async function run(client: pg.ClientBase, sql: string, what: string): Promise<pg.QueryResult> {
  try {
    return await client.query(sql);
  } catch (error) {
    throw sqlError(error, what, sql);
  }
}

function sqlError(error: unknown, what: string, sql: string): UpdraftError {
  const message = error instanceof Error ? error.message : String(error);
  const shown = sql.length > 300 ? `${sql.slice(0, 300)}…` : sql;
  return new UpdraftError('UPDRAFT_ERR_SQL', `PostgreSQL could not ${what}: ${message}; statement: ${shown}`, { cause: error });
}

export function stripTrailingSemicolons(sql: string): string {
  return sql.replace(/[\s;]+$/, '');
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
