import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { closest } from '../common/closest.js';
import { UpdraftError, isUpdraftError } from '../common/errors.js';
import { isPlainObject } from './connection-uri.js';
import { Connection, validateConnId } from './connection.js';
import type { ConnectionRepository, VariableRepository } from './repositories.js';

/** Where connections and variables are looked up, in the order of [secrets] backends. */
export interface SecretsBackend {
  readonly name: string;
  getConnection(connId: string): Promise<Connection | null>;
  getVariable(key: string): Promise<string | null>;
  /** Where this backend looks for a connection, for "not found" messages, e.g. "env (UPDRAFT_CONN_MY_DB)". */
  describeConnectionLookup?(connId: string): string;
}

export const CONN_ENV_PREFIX = 'UPDRAFT_CONN_';
export const VAR_ENV_PREFIX = 'UPDRAFT_VAR_';

/** UPDRAFT_CONN_<ID upper-cased>, as Airflow's AIRFLOW_CONN_<CONN_ID.upper()>. */
export function connectionEnvName(connId: string): string {
  return `${CONN_ENV_PREFIX}${connId.toUpperCase()}`;
}

/** UPDRAFT_VAR_<KEY upper-cased>. */
export function variableEnvName(key: string): string {
  return `${VAR_ENV_PREFIX}${key.toUpperCase()}`;
}

/** Adds where a connection was defined to a parse error, keeping its code. */
function definedIn(where: string, error: unknown): unknown {
  if (isUpdraftError(error)) return new UpdraftError(error.code, `${where}: ${error.message}`, { cause: error, details: error.details });
  return error;
}

/**
 * Connections from UPDRAFT_CONN_<ID> (a URI, or JSON when it starts with "{"), variables from
 * UPDRAFT_VAR_<KEY>. The environment is read at each lookup. An empty UPDRAFT_CONN_ value counts
 * as unset (as in Airflow); an empty UPDRAFT_VAR_ value is the empty string.
 */
export class EnvSecretsBackend implements SecretsBackend {
  readonly name = 'env';
  readonly #env: NodeJS.ProcessEnv;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.#env = env;
  }

  async getConnection(connId: string): Promise<Connection | null> {
    const name = connectionEnvName(connId);
    const value = this.#env[name];
    if (value === undefined || value.trim() === '') return null;
    try {
      return Connection.fromEnvValue(connId, value);
    } catch (error) {
      throw definedIn(`environment variable ${name}`, error);
    }
  }

  async getVariable(key: string): Promise<string | null> {
    return this.#env[variableEnvName(key)] ?? null;
  }

  describeConnectionLookup(connId: string): string {
    return `env (${connectionEnvName(connId)})`;
  }
}

/** The metadata database, through the encrypting repositories. */
export class MetastoreSecretsBackend implements SecretsBackend {
  readonly name = 'metastore';
  readonly #connections: ConnectionRepository;
  readonly #variables: VariableRepository;

  constructor(connections: ConnectionRepository, variables: VariableRepository) {
    this.#connections = connections;
    this.#variables = variables;
  }

  getConnection(connId: string): Promise<Connection | null> {
    return this.#connections.get(connId);
  }

  getVariable(key: string): Promise<string | null> {
    return this.#variables.get(key);
  }

  describeConnectionLookup(): string {
    return 'metastore (the metadata database)';
  }
}

interface SecretsFile {
  connections: Map<string, unknown>;
  variables: Map<string, string>;
}

function fileError(path: string, why: string, cause?: unknown): UpdraftError {
  return new UpdraftError('UPDRAFT_ERR_CONFIG', `secrets file ${path} (the file backend, [secrets] file_path): ${why}`,
    cause === undefined ? { details: { path } } : { cause, details: { path } });
}

function parseJsonFile(path: string, text: string): SecretsFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw fileError(path, 'is not valid JSON; expected { "connections": { "<id>": "<uri>" or { "conn_type": … } }, "variables": { "<key>": "<value>" } }');
  }
  if (!isPlainObject(data)) throw fileError(path, 'must hold a JSON object with "connections" and/or "variables"');
  const unknown = Object.keys(data).filter((key) => key !== 'connections' && key !== 'variables');
  if (unknown.length > 0) throw fileError(path, `has unknown top-level keys ${unknown.map((key) => JSON.stringify(key)).join(', ')}; allowed: connections, variables`);
  const connections = data.connections ?? {};
  const variables = data.variables ?? {};
  if (!isPlainObject(connections)) throw fileError(path, '"connections" must be an object of connection id → URI or JSON object');
  if (!isPlainObject(variables)) throw fileError(path, '"variables" must be an object of key → value');
  return {
    connections: new Map(Object.entries(connections)),
    // Non-string values are handed over as their JSON text, as a variable holds text.
    variables: new Map(Object.entries(variables).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)])),
  };
}

function unquoteEnvValue(raw: string): string {
  const value = raw.trim();
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    return value.slice(1, -1).replace(/\\([nrt"\\])/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t' } as Record<string, string>)[c] ?? c);
  }
  if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) return value.slice(1, -1);
  return value;
}

/** A .env file of UPDRAFT_CONN_<ID>=… and UPDRAFT_VAR_<KEY>=… lines, looked up as the environment is. */
function parseEnvFile(path: string, text: string): SecretsFile {
  const file: SecretsFile = { connections: new Map(), variables: new Map() };
  text.split(/\r?\n/).forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const assignment = trimmed.replace(/^export\s+/, '');
    const eq = assignment.indexOf('=');
    const name = eq < 0 ? assignment : assignment.slice(0, eq).trim();
    if (eq < 0 || !(name.startsWith(CONN_ENV_PREFIX) || name.startsWith(VAR_ENV_PREFIX))) {
      throw fileError(path, `line ${index + 1} is not NAME=value with NAME starting ${CONN_ENV_PREFIX} or ${VAR_ENV_PREFIX}`);
    }
    const value = unquoteEnvValue(assignment.slice(eq + 1));
    if (name.startsWith(CONN_ENV_PREFIX)) file.connections.set(name, value);
    else file.variables.set(name, value);
  });
  return file;
}

/**
 * Connections and variables from one file, read at each lookup: JSON
 * `{ "connections": { "<id>": "<uri or JSON text>" | { "conn_type": …, "extra": {…} } }, "variables": { "<key>": "<value>" } }`
 * (ids and keys as written), or a `.env` file of UPDRAFT_CONN_<ID>= / UPDRAFT_VAR_<KEY>= lines
 * (looked up upper-cased, as the environment is). A missing or malformed file is a configuration
 * error (UPDRAFT_ERR_CONFIG), not an empty backend.
 */
export class FileSecretsBackend implements SecretsBackend {
  readonly name = 'file';
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  async #read(): Promise<SecretsFile> {
    const extension = extname(this.path).toLowerCase();
    if (extension === '.yaml' || extension === '.yml') throw fileError(this.path, 'is YAML, which the file backend does not read; use JSON or .env');
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      throw fileError(this.path, missing ? 'does not exist' : `cannot be read: ${(error as Error).message}`, error);
    }
    return this.#isEnvFile() ? parseEnvFile(this.path, text) : parseJsonFile(this.path, text);
  }

  /** `.env`, `x.env`, `secrets.env`: the .env format; anything else but YAML: JSON. */
  #isEnvFile(): boolean {
    return extname(this.path).toLowerCase() === '.env' || /(^|[/\\])\.env$/.test(this.path);
  }

  async getConnection(connId: string): Promise<Connection | null> {
    const file = await this.#read();
    const name = this.#isEnvFile() ? connectionEnvName(connId) : connId;
    if (!file.connections.has(name)) return null;
    const value = file.connections.get(name);
    try {
      if (typeof value === 'string') return value.trim() === '' ? null : Connection.fromEnvValue(connId, value);
      if (isPlainObject(value)) {
        // Airflow's file backend also accepts extra_dejson (the extra as an object).
        const { extra_dejson: extraObject, ...rest } = value;
        if (extraObject !== undefined && rest.extra !== undefined) {
          throw new UpdraftError('UPDRAFT_ERR_CONNECTION_INVALID', 'give either "extra" or "extra_dejson", not both');
        }
        return Connection.fromJson(connId, extraObject === undefined ? rest : { ...rest, extra: extraObject });
      }
      throw new UpdraftError('UPDRAFT_ERR_CONNECTION_INVALID', 'a connection must be a URI string or a JSON object');
    } catch (error) {
      throw definedIn(`secrets file ${this.path}, connection "${connId}"`, error);
    }
  }

  async getVariable(key: string): Promise<string | null> {
    const file = await this.#read();
    return file.variables.get(this.#isEnvFile() ? variableEnvName(key) : key) ?? null;
  }

  describeConnectionLookup(connId: string): string {
    return `file (${this.path}${this.#isEnvFile() ? `, ${connectionEnvName(connId)}` : ''})`;
  }
}

/**
 * Looks connections and variables up in each backend in turn; the first that has it wins. A
 * backend that fails (a malformed UPDRAFT_CONN_ value, an undecryptable row, a broken file)
 * fails the lookup rather than being skipped: falling through to another definition of the same
 * id would hide the mistake.
 */
export class SecretsChain {
  readonly backends: readonly SecretsBackend[];

  constructor(backends: SecretsBackend[]) {
    this.backends = [...backends];
  }

  async findConnection(connId: string): Promise<Connection | null> {
    validateConnId(connId);
    for (const backend of this.backends) {
      const connection = await backend.getConnection(connId);
      if (connection !== null) return connection;
    }
    return null;
  }

  async getConnection(connId: string): Promise<Connection> {
    const connection = await this.findConnection(connId);
    if (connection !== null) return connection;
    const places = this.backends.map((backend) => backend.describeConnectionLookup?.(connId) ?? backend.name);
    throw new UpdraftError('UPDRAFT_ERR_CONNECTION_NOT_FOUND', `connection "${connId}" is not defined; looked in ${places.length === 0 ? 'no backends' : places.join(', ')} `
      + `([secrets] backends). Define it with \`updraft connections add\` or the environment variable ${connectionEnvName(connId)}`,
    { details: { connId, backends: this.backends.map((backend) => backend.name) } });
  }

  async getVariable(key: string): Promise<string | null> {
    for (const backend of this.backends) {
      const value = await backend.getVariable(key);
      if (value !== null) return value;
    }
    return null;
  }
}

export const SECRETS_BACKEND_NAMES = ['env', 'metastore', 'file'] as const;
export type SecretsBackendName = (typeof SECRETS_BACKEND_NAMES)[number];

/** The chain [secrets] backends names (default ['env', 'metastore']); UPDRAFT_ERR_CONFIG for unknown, repeated or unusable names. */
export function buildSecretsChain(
  names: string[],
  deps: { env: NodeJS.ProcessEnv; connections: ConnectionRepository; variables: VariableRepository; filePath?: string },
): SecretsChain {
  const allowed = SECRETS_BACKEND_NAMES.join(', ');
  if (names.length === 0) throw new UpdraftError('UPDRAFT_ERR_CONFIG', `[secrets] backends is empty; list one or more of ${allowed} (default: env, metastore)`);
  const seen = new Set<string>();
  const backends = names.map((raw): SecretsBackend => {
    const name = String(raw).trim().toLowerCase();
    if (seen.has(name)) throw new UpdraftError('UPDRAFT_ERR_CONFIG', `[secrets] backends lists "${name}" twice; list each of ${allowed} at most once`);
    seen.add(name);
    switch (name) {
      case 'env':
        return new EnvSecretsBackend(deps.env);
      case 'metastore':
        return new MetastoreSecretsBackend(deps.connections, deps.variables);
      case 'file':
        if (deps.filePath === undefined || deps.filePath === '') {
          throw new UpdraftError('UPDRAFT_ERR_CONFIG', '[secrets] backends lists "file" but [secrets] file_path is not set; set it to a JSON or .env file');
        }
        return new FileSecretsBackend(deps.filePath);
      default: {
        const suggestion = closest(name, SECRETS_BACKEND_NAMES);
        throw new UpdraftError('UPDRAFT_ERR_CONFIG', `[secrets] backends names an unknown backend ${JSON.stringify(String(raw))}`
          + `${suggestion === null ? '' : ` (did you mean "${suggestion}"?)`}; allowed: ${allowed}`);
      }
    }
  });
  return new SecretsChain(backends);
}
