import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UpdraftError } from '../../common/errors.js';
import { getContext, type TaskContext } from '../../sdk/context.js';
import type { Templated } from '../../sdk/templated.js';

/**
 * The `sql` of an operator: SQL text, a list of statements, or a file. A string ending in `.sql`
 * (Airflow's template_ext) or a file: URL is replaced by the file's content, which the runtime
 * then renders as a template like inline SQL. A relative path is resolved against the folder of
 * the DAG file (the running task's context knows it), or the current directory outside a task.
 */
export type SqlSource = string | URL | readonly (string | URL)[];
export type SqlOption = Templated<SqlSource>;

export function isSqlFile(value: unknown): value is string | URL {
  if (value instanceof URL) return value.protocol === 'file:';
  return typeof value === 'string' && !value.includes('\n') && value.trim().toLowerCase().endsWith('.sql');
}

export function sqlFilePath(value: string | URL): string {
  if (value instanceof URL) return fileURLToPath(value);
  const path = value.trim();
  return isAbsolute(path) ? path : resolve(baseFolder(), path);
}

/** The DAG file's folder when a task is running (templates render inside its context), else the cwd. */
function baseFolder(): string {
  try {
    const fileloc = getContext().fileloc;
    return fileloc === undefined ? process.cwd() : dirname(fileloc);
  } catch {
    return process.cwd();
  }
}

function readSqlFile(value: string | URL, what: string): string {
  const path = sqlFilePath(value);
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UpdraftError('UPDRAFT_ERR_TEMPLATE',
      `${what} names the SQL file ${JSON.stringify(path)}, which cannot be read: ${(error as Error).message}; relative paths are resolved against the DAG file's folder ${baseFolder()}`,
      { cause: error, details: { path } });
  }
}

/** The sql with files replaced by their content (functions of the context are left for the renderer). */
export function loadSqlFiles(sql: SqlOption, what: string): Templated<string | string[]> {
  if (typeof sql === 'function') return sql as (ctx: TaskContext) => string | string[];
  if (Array.isArray(sql)) return sql.map((item: string | URL, i) => (isSqlFile(item) ? readSqlFile(item, `${what}[${i}]`) : String(item)));
  if (isSqlFile(sql)) return readSqlFile(sql, what);
  return String(sql);
}

/** Checks the sql option of an operator when the DAG is defined (files are read when the task runs). */
export function checkSqlOption(sql: unknown, what: string): void {
  const ok = (item: unknown): boolean => item instanceof URL || (typeof item === 'string' && item.trim() !== '');
  if (typeof sql === 'function' || ok(sql)) return;
  if (Array.isArray(sql) && sql.length > 0 && sql.every(ok)) return;
  throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG',
    `${what} has sql: ${describeSql(sql)}; it must be SQL text, a non-empty list of statements, a path ending in .sql, a file: URL, or a function of the task context`);
}

function describeSql(sql: unknown): string {
  if (sql === undefined) return 'undefined';
  if (Array.isArray(sql) && sql.length === 0) return 'an empty list';
  try {
    return JSON.stringify(sql) ?? String(sql);
  } catch {
    return String(sql);
  }
}
