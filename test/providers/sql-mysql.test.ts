// MySqlHook specifics against a real MariaDB: value types (exact BIGINT/DECIMAL strings, DATE text,
// DATETIME/TIMESTAMP as UTC Dates, JSON parsed), JSON values in insertRows, extras, getConn and the pool's end.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Connection } from '../../src/connections/index.js';
import { MySqlHook } from '../../src/providers/mysql/index.js';
import { mariadbService, type CreatedDatabase } from '../support/services.js';

const service = await mariadbService();

describe('MySqlHook', { skip: 'skip' in service ? service.skip : false }, () => {
  let db: CreatedDatabase;
  let hook: MySqlHook;
  let connection: Connection;

  before(async () => {
    if ('skip' in service) return;
    db = await service.createDatabase('updraft_sqlmy');
    connection = Connection.fromUri('mysql_test', `${db.url}?charset=utf8mb4&connect_timeout=5&client_flag=2`);
    hook = new MySqlHook({ connection });
  });

  after(async () => {
    await hook?.close();
    await db?.drop();
  });

  test('types: BIGINT and DECIMAL as exact strings, DATE as text, DATETIME and TIMESTAMP as UTC Dates', async () => {
    await hook.run(`CREATE TABLE typed (big BIGINT, exact DECIMAL(30,3), day DATE, at DATETIME(3), stamp TIMESTAMP NULL, doc JSON, bin VARBINARY(8), note TEXT)
      CHARACTER SET utf8mb4`);
    const at = new Date('2024-01-02T03:04:05.678Z');
    await hook.insertRows('typed', [['9007199254740993', '12345678901234567890.123', '2024-02-29', at, at, { k: ['가', 1] }, Buffer.from('beef', 'hex'), '한국어 🚀']]);
    const [row] = await hook.getRecordObjects('SELECT * FROM typed');
    assert.deepEqual(row, {
      big: '9007199254740993', exact: '12345678901234567890.123', day: '2024-02-29', at, stamp: new Date('2024-01-02T03:04:05.000Z'),
      doc: { k: ['가', 1] }, bin: Buffer.from('beef', 'hex'), note: '한국어 🚀',
    });
    assert.deepEqual(await hook.getFirst('SELECT big FROM typed WHERE big = ?', ['9007199254740993']), ['9007199254740993']);
  });

  test('insertRows takes the stream of iterRows: a table copied with constant memory, upserted on a second pass', async () => {
    await hook.run(['CREATE TABLE src (id BIGINT PRIMARY KEY, name VARCHAR(50)) CHARACTER SET utf8mb4',
      'CREATE TABLE dst (id BIGINT PRIMARY KEY, name VARCHAR(50)) CHARACTER SET utf8mb4'], { autocommit: true });
    await hook.insertRows('src', Array.from({ length: 3000 }, (_, i) => ({ id: i + 1, name: `이름${i + 1}` })));
    const target = new MySqlHook({ connection });
    assert.equal(await target.insertRows('dst', hook.iterRows('SELECT id, name FROM src ORDER BY id', { batchSize: 700 }), { commitEvery: 1000 }), 3000);
    await hook.run("UPDATE src SET name = 'changed' WHERE id = 7");
    assert.equal(await target.insertRows('dst', hook.iterRows('SELECT id, name FROM src WHERE id <= 10'), { replace: true }), 10);
    await target.close();
    assert.deepEqual(await hook.getRecords('SELECT COUNT(*), MAX(name) FROM dst'), [['3000', '이름999']]);
    assert.deepEqual(await hook.getFirst('SELECT name FROM dst WHERE id = 7'), ['changed']);
  });

  test('getConn gives a pooled mysql2 connection; close() ends the pool', async () => {
    const own = new MySqlHook({ connection });
    const conn = await own.getConn();
    const [rows] = await conn.query('SELECT DATABASE() AS db');
    conn.release();
    assert.deepEqual(rows, [{ db: db.name }]);
    await own.close();
    const admin = new MySqlHook({ connection, database: 'information_schema' });
    assert.deepEqual(await admin.getFirst('SELECT DATABASE()'), ['information_schema']);
    await admin.close();
  });
});
