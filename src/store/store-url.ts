import { homedir } from 'node:os';
import { isAbsolute, normalize, resolve } from 'node:path';
import { UpdraftError } from '../common/errors.js';

export type StoreLocation =
  | { dialect: 'sqlite'; /** absolute file path, or ':memory:' */ path: string }
  | { dialect: 'postgres'; url: string };

export const ALLOWED_STORE_URLS = 'a SQLite file path (absolute or relative), sqlite:///absolute/path.db, sqlite::memory:, '
  + 'or a PostgreSQL URL postgresql://user:password@host:5432/database (postgres:// also works)';

/** The URL with its password (userinfo or `password=` parameter) replaced by ***. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
    return parsed.toString();
  } catch {
    return url.replace(/(\/\/[^/:@]*:)[^@/]*@/, '$1***@').replace(/(password=)[^&]*/gi, '$1***');
  }
}

function invalid(url: string, why: string): UpdraftError {
  return new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `database url "${maskUrl(url)}" ${why}; allowed: ${ALLOWED_STORE_URLS}`,
    { details: { url: maskUrl(url) } });
}

function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? homedir() + path.slice(1) : path;
}

/** Works out which database a `[database] url` names. Relative SQLite paths resolve against `cwd`. */
export function parseStoreUrl(url: string, cwd: string = process.cwd()): StoreLocation {
  const text = url.trim();
  if (text === '') throw invalid(url, 'is empty');
  if (text === 'sqlite::memory:' || text === ':memory:' || text === 'sqlite://:memory:') return { dialect: 'sqlite', path: ':memory:' };
  const lower = text.toLowerCase();
  if (lower.startsWith('postgresql://') || lower.startsWith('postgres://')) {
    try {
      new URL(text);
    } catch {
      throw invalid(url, 'is not a valid URL');
    }
    return { dialect: 'postgres', url: text };
  }
  if (lower.startsWith('sqlite:')) {
    const rest = text.slice('sqlite:'.length);
    if (!rest.startsWith('///')) throw invalid(url, 'is not a SQLite URL with an absolute path (three slashes, then the path)');
    const path = normalize(rest.slice(2));
    if (path === '/' || path.endsWith('/')) throw invalid(url, 'names a directory, not a database file');
    return { dialect: 'sqlite', path };
  }
  // Anything else with a scheme (mysql://, file:, http://…) is not a database Updraft can store metadata in.
  // A Windows drive letter (C:\…) is a path, not a scheme.
  if (/^[a-z][a-z0-9+.-]*:/i.test(text) && !/^[a-z]:[\\/]/i.test(text)) {
    const scheme = text.slice(0, text.indexOf(':'));
    throw invalid(url, `uses "${scheme}:", which is not a supported metadata database`);
  }
  const expanded = expandHome(text);
  if (expanded.endsWith('/')) throw invalid(url, 'names a directory, not a database file');
  return { dialect: 'sqlite', path: isAbsolute(expanded) ? normalize(expanded) : resolve(cwd, expanded) };
}
