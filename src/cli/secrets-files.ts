import { closeSync, fchmodSync, openSync, readFileSync, writeSync } from 'node:fs';
import { extname } from 'node:path';
import { UpdraftError, toError } from '../common/errors.js';
import { connectionEnvName, CONN_ENV_PREFIX, type Connection } from '../connections/index.js';
import { parseYaml, toYaml } from './yaml-subset.js';

/**
 * Files of connections for `connections export` / `import`, in Airflow's export formats:
 *   json  { "<conn_id>": { "conn_type": …, "host": …, "password": …, "extra": {…} }, … }
 *         (a value may also be a URI string)
 *   yaml  the same structure in YAML
 *   env   one UPDRAFT_CONN_<ID>='<uri>' line per connection (also read: <conn_id>=<uri>, Airflow's form)
 */
export const SECRETS_FILE_FORMATS = ['json', 'yaml', 'env'] as const;
export type SecretsFileFormat = (typeof SECRETS_FILE_FORMATS)[number];

/** --format, else the file extension (.json, .yaml/.yml, .env), else json. */
export function secretsFileFormat(file: string, explicit: string | undefined): SecretsFileFormat {
  if (explicit !== undefined) {
    if ((SECRETS_FILE_FORMATS as readonly string[]).includes(explicit)) return explicit as SecretsFileFormat;
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `--format "${explicit}" is not supported; allowed: ${SECRETS_FILE_FORMATS.join(', ')}`);
  }
  const extension = extname(file).toLowerCase();
  if (extension === '.yaml' || extension === '.yml') return 'yaml';
  if (extension === '.env' || /(^|[/\\])\.env$/.test(file)) return 'env';
  return 'json';
}

/** Writes a file that holds secrets: created (or truncated) with mode 0600, which an existing file is changed to as well. */
export function writeSecretFile(file: string, text: string): void {
  let fd: number;
  try {
    fd = openSync(file, 'w', 0o600);
  } catch (error) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `cannot write ${file}: ${toError(error).message}`, { cause: error });
  }
  try {
    fchmodSync(fd, 0o600);
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function renderConnectionsFile(connections: Connection[], format: SecretsFileFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(Object.fromEntries(connections.map((c) => [c.connId, c.toJson()])), null, 2)}\n`;
    case 'yaml':
      return toYaml(Object.fromEntries(connections.map((c) => [c.connId, c.toJson()])));
    case 'env':
      return connections.map((c) => `${connectionEnvName(c.connId)}=${shellQuote(c.getUri())}\n`).join('');
    default: {
      const exhaustive: never = format;
      throw new Error(`unknown format ${String(exhaustive)}`);
    }
  }
}

export interface ConnectionsFileEntry {
  id: string;
  /** A URI, or Airflow's JSON form. */
  value: string | Record<string, unknown>;
  /** Why the entry cannot be read at all (the value is then ''). */
  problem?: string;
}

/**
 * Reads a connections file into entries, one per id, without judging them: the caller validates
 * every entry and reports all the bad ones together. A file that cannot be read or parsed at all
 * is one error.
 */
export function parseConnectionsFile(file: string, format: SecretsFileFormat): ConnectionsFileEntry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `cannot read ${file}: ${toError(error).message}`, { cause: error });
  }
  if (format === 'env') return parseEnvLines(text);
  let document: unknown;
  try {
    document = format === 'json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    // JSON.parse quotes the text near the error, which may be a password: report the position only.
    const message = toError(error).message;
    const where = format === 'json' ? (/position (\d+)/.exec(message)?.[1] ?? null) : null;
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT',
      `${file} is not valid ${format.toUpperCase()}${format === 'json' ? (where === null ? '' : ` (at character ${where})`) : `: ${message}`}; `
      + 'expected an object of connection id → URI or { "conn_type": …, "host": …, … }');
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `${file} must hold an object of connection id → URI or { "conn_type": …, … }`);
  }
  return Object.entries(document as Record<string, unknown>).map(([id, value]): ConnectionsFileEntry => {
    if (typeof value === 'string') return { id, value };
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return { id, value: value as Record<string, unknown> };
    return { id, value: '', problem: `must be a URI string or an object of connection fields, not ${value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value}` };
  });
}

function unquote(raw: string): string {
  const value = raw.trim();
  if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) return value.slice(1, -1).replace(/'\\''/g, "'");
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    return value.slice(1, -1).replace(/\\([nrt"\\$`])/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t' } as Record<string, string>)[c] ?? c);
  }
  return value;
}

function parseEnvLines(text: string): ConnectionsFileEntry[] {
  const entries: ConnectionsFileEntry[] = [];
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const assignment = trimmed.replace(/^export\s+/, '');
    const eq = assignment.indexOf('=');
    if (eq <= 0) {
      entries.push({ id: `line ${index + 1}`, value: '', problem: 'is not NAME=value (UPDRAFT_CONN_<ID>=<uri> or <conn_id>=<uri>)' });
      return;
    }
    const name = assignment.slice(0, eq).trim();
    // UPDRAFT_CONN_MY_DB names the connection my_db (environment lookups ignore case).
    const id = name.startsWith(CONN_ENV_PREFIX) ? name.slice(CONN_ENV_PREFIX.length).toLowerCase() : name;
    if (seen.has(id)) {
      entries.push({ id, value: '', problem: `is defined twice (again on line ${index + 1})` });
      return;
    }
    seen.add(id);
    entries.push({ id, value: unquote(assignment.slice(eq + 1)) });
  });
  return entries;
}
