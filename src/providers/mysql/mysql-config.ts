import { readFileSync } from 'node:fs';
import type { PoolOptions, SslOptions } from 'mysql2';
import { UpdraftError } from '../../common/errors.js';
import type { TaskLogger } from '../../sdk/context.js';
import {
  connectionExtras, extraBoolean, extraSeconds, extraString, type SqlConnectionFields,
} from '../sql/connection-fields.js';

/**
 * A mysql connection as mysql2 pool options, with Airflow's extras: charset (default utf8mb4),
 * ssl (true, or { ca, cert, key } file paths, check_hostname), ssl_mode, local_infile,
 * connect_timeout. BIGINT and DECIMAL come back as strings (exact), DATE as 'YYYY-MM-DD',
 * DATETIME/TIMESTAMP as Date in UTC (the session time zone is set to UTC).
 */

const USED_EXTRAS = new Set(['charset', 'ssl', 'ssl_mode', 'local_infile', 'connect_timeout']);
const SSL_MODES = ['DISABLED', 'PREFERRED', 'REQUIRED', 'VERIFY_CA', 'VERIFY_IDENTITY'];

function invalid(connId: string | undefined, key: string, problem: { value: unknown; allowed: string }): UpdraftError {
  const { value, allowed } = problem;
  return new UpdraftError('UPDRAFT_ERR_CONNECTION_INVALID',
    `connection ${JSON.stringify(connId ?? '')} has extra ${key}=${JSON.stringify(value)}; ${allowed}`,
    { details: { connId: connId ?? null, key } });
}

function readFile(path: unknown, key: string, connId: string | undefined): Buffer {
  if (typeof path !== 'string' || path === '') throw invalid(connId, `ssl.${key}`, { value: path, allowed: 'it must be a file path' });
  try {
    return readFileSync(path);
  } catch (error) {
    throw new UpdraftError('UPDRAFT_ERR_CONNECTION_INVALID',
      `connection ${JSON.stringify(connId ?? '')} has extra ssl.${key}=${JSON.stringify(path)} but that file cannot be read: ${(error as Error).message}`,
      { cause: error, details: { connId: connId ?? null, key: `ssl.${key}` } });
  }
}

function sslOptions(extras: Record<string, unknown>, connId: string | undefined, log: TaskLogger): SslOptions | undefined {
  let ssl = extras.ssl;
  if (typeof ssl === 'string') {
    const text = ssl.trim();
    if (text.startsWith('{')) {
      try {
        ssl = JSON.parse(text) as unknown;
      } catch {
        throw invalid(connId, 'ssl', { value: ssl, allowed: 'it must be true, false or a JSON object like {"ca": "/path/ca.pem"}' });
      }
    } else ssl = extraBoolean(extras, 'ssl', connId);
  }
  const modeText = extraString(extras, 'ssl_mode', connId)?.toUpperCase();
  if (modeText !== undefined && !SSL_MODES.includes(modeText)) throw invalid(connId, 'ssl_mode', { value: extras.ssl_mode, allowed: `allowed: ${SSL_MODES.join(', ')}` });
  if (modeText === 'DISABLED' || (ssl === false && modeText === undefined)) return undefined;
  if (modeText === 'PREFERRED' && (ssl === undefined || ssl === null)) {
    log.debug('ssl_mode=PREFERRED: the Node.js driver cannot fall back between TLS and plain connections; connecting without TLS');
    return undefined;
  }
  if ((ssl === undefined || ssl === null || ssl === false) && modeText === undefined) return undefined;
  const out: SslOptions = {};
  if (ssl !== null && typeof ssl === 'object' && !Array.isArray(ssl)) {
    const given = ssl as Record<string, unknown>;
    if (given.ca !== undefined) out.ca = readFile(given.ca, 'ca', connId);
    if (given.cert !== undefined) out.cert = readFile(given.cert, 'cert', connId);
    if (given.key !== undefined) out.key = readFile(given.key, 'key', connId);
    if (typeof given.cipher === 'string') out.ciphers = given.cipher;
    if (given.check_hostname === false || given.check_hostname === 'false') (out as Record<string, unknown>).checkServerIdentity = () => undefined;
    if (typeof given.rejectUnauthorized === 'boolean') out.rejectUnauthorized = given.rejectUnauthorized;
  } else if (ssl !== true && ssl !== undefined && ssl !== null) {
    throw invalid(connId, 'ssl', { value: ssl, allowed: 'it must be true, false or an object like {"ca": "/path/ca.pem"}' });
  }
  if (modeText === 'REQUIRED' || modeText === 'PREFERRED') out.rejectUnauthorized = false;
  if (modeText === 'VERIFY_CA') {
    out.rejectUnauthorized = true;
    (out as Record<string, unknown>).checkServerIdentity = () => undefined;
  }
  if (modeText === 'VERIFY_IDENTITY') out.rejectUnauthorized = true;
  return out;
}

export interface MySqlConfigOptions {
  poolSize: number;
  log: TaskLogger;
}

export function mysqlPoolOptions(connection: SqlConnectionFields, options: MySqlConfigOptions): PoolOptions {
  const connId = connection.connId;
  const extras = connectionExtras(connection);
  const config: PoolOptions = {
    host: connection.host || 'localhost',
    port: connection.port ?? 3306,
    charset: (extraString(extras, 'charset', connId) ?? 'utf8mb4').toUpperCase(),
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    dateStrings: ['DATE'],
    timezone: 'Z',
    connectionLimit: options.poolSize,
    waitForConnections: true,
    maxIdle: options.poolSize,
    idleTimeout: 10_000,
  };
  if (connection.login) config.user = connection.login;
  if (connection.password) config.password = connection.password;
  if (connection.schema) config.database = connection.schema;
  const ssl = sslOptions(extras, connId, options.log);
  if (ssl !== undefined) config.ssl = ssl;
  const connectTimeout = extraSeconds(extras, 'connect_timeout', connId);
  if (connectTimeout !== undefined && connectTimeout > 0) config.connectTimeout = Math.round(connectTimeout * 1000);
  const localInfile = extraBoolean(extras, 'local_infile', connId);
  if (localInfile !== undefined) config.flags = [localInfile ? '+LOCAL_FILES' : '-LOCAL_FILES'];
  for (const name of Object.keys(extras)) {
    if (!USED_EXTRAS.has(name)) options.log.debug(`mysql connection ${JSON.stringify(connId ?? '')}: extra ${JSON.stringify(name)} is not used by MySqlHook; ignored`);
  }
  return config;
}
