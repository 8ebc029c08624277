import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import pg from 'pg';
import { findBinary, postgresBinDirs } from './private-server.js';
import {
  mariadbService, postgresService, redisService, requireServices, startPrivateMariadb, startPrivatePostgres, startPrivateRedis,
} from './services.js';

async function pgQuery(url: string, text: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

async function redisPing(url: string): Promise<string> {
  const { connect } = await import('node:net');
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: u.hostname, port: Number(u.port) }, () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().trim());
    });
    socket.once('error', reject);
  });
}

describe('test services harness', () => {
  it('requireServices() follows CI=true and UPDRAFT_TEST_REQUIRE_SERVICES=1', () => {
    const saved = { ci: process.env.CI, req: process.env.UPDRAFT_TEST_REQUIRE_SERVICES };
    try {
      delete process.env.CI;
      delete process.env.UPDRAFT_TEST_REQUIRE_SERVICES;
      assert.equal(requireServices(), false);
      process.env.CI = 'true';
      assert.equal(requireServices(), true);
      delete process.env.CI;
      process.env.UPDRAFT_TEST_REQUIRE_SERVICES = '1';
      assert.equal(requireServices(), true);
    } finally {
      if (saved.ci === undefined) delete process.env.CI;
      else process.env.CI = saved.ci;
      if (saved.req === undefined) delete process.env.UPDRAFT_TEST_REQUIRE_SERVICES;
      else process.env.UPDRAFT_TEST_REQUIRE_SERVICES = saved.req;
    }
  });

  it('postgresService() creates and drops databases', async (t) => {
    const service = await postgresService();
    if ('skip' in service) return t.skip(service.skip);
    const db = await service.createDatabase('harness check');
    assert.match(db.name, /^harness_check_\d+_[a-z0-9]+_\d+$/);
    assert.deepEqual(await pgQuery(db.url, 'SELECT current_database() AS name'), [{ name: db.name }]);
    await db.drop();
    assert.deepEqual(await pgQuery(service.adminUrl, `SELECT datname FROM pg_database WHERE datname = '${db.name}'`), []);
  });

  it('mariadbService() creates and drops databases with the mariadb client', async (t) => {
    const service = await mariadbService();
    if ('skip' in service) return t.skip(service.skip);
    const db = await service.createDatabase();
    assert.ok(db.url.endsWith(`/${db.name}`));
    await db.drop();
  });

  it('redisService() answers PING', async (t) => {
    const service = await redisService();
    if ('skip' in service) return t.skip(service.skip);
    assert.equal(await redisPing(service.url), '+PONG');
  });

  describe('private servers (started when no shared one is reachable)', () => {
    it('PostgreSQL', { skip: findBinary('initdb', postgresBinDirs()) === null ? 'PostgreSQL server binaries not installed' : false }, async () => {
      const url = await startPrivatePostgres();
      assert.deepEqual(await pgQuery(url, 'SELECT 1 AS one'), [{ one: 1 }]);
    });

    it('Redis', { skip: findBinary('redis-server') === null ? 'redis-server not installed' : false }, async () => {
      assert.equal(await redisPing(await startPrivateRedis()), '+PONG');
    });

    it('MariaDB', { skip: findBinary('mariadbd') === null || findBinary('mariadb') === null ? 'MariaDB server or client not installed' : false }, async () => {
      const url = await startPrivateMariadb();
      assert.match(url, /^mysql:\/\/root@127\.0\.0\.1:\d+\/test$/);
    });
  });
});
