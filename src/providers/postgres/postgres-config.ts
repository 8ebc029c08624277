import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type pg from 'pg';
import { UpdraftError } from '../../common/errors.js';
import type { TaskLogger } from '../../sdk/context.js';
import {
  connectionExtras, extraBoolean, extraSeconds, extraString, type SqlConnectionFields,
} from '../sql/connection-fields.js';

/**
 * A postgres connection as pg's client config, with Airflow's extras: sslmode, sslcert, sslkey,
 * sslrootcert, application_name, connect_timeout, options, keepalives, keepalives_idle.
 */

const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
type SslMode = (typeof SSL_MODES)[number];

const USED_EXTRAS = new Set([
  'sslmode', 'sslcert', 'sslkey', 'sslrootcert', 'application_name', 'connect_timeout', 'options',
  'keepalives', 'keepalives_idle',
]);

export interface PostgresConfigOptions {
  /** Server options at connection start ('-c search_path=analytics'); replaces the `options` extra. */
  options?: string | undefined;
  log: TaskLogger;
}

function readPem(extras: Record<string, unknown>, key: string, connId: string | undefined): Buffer | undefined {
  const path = extraString(extras, key, connId);
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (error) {
    throw new UpdraftError('UPDRAFT_ERR_CONNECTION_INVALID',
      `connection ${JSON.stringify(connId ?? '')} has extra ${key}=${JSON.stringify(path)} but that file cannot be read: ${(error as Error).message}`,
      { cause: error, details: { connId: connId ?? null, key } });
  }
}

/** libpq's sslmode as pg's `ssl` option. pg cannot fall back from TLS to plain, so prefer/allow mean plain. */
function sslConfig(extras: Record<string, unknown>, connId: string | undefined, log: TaskLogger): pg.ClientConfig['ssl'] {
  const raw = extraString(extras, 'sslmode', connId);
  const cert = readPem(extras, 'sslcert', connId);
  const key = readPem(extras, 'sslkey', connId);
  const ca = readPem(extras, 'sslrootcert', connId);
  if (raw === undefined && cert === undefined && ca === undefined) return undefined;
  const mode = (raw ?? (ca === undefined ? 'require' : 'verify-full')) as SslMode;
  if (!SSL_MODES.includes(mode)) {
    throw new UpdraftError('UPDRAFT_ERR_CONNECTION_INVALID',
      `connection ${JSON.stringify(connId ?? '')} has extra sslmode=${JSON.stringify(raw)}; allowed: ${SSL_MODES.join(', ')}`,
      { details: { connId: connId ?? null, key: 'sslmode' } });
  }
  const files: ConnectionOptions = {};
  if (cert !== undefined) files.cert = cert;
  if (key !== undefined) files.key = key;
  if (ca !== undefined) files.ca = ca;
  switch (mode) {
    case 'disable':
      return false;
    case 'allow':
    case 'prefer':
      log.debug(`sslmode=${mode}: the Node.js driver cannot fall back between TLS and plain connections; connecting without TLS`);
      return false;
    case 'require':
      // libpq: with a root certificate, require behaves as verify-ca.
      return ca === undefined ? { ...files, rejectUnauthorized: false } : { ...files, rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-ca':
      return { ...files, rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-full':
      return { ...files, rejectUnauthorized: true };
  }
}

export function postgresClientConfig(connection: SqlConnectionFields, options: PostgresConfigOptions): pg.ClientConfig {
  const connId = connection.connId;
  const extras = connectionExtras(connection);
  const config: pg.ClientConfig = {};
  if (connection.host) config.host = connection.host;
  if (connection.port !== null && connection.port !== undefined) config.port = connection.port;
  if (connection.login) config.user = connection.login;
  if (connection.password) config.password = connection.password;
  if (connection.schema) config.database = connection.schema;
  const ssl = sslConfig(extras, connId, options.log);
  if (ssl !== undefined) config.ssl = ssl;
  const applicationName = extraString(extras, 'application_name', connId);
  if (applicationName !== undefined) config.application_name = applicationName;
  const connectTimeout = extraSeconds(extras, 'connect_timeout', connId);
  if (connectTimeout !== undefined && connectTimeout > 0) config.connectionTimeoutMillis = Math.round(connectTimeout * 1000);
  const serverOptions = options.options ?? extraString(extras, 'options', connId);
  if (serverOptions !== undefined) config.options = serverOptions;
  const keepalives = extraBoolean(extras, 'keepalives', connId);
  const keepalivesIdle = extraSeconds(extras, 'keepalives_idle', connId);
  if (keepalives !== false && (keepalives === true || keepalivesIdle !== undefined)) {
    config.keepAlive = true;
    if (keepalivesIdle !== undefined) config.keepAliveInitialDelayMillis = Math.round(keepalivesIdle * 1000);
  }
  for (const name of Object.keys(extras)) {
    if (!USED_EXTRAS.has(name)) options.log.debug(`postgres connection ${JSON.stringify(connId ?? '')}: extra ${JSON.stringify(name)} is not used by PostgresHook; ignored`);
  }
  return config;
}
