import { connect } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import {
  findBinary, freePort, isRoot, makeServerDir, postgresBinDirs, run, startServer, systemUser, tcpReachable, type RunAs,
} from './private-server.js';

/*
 * The real services integration tests run against. Each is found at its loopback port (or the URL in
 * its UPDRAFT_TEST_*_URL variable); when the default one is not reachable and its server binaries are
 * installed, a private instance is started in a temp dir for this test process. Otherwise the tests
 * that need it are skipped with the reason — unless requireServices() (CI), where that is an error.
 */

export interface CreatedDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export interface PostgresService {
  /** URL of the maintenance database, for creating and dropping test databases. */
  adminUrl: string;
  createDatabase(prefix?: string): Promise<CreatedDatabase>;
}

export interface MariadbService {
  /** mysql://root@host:port/test */
  url: string;
  createDatabase(prefix?: string): Promise<CreatedDatabase>;
}

export interface RedisService {
  url: string;
}

export interface Skip {
  skip: string;
}

export const DEFAULT_PG_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';
export const DEFAULT_MYSQL_URL = 'mysql://root@127.0.0.1:3306/test';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** True on CI (CI=true) or with UPDRAFT_TEST_REQUIRE_SERVICES=1: a missing service fails the tests. */
export function requireServices(): boolean {
  return process.env.CI === 'true' || process.env.UPDRAFT_TEST_REQUIRE_SERVICES === '1';
}

function unavailable(service: string, envVar: string, reason: string): Skip {
  if (requireServices()) {
    throw new Error(`${service} is required for these tests (CI=true or UPDRAFT_TEST_REQUIRE_SERVICES=1) but is unavailable: ${reason}. `
      + `Start it, or set ${envVar} to a reachable server.`);
  }
  return { skip: `${service} unavailable: ${reason}` };
}

function mask(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

let counter = 0;
/** A database name unique across parallel test processes: prefix_pid_time_n (≤ 63 chars, [a-z0-9_]). */
export function uniqueDatabaseName(prefix = 'updraft_test'): string {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 30);
  return `${clean}_${process.pid}_${Date.now().toString(36)}_${++counter}`;
}

// PostgreSQL

async function probePostgres(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return (error as Error).message || String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function adminQuery(adminUrl: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

function postgresServiceAt(adminUrl: string): PostgresService {
  return {
    adminUrl,
    async createDatabase(prefix?: string): Promise<CreatedDatabase> {
      const name = uniqueDatabaseName(prefix);
      await adminQuery(adminUrl, `CREATE DATABASE "${name}"`);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return {
        url: url.toString(),
        name,
        drop: () => adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
      };
    },
  };
}

/** Starts a throwaway PostgreSQL (trust auth, fsync off) and returns its admin URL. */
export async function startPrivatePostgres(): Promise<string> {
  const initdb = findBinary('initdb', postgresBinDirs());
  const postgres = findBinary('postgres', postgresBinDirs());
  if (initdb === null || postgres === null) throw new Error('no PostgreSQL server binaries (initdb, postgres) are installed');
  let runAs: RunAs | null = null;
  if (isRoot()) {
    runAs = systemUser('postgres');
    if (runAs === null) throw new Error('PostgreSQL refuses to run as root and there is no "postgres" system user to run it as');
  }
  const dir = makeServerDir('updraft-pg-', runAs);
  const data = join(dir, 'data');
  await run(initdb, ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'], { runAs });
  const port = await freePort();
  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  await startServer({
    file: postgres,
    args: ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off',
      '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200'],
    dir, runAs, stopSignal: 'SIGINT', goneWhenStopped: join(data, 'postmaster.pid'),
    ready: async () => (await probePostgres(url)) === null,
  });
  return url;
}

async function findPostgres(): Promise<PostgresService | Skip> {
  const configured = process.env.UPDRAFT_TEST_PG_URL;
  const url = configured ?? DEFAULT_PG_URL;
  const problem = await probePostgres(url);
  if (problem === null) return postgresServiceAt(url);
  let reason = `no PostgreSQL at ${mask(url)} (${problem})`;
  if (configured === undefined) {
    try {
      return postgresServiceAt(await startPrivatePostgres());
    } catch (error) {
      reason += `, and no private server could be started: ${(error as Error).message}`;
    }
  }
  return unavailable('PostgreSQL', 'UPDRAFT_TEST_PG_URL', reason);
}

let postgresPromise: Promise<PostgresService | Skip> | undefined;
export function postgresService(): Promise<PostgresService | Skip> {
  postgresPromise ??= findPostgres();
  return postgresPromise;
}

// MariaDB (the MySQL target)

/** Reads the server's greeting: a MySQL protocol handshake starts with protocol version 10. */
async function probeMysql(host: string, port: number): Promise<string | null> {
  if (!(await tcpReachable(host, port))) return `nothing listens on ${host}:${port}`;
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (problem: string | null): void => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(3000, () => done('no greeting from the server'));
    socket.once('data', (data: Buffer) => {
      if (data[4] === 10) done(null);
      else done(`the server answered with an error: ${data.subarray(7).toString('utf8')}`);
    });
    socket.once('error', (error) => done(error.message));
  });
}

function mysqlCliArgs(url: URL): string[] {
  const args = ['--protocol=TCP', '-h', url.hostname, '-P', url.port || '3306', '-u', decodeURIComponent(url.username || 'root')];
  if (url.password !== '') args.push(`-p${decodeURIComponent(url.password)}`);
  return args;
}

function mariadbServiceAt(baseUrl: string, cli: string): MariadbService {
  const base = new URL(baseUrl);
  const sqlCommand = (text: string): Promise<string> => run(cli, [...mysqlCliArgs(base), '-e', text], { timeoutMs: 30_000 });
  return {
    url: baseUrl,
    async createDatabase(prefix?: string): Promise<CreatedDatabase> {
      const name = uniqueDatabaseName(prefix);
      await sqlCommand(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
      const url = new URL(baseUrl);
      url.pathname = `/${name}`;
      return { url: url.toString(), name, drop: async () => void await sqlCommand(`DROP DATABASE IF EXISTS \`${name}\``) };
    },
  };
}

/** Starts a throwaway MariaDB (root without a password on 127.0.0.1) and returns its URL. */
export async function startPrivateMariadb(): Promise<string> {
  const installDb = findBinary('mariadb-install-db') ?? findBinary('mysql_install_db');
  const server = findBinary('mariadbd') ?? findBinary('mysqld');
  if (installDb === null || server === null) throw new Error('no MariaDB server binaries (mariadb-install-db, mariadbd) are installed');
  const runAs = isRoot() ? systemUser('mysql') : null;
  if (isRoot() && runAs === null) throw new Error('MariaDB should not run as root and there is no "mysql" system user to run it as');
  const dir = makeServerDir('updraft-mariadb-', runAs);
  const data = join(dir, 'data');
  await run(installDb, ['--no-defaults', `--datadir=${data}`, '--auth-root-authentication-method=normal', '--skip-test-db',
    ...(runAs !== null ? ['--user=mysql'] : [])], { timeoutMs: 120_000 });
  const port = await freePort();
  const pidFile = join(dir, 'mariadbd.pid');
  await startServer({
    file: server,
    args: ['--no-defaults', `--datadir=${data}`, `--socket=${join(dir, 'mariadbd.sock')}`, `--port=${port}`, '--bind-address=127.0.0.1',
      `--pid-file=${pidFile}`, '--skip-log-bin', '--innodb-flush-log-at-trx-commit=0'],
    dir, runAs, stopSignal: 'SIGTERM', goneWhenStopped: pidFile,
    ready: async () => (await probeMysql('127.0.0.1', port)) === null,
    timeoutMs: 60_000,
  });
  const cli = findBinary('mariadb') ?? findBinary('mysql');
  if (cli !== null) await run(cli, [...mysqlCliArgs(new URL(`mysql://root@127.0.0.1:${port}`)), '-e', 'CREATE DATABASE IF NOT EXISTS test']);
  return `mysql://root@127.0.0.1:${port}/test`;
}

async function findMariadb(): Promise<MariadbService | Skip> {
  const cli = findBinary('mariadb') ?? findBinary('mysql');
  if (cli === null) return unavailable('MariaDB', 'UPDRAFT_TEST_MYSQL_URL', 'the mariadb command-line client is not installed (it creates the test databases)');
  const configured = process.env.UPDRAFT_TEST_MYSQL_URL;
  const url = configured ?? DEFAULT_MYSQL_URL;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return unavailable('MariaDB', 'UPDRAFT_TEST_MYSQL_URL', `"${mask(url)}" is not a URL like ${DEFAULT_MYSQL_URL}`);
  }
  const problem = await probeMysql(parsed.hostname, Number(parsed.port || 3306));
  if (problem === null) return mariadbServiceAt(url, cli);
  let reason = `no MariaDB at ${mask(url)} (${problem})`;
  if (configured === undefined) {
    try {
      return mariadbServiceAt(await startPrivateMariadb(), cli);
    } catch (error) {
      reason += `, and no private server could be started: ${(error as Error).message}`;
    }
  }
  return unavailable('MariaDB', 'UPDRAFT_TEST_MYSQL_URL', reason);
}

let mariadbPromise: Promise<MariadbService | Skip> | undefined;
export function mariadbService(): Promise<MariadbService | Skip> {
  mariadbPromise ??= findMariadb();
  return mariadbPromise;
}

// Redis

async function probeRedis(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (problem: string | null): void => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(3000, () => done('no answer to PING'));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data: Buffer) => {
      const reply = data.toString('utf8').trim();
      done(reply === '+PONG' ? null : `PING answered "${reply}"`);
    });
    socket.once('error', (error) => done(error.message));
  });
}

/** Starts a throwaway Redis (no persistence) and returns its URL. */
export async function startPrivateRedis(): Promise<string> {
  const server = findBinary('redis-server');
  if (server === null) throw new Error('redis-server is not installed');
  const dir = makeServerDir('updraft-redis-', null);
  const port = await freePort();
  await startServer({
    file: server,
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'],
    dir, runAs: null, stopSignal: 'SIGTERM', goneWhenStopped: null,
    ready: async () => (await probeRedis('127.0.0.1', port)) === null,
  });
  return `redis://127.0.0.1:${port}`;
}

async function findRedis(): Promise<RedisService | Skip> {
  const configured = process.env.UPDRAFT_TEST_REDIS_URL;
  const url = configured ?? DEFAULT_REDIS_URL;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return unavailable('Redis', 'UPDRAFT_TEST_REDIS_URL', `"${mask(url)}" is not a URL like ${DEFAULT_REDIS_URL}`);
  }
  // A password-protected server answers NOAUTH to a bare PING: reachable is what matters here.
  const problem = await probeRedis(parsed.hostname, Number(parsed.port || 6379));
  if (problem === null || (parsed.password !== '' && problem.includes('NOAUTH'))) return { url };
  let reason = `no Redis at ${mask(url)} (${problem})`;
  if (configured === undefined) {
    try {
      return { url: await startPrivateRedis() };
    } catch (error) {
      reason += `, and no private server could be started: ${(error as Error).message}`;
    }
  }
  return unavailable('Redis', 'UPDRAFT_TEST_REDIS_URL', reason);
}

let redisPromise: Promise<RedisService | Skip> | undefined;
export function redisService(): Promise<RedisService | Skip> {
  redisPromise ??= findRedis();
  return redisPromise;
}
