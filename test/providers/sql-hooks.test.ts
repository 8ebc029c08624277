// The DbApiHook methods against the real servers, the same cases on PostgreSQL and on MariaDB (the
// MySQL target): records, run() with transactions and splitting, insertRows with commits and
// upserts, iterRows streaming with constant memory, errors and testConnection.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isUpdraftError, type UpdraftError } from '../../src/common/errors.js';
import { Connection } from '../../src/connections/index.js';
import { MySqlHook } from '../../src/providers/mysql/index.js';
import { PostgresHook } from '../../src/providers/postgres/index.js';
import { fetchAllHandler, getSqlHook, type DbApiHook } from '../../src/providers/sql/index.js';
import { mariadbService, postgresService, type CreatedDatabase } from '../support/services.js';

const KOREAN = '안녕하세요, 세계! 한국어 텍스트 🚀';

interface Target {
  name: 'postgres' | 'mysql';
  service: Awaited<ReturnType<typeof postgresService>> | Awaited<ReturnType<typeof mariadbService>>;
  hook(connection: Connection): DbApiHook;
  /** `?` for MySQL, `$n` for PostgreSQL. */
  p(n: number): string;
  createTable: string;
  bigRowsSql: string;
}

const targets: Target[] = [
  {
    name: 'postgres',
    service: await postgresService(),
    hook: (connection) => new PostgresHook({ connection }),
    p: (n) => `$${n}`,
    createTable: 'CREATE TABLE items (id integer PRIMARY KEY, name text, amount numeric(12,2))',
    bigRowsSql: "SELECT g AS id, repeat('x', 4000) AS pad, clock_timestamp() AS made_at FROM generate_series(1, 50000) g",
  },
  {
    name: 'mysql',
    service: await mariadbService(),
    hook: (connection) => new MySqlHook({ connection }),
    p: () => '?',
    createTable: 'CREATE TABLE items (id integer PRIMARY KEY, name text, amount decimal(12,2)) CHARACTER SET utf8mb4',
    bigRowsSql: "SELECT seq AS id, REPEAT('x', 4000) AS pad, SYSDATE(6) AS made_at FROM seq_1_to_50000",
  },
];

function sqlErrorNaming(fragment: string): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(isUpdraftError(error, 'UPDRAFT_ERR_SQL'), `expected UPDRAFT_ERR_SQL, got ${String(error)}`);
    assert.ok((error as UpdraftError).message.includes(fragment), `message names ${fragment}: ${(error as Error).message}`);
    assert.ok((error as Error).cause instanceof Error, 'the driver error is the cause');
    return true;
  };
}

for (const target of targets) {
  const { service } = target;
  describe(`DbApiHook on ${target.name}`, { skip: 'skip' in service ? service.skip : false }, () => {
    let db: CreatedDatabase;
    let connection: Connection;
    let hook: DbApiHook;

    before(async () => {
      if ('skip' in service) return;
      db = await service.createDatabase(`updraft_sqlhook_${target.name}`);
      connection = Connection.fromUri(`${target.name}_test`, db.url);
      hook = target.hook(connection);
    });

    after(async () => {
      await hook?.close();
      await db?.drop();
    });

    async function resetItems(): Promise<void> {
      await hook.run(['DROP TABLE IF EXISTS items', target.createTable], { autocommit: true });
    }

    test('getRecords, getRecordObjects and getFirst with positional and named parameters; Korean text round trip', async () => {
      await resetItems();
      await hook.run(`INSERT INTO items (id, name, amount) VALUES (${target.p(1)}, ${target.p(2)}, ${target.p(3)})`, { parameters: [1, KOREAN, '12345678.91'] });
      await hook.run('INSERT INTO items (id, name, amount) VALUES (:id, :name, :amount)', { parameters: { id: 2, name: 'Ada', amount: null } });
      const rows = await hook.getRecords<[number, string, string | null]>('SELECT id, name, amount FROM items ORDER BY id');
      assert.deepEqual(rows, [[1, KOREAN, '12345678.91'], [2, 'Ada', null]]);
      assert.deepEqual(await hook.getRecordObjects('SELECT id, name FROM items WHERE name = :name', { name: KOREAN }), [{ id: 1, name: KOREAN }]);
      assert.deepEqual(await hook.getFirst(`SELECT name FROM items WHERE id = ${target.p(1)}`, [2]), ['Ada']);
      assert.equal(await hook.getFirst('SELECT name FROM items WHERE id = :id', { id: 99 }), null);
    });

    test('run(): handler results, returnLast, and splitStatements with semicolons inside strings and comments', async () => {
      await resetItems();
      const script = `INSERT INTO items (id, name) VALUES (1, 'a;b');
        -- a comment; with a semicolon
        INSERT INTO items (id, name) VALUES (2, 'it''s; ok');
        SELECT name FROM items ORDER BY id;`;
      const last = await hook.run(script, { splitStatements: true, handler: fetchAllHandler });
      assert.deepEqual(last, [['a;b'], ["it's; ok"]]);
      const all = await hook.run(['SELECT 1', 'DELETE FROM items WHERE id = 1', 'SELECT count(*) FROM items'], { handler: fetchAllHandler });
      assert.ok(Array.isArray(all) && all.length === 3);
      assert.equal(all[1], null, 'a statement without a result set gives null');
      assert.equal(Number((all[2] as unknown[][])[0]![0]), 1);
      const each = await hook.run('SELECT 1 AS a; SELECT 2 AS b', { splitStatements: true, returnLast: false, handler: (r) => r.fields[0]!.name });
      assert.deepEqual(each, ['a', 'b']);
      assert.equal(await hook.run('SELECT 1'), null, 'without a handler run() returns null');
    });

    test('without autocommit a failing statement rolls back the earlier ones; the error names the statement', async () => {
      await resetItems();
      await assert.rejects(
        hook.run(["INSERT INTO items (id, name) VALUES (1, 'kept?')", 'INSERT INTO no_such_table VALUES (1)']),
        sqlErrorNaming('INSERT INTO no_such_table VALUES (1)'),
      );
      assert.deepEqual(await hook.getRecords('SELECT id FROM items'), [], 'rolled back');
      await assert.rejects(
        hook.run(["INSERT INTO items (id, name) VALUES (1, 'kept')", 'INSERT INTO no_such_table VALUES (1)'], { autocommit: true }),
        sqlErrorNaming('no_such_table'),
      );
      assert.deepEqual(await hook.getRecords('SELECT name FROM items'), [['kept']], 'with autocommit the first statement stays');
      await assert.rejects(hook.getRecords('SELEC oops FROM items'), sqlErrorNaming('statement: SELEC oops FROM items'));
    });

    test('insertRows: arrays and objects, commits every commitEvery rows, upsert with replace', async () => {
      await resetItems();
      const rows = Array.from({ length: 2500 }, (_, i) => [i + 1, `이름 ${i + 1}`, `${i}.50`]);
      assert.equal(await hook.insertRows('items', rows, { targetFields: ['id', 'name', 'amount'], commitEvery: 1000 }), 2500);
      assert.deepEqual(await hook.getFirst('SELECT count(*), min(name), max(amount) FROM items').then((r) => r!.map(String)), ['2500', '이름 1', '2499.50']);

      // A failure after two commits keeps the committed rows (Airflow's commit_every semantics).
      await resetItems();
      const clash = Array.from({ length: 2500 }, (_, i) => ({ id: i === 2100 ? 5 : i + 1, name: `n${i}` }));
      await assert.rejects(hook.insertRows('items', clash, { commitEvery: 1000 }), sqlErrorNaming('INSERT INTO items'));
      assert.equal(Number((await hook.getFirst('SELECT count(*) FROM items'))![0]), 2000);

      await resetItems();
      await hook.insertRows('items', [{ id: 1, name: 'old', amount: '1.00' }, { id: 2, name: '둘', amount: '2.00' }]);
      const upserted = await hook.insertRows('items', [{ id: 1, name: '새 이름', amount: '9.99' }, { id: 3, name: 'three', amount: null }, { id: 1, name: '마지막', amount: '1.50' }],
        { replace: true, replaceIndex: 'id' });
      assert.equal(upserted, 3);
      assert.deepEqual(await hook.getRecords('SELECT id, name, amount FROM items ORDER BY id'),
        [[1, '마지막', '1.50'], [2, '둘', '2.00'], [3, 'three', null]]);
      await assert.rejects(hook.insertRows('items; DROP TABLE items', [[1]]), (error: unknown) => isUpdraftError(error, 'UPDRAFT_ERR_INVALID_ARGUMENT'));
    });

    test('iterRows streams 50k rows with constant memory, exposes fields, and can stop early', async () => {
      const stream = hook.iterRows<{ id: number | string; pad: string; made_at: Date }>(target.bigRowsSql, { batchSize: 500 });
      assert.equal(stream.fields, null, 'fields are unknown before the first batch');
      const baseline = process.memoryUsage().heapUsed;
      let peak = 0;
      let firstRowAt: number | null = null;
      let last: { id: number | string; made_at: Date } | null = null;
      let count = 0;
      for await (const row of stream) {
        if (firstRowAt === null) {
          firstRowAt = Date.now();
          assert.deepEqual(stream.fields!.map((f) => f.name), ['id', 'pad', 'made_at']);
          assert.equal(stream.fields![2]!.kind, target.name === 'postgres' ? 'timestamptz' : 'timestamp');
        }
        count += 1;
        last = row;
        if (count % 1000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
      }
      assert.equal(count, 50_000);
      assert.equal(stream.rowCount, 50_000);
      assert.equal(Number(last!.id), 50_000);
      // The rows total 200 MB; holding them all would need that much heap.
      assert.ok(peak < 100 * 1024 * 1024, `heap grew by ${Math.round(peak / 1048576)} MB while streaming`);
      // The last row was produced by the server after the first one had reached us: the result streamed.
      assert.ok(last!.made_at.getTime() >= firstRowAt!, `last row made at ${last!.made_at.toISOString()}, first row received at ${new Date(firstRowAt!).toISOString()}`);

      const early = hook.iterRows<unknown[]>(target.bigRowsSql, { batchSize: 100, rowMode: 'array' });
      let seen = 0;
      for await (const row of early) {
        assert.ok(Array.isArray(row));
        if (++seen === 10) break;
      }
      assert.deepEqual(await hook.getFirst('SELECT 1'), [1], 'the hook still works after a stream was abandoned');
      await assert.rejects(async () => {
        for await (const row of hook.iterRows('SELECT * FROM no_such_table')) assert.fail(`unexpected ${String(row)}`);
      }, sqlErrorNaming('no_such_table'));
    });

    test('testConnection reports success and failure without the password', async () => {
      assert.deepEqual(await hook.testConnection(), { ok: true, message: 'Connection successfully tested' });
      const port = target.name === 'postgres' ? 1 : 2;
      const bad = target.hook(new Connection({ connId: 'bad', connType: target.name, host: '127.0.0.1', port, login: 'u', password: 'Sup3rSecretPw' }));
      const result = await bad.testConnection();
      await bad.close();
      assert.equal(result.ok, false);
      assert.ok(!result.message.includes('Sup3rSecretPw'), result.message);
      assert.match(result.message, /127\.0\.0\.1/);
    });

    test('getSqlHook picks the hook from the connection type', async () => {
      const picked = await getSqlHook(connection);
      assert.ok(picked instanceof (target.name === 'postgres' ? PostgresHook : MySqlHook));
      assert.deepEqual(await picked.getFirst('SELECT 1'), [1]);
      await picked.close();
    });
  });
}

test('getSqlHook rejects a connection type no SQL hook serves, naming the supported ones', async () => {
  await assert.rejects(getSqlHook(new Connection({ connId: 'x', connType: 'sqlite' })), (error: unknown) =>
    isUpdraftError(error, 'UPDRAFT_ERR_CONNECTION_INVALID') && error.message.includes('"sqlite"') && error.message.includes('postgres')
    && error.message.includes('mariadb'));
  assert.ok(await getSqlHook(new Connection({ connId: 'y', connType: 'postgresql+psycopg2' })) instanceof PostgresHook);
  assert.ok(await getSqlHook(new Connection({ connId: 'z', connType: 'mariadb' })) instanceof MySqlHook);
});
