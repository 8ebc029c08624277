import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import Database from 'better-sqlite3';
import pg from 'pg';
import { UpdraftError, toError } from '../common/errors.js';
import type { Connection } from '../connections/index.js';

/**
 * `updraft connections test`: actually reaches the service a connection names and logs in where
 * the protocol has a login. What "works" means per type:
 *   postgres  connect and run `select 1`
 *   mysql     connect (mysql2) and run `select 1`
 *   sqlite    open the file read-only and read its schema version
 *   http      any HTTP answer to GET (a 404 still proves the server is reachable)
 *   smtp      SSL (or, with extra disable_ssl, plain TCP) connect and read the server's 220 greeting
 * Other types have no test: the command says so (exit 2) rather than pretending.
 */
export const TESTABLE_TYPES = ['postgres', 'mysql', 'sqlite', 'http', 'smtp'] as const;

const ALIASES: Record<string, (typeof TESTABLE_TYPES)[number]> = {
  postgres: 'postgres', postgresql: 'postgres', mysql: 'mysql', mariadb: 'mysql', sqlite: 'sqlite',
  http: 'http', https: 'http', smtp: 'smtp', email: 'smtp',
};

const TIMEOUT_MS = 10_000;

export interface ConnectionTestResult {
  /** One line describing what answered (server version, HTTP status, greeting). */
  detail: string;
}

/** Throws UPDRAFT_ERR_INVALID_ARGUMENT for a type without a test, UPDRAFT_ERR_CONNECTION_FAILED when the service is not reachable. */
export async function testConnection(conn: Connection): Promise<ConnectionTestResult> {
  const kind = ALIASES[(conn.connType ?? '').toLowerCase()];
  if (kind === undefined) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT',
      `no connection test for type ${conn.connType === null ? '(none)' : JSON.stringify(conn.connType)}; known: ${TESTABLE_TYPES.join(', ')}`, { details: { connType: conn.connType } });
  }
  try {
    switch (kind) {
      case 'postgres': return await testPostgres(conn);
      case 'mysql': return await testMysql(conn);
      case 'sqlite': return testSqlite(conn);
      case 'http': return await testHttp(conn);
      case 'smtp': return await testSmtp(conn);
      default: {
        const exhaustive: never = kind;
        throw new Error(`unknown test ${String(exhaustive)}`);
      }
    }
  } catch (error) {
    if (error instanceof UpdraftError) throw error;
    const e = toError(error);
    const code = (e as { code?: unknown }).code;
    throw new UpdraftError('UPDRAFT_ERR_CONNECTION_FAILED',
      `connection ${conn.connId} (${conn.connType ?? 'no type'}) failed: ${e.message || String(code ?? 'unknown error')}`, { cause: error });
  }
}

function hostOf(conn: Connection, fallback = '127.0.0.1'): string {
  return conn.host === null || conn.host === undefined || conn.host === '' ? fallback : conn.host;
}

async function testPostgres(conn: Connection): Promise<ConnectionTestResult> {
  const sslmode = typeof conn.extra.sslmode === 'string' ? conn.extra.sslmode : undefined;
  const client = new pg.Client({
    host: hostOf(conn), port: conn.port ?? 5432, database: conn.schema === null || conn.schema === '' ? 'postgres' : conn.schema,
    ...(conn.login === null ? {} : { user: conn.login }), ...(conn.password === null ? {} : { password: conn.password }),
    connectionTimeoutMillis: TIMEOUT_MS, query_timeout: TIMEOUT_MS,
    ...(sslmode === undefined || sslmode === 'disable' || sslmode === 'prefer' || sslmode === 'allow' ? {}
      : { ssl: { rejectUnauthorized: sslmode === 'verify-ca' || sslmode === 'verify-full' } }),
  });
  // A failed connect also emits 'error'; without a listener it would crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
    const result = await client.query<{ ok: number; version: string }>('select 1 as ok, version() as version');
    const version = String(result.rows[0]?.version ?? '').split(' ').slice(0, 2).join(' ');
    return { detail: `select 1 answered by ${version} at ${hostOf(conn)}:${conn.port ?? 5432}` };
  } finally {
    await client.end().catch(() => undefined);
  }
}

interface MysqlConnection {
  query(sql: string): Promise<[unknown, unknown]>;
  end(): Promise<void>;
}

async function testMysql(conn: Connection): Promise<ConnectionTestResult> {
  let mysql: { createConnection(options: Record<string, unknown>): Promise<MysqlConnection> };
  try {
    mysql = (await import('mysql2/promise')) as unknown as typeof mysql;
  } catch (error) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `testing a mysql connection needs the mysql2 package: npm install mysql2 (${toError(error).message})`);
  }
  const client = await mysql.createConnection({
    host: hostOf(conn), port: conn.port ?? 3306, connectTimeout: TIMEOUT_MS,
    ...(conn.login === null ? {} : { user: conn.login }), ...(conn.password === null ? {} : { password: conn.password }),
    ...(conn.schema === null || conn.schema === '' ? {} : { database: conn.schema }),
  });
  try {
    const [rows] = await client.query('select 1 as ok, version() as version');
    const version = String((rows as Array<{ version?: unknown }>)[0]?.version ?? '');
    return { detail: `select 1 answered by ${version} at ${hostOf(conn)}:${conn.port ?? 3306}` };
  } finally {
    await client.end().catch(() => undefined);
  }
}

function testSqlite(conn: Connection): ConnectionTestResult {
  // Airflow's sqlite connections name the file in host (sqlite://%2Ftmp%2Fdb.sqlite); a URI with an
  // empty host (sqlite:////tmp/db.sqlite) leaves it in schema.
  const path = conn.host !== null && conn.host !== '' ? conn.host : conn.schema ?? '';
  if (path === '') throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `sqlite connection ${conn.connId} names no file: put the path in host`);
  const db = new Database(path, { readonly: true, fileMustExist: true, timeout: TIMEOUT_MS });
  try {
    const version = db.pragma('schema_version', { simple: true }) as number;
    const tables = (db.prepare("select count(*) as n from sqlite_master where type = 'table'").get() as { n: number }).n;
    return { detail: `opened ${path} read-only (schema version ${version}, ${tables} table(s))` };
  } finally {
    db.close();
  }
}

async function testHttp(conn: Connection): Promise<ConnectionTestResult> {
  const host = hostOf(conn, '');
  if (host === '') throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `http connection ${conn.connId} has no host`);
  // Airflow's HttpHook: a host with a scheme is used as is; otherwise schema (default http) is the scheme.
  let base = /^https?:\/\//i.test(host) ? host : `${conn.schema !== null && conn.schema !== '' ? conn.schema : 'http'}://${host}`;
  if (conn.port !== null && !/:\d+(\/|$)/.test(base.replace(/^https?:\/\//i, ''))) {
    const url = new URL(base);
    url.port = String(conn.port);
    base = url.toString();
  }
  const response = await fetch(base, { method: 'GET', redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
  await response.body?.cancel().catch(() => undefined);
  return { detail: `GET ${base} answered HTTP ${response.status}${response.statusText === '' ? '' : ` ${response.statusText}`}` };
}

async function testSmtp(conn: Connection): Promise<ConnectionTestResult> {
  const host = hostOf(conn, '');
  if (host === '') throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `smtp connection ${conn.connId} has no host`);
  // As the smtp type documents (and Airflow's SmtpHook does): SSL unless extra disable_ssl is true.
  const disableSsl = conn.extra.disable_ssl === true || conn.extra.disable_ssl === 'true';
  const useTls = !disableSsl;
  const port = conn.port ?? (useTls ? 465 : 25);
  const greeting = await new Promise<string>((resolve, reject) => {
    const socket: Socket = useTls ? tlsConnect({ host, port, servername: host }) : tcpConnect({ host, port });
    let text = '';
    let settled = false;
    const done = (error: Error | null, value = ''): void => {
      if (settled) return;
      settled = true;
      socket.removeAllListeners('data');
      socket.setTimeout(0);
      if (error === null) {
        socket.end('QUIT\r\n');
        socket.unref();
        resolve(value);
      } else {
        socket.destroy();
        reject(error);
      }
    };
    socket.setTimeout(TIMEOUT_MS, () => done(new Error(`no greeting from ${host}:${port} within ${TIMEOUT_MS / 1000} s`)));
    socket.on('error', (error) => done(useTls ? new Error(`${error.message} (connecting with SSL; set the extra disable_ssl to true for a plain connection)`) : error));
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const line = text.split('\r\n')[0] ?? '';
      if (!text.includes('\n')) return;
      if (/^220[ -]/.test(line)) done(null, line.trim());
      else done(new Error(`${host}:${port} greeted with ${JSON.stringify(line.trim().slice(0, 200))}, not an SMTP 220`));
    });
  });
  return { detail: `${host}:${port}${useTls ? ' (TLS)' : ''} greeted: ${greeting}` };
}
