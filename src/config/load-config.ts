import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { parseDuration } from '../common/duration.js';
import { UpdraftError } from '../common/errors.js';
import { CONFIG_SCHEMA, SECTIONS, type KeySpec, type Section, defaultHome } from './schema.js';
import { closest } from '../common/closest.js';

/** Typed, validated, frozen configuration. Durations are milliseconds. */
export interface UpdraftConfig {
  home: string;
  /** The file read (null when none exists). */
  file: string | null;
  core: {
    dags_folder: string; parallelism: number; max_active_tasks_per_dag: number; max_active_runs_per_dag: number;
    dags_are_paused_at_creation: boolean; dag_file_processor_timeout: number; max_xcom_size: number; executor: 'local' | 'in_process';
  };
  database: { url: string };
  scheduler: {
    dag_dir_list_interval: number; heartbeat_interval: number; task_heartbeat_timeout: number; worker_heartbeat_interval: number;
    safety_net_interval: number; shutdown_grace_period: number; max_tis_per_query: number;
  };
  logging: { base_log_folder: string; logging_level: 'debug' | 'info' | 'warn' | 'error'; remote_logging: boolean; remote_log_conn_id: string; remote_base_log_folder: string; delete_local_logs: boolean };
  secrets: { backends: string[]; encryption_key: string; file_path: string };
  smtp: { smtp_conn_id: string; smtp_mail_from: string };
  webserver: { host: string; port: number };
  kubernetes: { namespace: string };
  /** Where each value came from, for `config list`. */
  sources: Record<string, 'default' | 'file' | 'env'>;
  /** Unknown keys seen (each with the nearest known key), to warn about. */
  warnings: string[];
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  home?: string;
}

const ENV_PATTERN = /^UPDRAFT__([A-Z0-9_]+?)__([A-Z0-9_]+)$/;

/** Reads updraft.toml from the home, applies UPDRAFT__SECTION__KEY overrides, validates every value once. */
export function loadConfig(options: LoadConfigOptions = {}): UpdraftConfig {
  const env = options.env ?? process.env;
  const home = resolve(options.home ?? defaultHome(env));
  const file = join(home, 'updraft.toml');
  const raw: Record<string, Record<string, unknown>> = {};
  const sources: Record<string, 'default' | 'file' | 'env'> = {};
  const warnings: string[] = [];
  let fileRead: string | null = null;

  if (existsSync(file)) {
    fileRead = file;
    let parsed: Record<string, unknown>;
    try {
      parsed = parseToml(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new UpdraftError('UPDRAFT_ERR_CONFIG', `${file} is not valid TOML: ${(error as Error).message.split('\n')[0]}`, { cause: error });
    }
    for (const [section, body] of Object.entries(parsed)) {
      if (!(SECTIONS as readonly string[]).includes(section)) {
        warnings.push(`${file}: unknown section [${section}]${hint(closest(section, SECTIONS))}; allowed sections: ${SECTIONS.join(', ')}`);
        continue;
      }
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        throw new UpdraftError('UPDRAFT_ERR_CONFIG', `${file}: [${section}] must be a table of keys, got ${JSON.stringify(body)}`);
      }
      for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
        if (CONFIG_SCHEMA[section as Section][key] === undefined) {
          warnings.push(`${file}: unknown key ${section}.${key}${hint(closest(key, Object.keys(CONFIG_SCHEMA[section as Section])))}`);
          continue;
        }
        (raw[section] ??= {})[key] = value;
        sources[`${section}.${key}`] = 'file';
      }
    }
  }

  for (const [name, value] of Object.entries(env)) {
    const match = ENV_PATTERN.exec(name);
    if (match === null || value === undefined) continue;
    const section = (match[1] ?? '').toLowerCase();
    const key = (match[2] ?? '').toLowerCase();
    if (!(SECTIONS as readonly string[]).includes(section)) {
      warnings.push(`environment: ${name} names unknown section "${section}"${hint(closest(section, SECTIONS))}`);
      continue;
    }
    if (CONFIG_SCHEMA[section as Section][key] === undefined) {
      warnings.push(`environment: ${name} names unknown key ${section}.${key}${hint(closest(key, Object.keys(CONFIG_SCHEMA[section as Section])))}`);
      continue;
    }
    (raw[section] ??= {})[key] = value;
    sources[`${section}.${key}`] = 'env';
  }

  const out: Record<string, Record<string, unknown>> = {};
  for (const section of SECTIONS) {
    const resolved: Record<string, unknown> = {};
    for (const [key, spec] of Object.entries(CONFIG_SCHEMA[section])) {
      const given = raw[section]?.[key];
      const source = sources[`${section}.${key}`];
      const where = source === 'env' ? `UPDRAFT__${section.toUpperCase()}__${key.toUpperCase()}` : `[${section}] ${key}`;
      resolved[key] = coerce(given === undefined ? defaultValue(spec, home) : given, { spec, where, home });
      sources[`${section}.${key}`] ??= 'default';
    }
    out[section] = resolved;
  }
  const config = { home, file: fileRead, ...out, sources, warnings } as unknown as UpdraftConfig;
  return deepFreeze(config);
}

function hint(near: string | null): string {
  return near === null ? '' : ` (did you mean "${near}"?)`;
}

function defaultValue(spec: KeySpec, home: string): unknown {
  return typeof spec.default === 'function' ? spec.default(home) : spec.default;
}

function coerce(value: unknown, at: { spec: KeySpec; where: string; home: string }): unknown {
  const { spec, where, home } = at;
  const bad = (allowed: string): never => {
    throw new UpdraftError('UPDRAFT_ERR_CONFIG', `${where} = ${JSON.stringify(spec.sensitive === true ? '***' : value)} is invalid; allowed: ${allowed}`);
  };
  switch (spec.type) {
    case 'string': {
      if (typeof value !== 'string') return bad('a string');
      if (where.includes('folder') && value !== '' && !value.includes('://') && !isAbsolute(value)) return resolve(home, value);
      return value;
    }
    case 'integer': {
      const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isInteger(n) || (spec.min !== undefined && n < spec.min)) {
        return bad(`an integer${spec.min !== undefined ? ` ≥ ${spec.min}` : ''}`);
      }
      return n;
    }
    case 'boolean': {
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string' && /^(true|false|1|0|yes|no)$/i.test(value.trim())) return /^(true|1|yes)$/i.test(value.trim());
      return bad('true or false');
    }
    case 'duration': {
      try {
        return parseDuration(value, where);
      } catch {
        return bad(`a duration such as "30s", "5m", "1h30m"`);
      }
    }
    case 'bytes': {
      const n = typeof value === 'string' ? parseBytes(value) : value;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < (spec.min ?? 0)) return bad('a byte count such as 1048576, "512KB" or "1MB"');
      return n;
    }
    case 'list': {
      if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
      if (typeof value === 'string') return value.split(',').map((v) => v.trim()).filter((v) => v !== '');
      return bad('a list of strings or a comma-separated string');
    }
    case 'enum': {
      if (typeof value !== 'string' || !(spec.allowed ?? []).includes(value)) return bad((spec.allowed ?? []).join(', '));
      return value;
    }
  }
}

function parseBytes(text: string): number | null {
  const match = /^\s*(\d+)\s*(B|KB|MB|GB)?\s*$/i.exec(text);
  if (match === null) return null;
  const unit = (match[2] ?? 'B').toUpperCase();
  return Number(match[1]) * ({ B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 } as Record<string, number>)[unit]!;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
