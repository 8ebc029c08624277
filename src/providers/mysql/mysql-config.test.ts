import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isUpdraftError } from '../../common/errors.js';
import type { TaskLogger } from '../../sdk/context.js';
import { mysqlPoolOptions } from './mysql-config.js';

const log: TaskLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

test('connection fields and extras become mysql2 pool options with exact numbers and UTC dates', () => {
  const config = mysqlPoolOptions({
    host: 'db', port: 3307, login: 'u', password: 'p', schema: 's', extra: { connect_timeout: '5', local_infile: 'true', charset: 'utf8' },
  }, { poolSize: 2, log });
  assert.equal(config.host, 'db');
  assert.equal(config.port, 3307);
  assert.equal(config.database, 's');
  assert.equal(config.charset, 'UTF8');
  assert.equal(config.connectTimeout, 5000);
  assert.deepEqual(config.flags, ['+LOCAL_FILES']);
  assert.equal(config.bigNumberStrings, true);
  assert.equal(config.timezone, 'Z');
  assert.equal(config.connectionLimit, 2);
  assert.equal(mysqlPoolOptions({}, { poolSize: 1, log }).charset, 'UTF8MB4', 'utf8mb4 by default');
});

test('ssl extra: true, an object (JSON text from a URI too) and ssl_mode; bad values are named', () => {
  assert.deepEqual(mysqlPoolOptions({ extra: { ssl: 'true' } }, { poolSize: 1, log }).ssl, {});
  assert.equal(mysqlPoolOptions({ extra: { ssl: false } }, { poolSize: 1, log }).ssl, undefined);
  assert.deepEqual(mysqlPoolOptions({ extra: { ssl: '{"rejectUnauthorized": false}' } }, { poolSize: 1, log }).ssl, { rejectUnauthorized: false });
  assert.deepEqual(mysqlPoolOptions({ extra: { ssl_mode: 'required' } }, { poolSize: 1, log }).ssl, { rejectUnauthorized: false });
  assert.throws(() => mysqlPoolOptions({ connId: 'm', extra: { ssl: { ca: '/no/such/ca.pem' } } }, { poolSize: 1, log }), (e: unknown) =>
    isUpdraftError(e, 'UPDRAFT_ERR_CONNECTION_INVALID') && e.message.includes('/no/such/ca.pem'));
  assert.throws(() => mysqlPoolOptions({ connId: 'm', extra: { ssl_mode: 'maybe' } }, { poolSize: 1, log }), /VERIFY_IDENTITY/);
});
