// PostgresHook specifics against a real PostgreSQL: value types, dollar-quoted scripts, COPY in both
// directions, connection extras, the database override, and pools that leave no connection behind.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable, Writable } from 'node:stream';
import { isUpdraftError } from '../../src/common/errors.js';
import { Connection } from '../../src/connections/index.js';
import { PostgresHook } from '../../src/providers/postgres/index.js';
import { fetchAllHandler } from '../../src/providers/sql/index.js';
import { eventually } from '../support/cli.js';
import { postgresService, type CreatedDatabase } from '../support/services.js';

const service = await postgresService();

describe('PostgresHook', { skip: 'skip' in service ? service.skip : false }, () => {
  let db: CreatedDatabase;
  let connection: Connection;
  let hook: PostgresHook;

  before(async () => {
    if ('skip' in service) return;
    db = await service.createDatabase('updraft_sqlpg');
    connection = Connection.fromUri('pg_test', `${db.url}?application_name=updraft_sql_test&connect_timeout=5&cursor=dictcursor`);
    hook = new PostgresHook({ connection });
  });

  after(async () => {
    await hook?.close();
    await db?.drop();
  });

  async function backends(application?: string): Promise<number> {
    if ('skip' in service) return 0;
    const admin = new PostgresHook({ connection: Connection.fromUri('admin', service.adminUrl) });
    try {
      const row = await admin.getFirst<[string]>(
        'SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND ($2::text IS NULL OR application_name = $2)', [db.name, application ?? null]);
      return Number(row![0]);
    } finally {
      await admin.close();
    }
  }

  test('types: int8 and numeric as exact strings, json/jsonb parsed, timestamps as Date, date as text, bytea as Buffer', async () => {
    const row = await hook.getRecordObjects(`SELECT 9007199254740993::int8 AS big, 12345678901234567890.123::numeric AS exact,
      '{"k": ["가", 1]}'::jsonb AS doc, '[1,2]'::json AS arr, '2024-01-02 03:04:05+00'::timestamptz AS tstz,
      '2024-01-02 03:04:05'::timestamp AS ts, '2024-02-29'::date AS day, '\\xdeadbeef'::bytea AS bin, 42 AS small, true AS flag`);
    assert.deepEqual(row[0], {
      big: '9007199254740993', exact: '12345678901234567890.123', doc: { k: ['가', 1] }, arr: [1, 2],
      tstz: new Date('2024-01-02T03:04:05Z'), ts: (row[0] as { ts: Date }).ts, day: '2024-02-29',
      bin: Buffer.from('deadbeef', 'hex'), small: 42, flag: true,
    });
    assert.ok((row[0] as { ts: unknown }).ts instanceof Date);
    const fields = await hook.run('SELECT 1::int8 AS a, 1.5::numeric AS b, now() AS c, \'{}\'::jsonb AS d', { handler: (r) => r.fields });
    assert.deepEqual((fields as { kind: string }[]).map((f) => f.kind), ['bigint', 'decimal', 'timestamptz', 'json']);
  });

  test('splitStatements respects dollar quoting: a plpgsql function with semicolons in its body', async () => {
    const out = await hook.run(`
      CREATE TABLE notes (id serial PRIMARY KEY, body text);
      CREATE FUNCTION add_note(b text) RETURNS integer AS $fn$
      BEGIN
        INSERT INTO notes (body) VALUES (b || ';');
        RETURN (SELECT count(*) FROM notes);
      END;
      $fn$ LANGUAGE plpgsql;
      SELECT add_note('첫째; 노트'), add_note($$dollar; 'quoted'$$);
      SELECT body FROM notes ORDER BY id`, { splitStatements: true, handler: fetchAllHandler });
    assert.deepEqual(out, [['첫째; 노트;'], ["dollar; 'quoted';"]]);
  });

  test('copyExpert: COPY FROM STDIN reads a Readable; COPY TO STDOUT writes into a Writable', async () => {
    await hook.run('CREATE TABLE copied (id integer, name text)');
    const loaded = await hook.copyExpert('COPY copied (id, name) FROM STDIN WITH (FORMAT csv)', Readable.from(['1,김민준\n2,"a, b"\n', '3,\n']));
    assert.equal(loaded, 3);
    const chunks: Buffer[] = [];
    const sink = new Writable({ write(chunk: Buffer, _enc, done) { chunks.push(chunk); done(); } });
    const written = await hook.copyExpert('COPY (SELECT id, name FROM copied ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)', sink);
    assert.equal(written, 3);
    assert.equal(Buffer.concat(chunks).toString('utf8'), 'id,name\n1,김민준\n2,"a, b"\n3,\n');
    await assert.rejects(hook.copyExpert('COPY copied FROM STDIN', new PassThrough({ objectMode: false }).end('x\ty\tz\n')), (error: unknown) =>
      isUpdraftError(error, 'UPDRAFT_ERR_SQL') && error.message.includes('COPY copied FROM STDIN'));
    await assert.rejects(hook.copyExpert('SELECT 1', sink), (error: unknown) => isUpdraftError(error, 'UPDRAFT_ERR_INVALID_ARGUMENT'));
    assert.deepEqual(await hook.getFirst('SELECT count(*)::int FROM copied'), [3], 'the failed COPY added nothing');
  });

  test('extras and hook options reach the server: application_name, options (search_path), database override', async () => {
    assert.deepEqual(await hook.getFirst('SELECT current_setting(\'application_name\')'), ['updraft_sql_test']);
    await hook.run('CREATE SCHEMA analytics; CREATE TABLE analytics.only_here (x int)');
    const scoped = new PostgresHook({ connection, options: '-c search_path=analytics' });
    assert.deepEqual(await scoped.getFirst('SELECT count(*)::int FROM only_here'), [0]);
    await scoped.close();
    const other = new PostgresHook({ connection, database: 'postgres' });
    assert.deepEqual(await other.getFirst('SELECT current_database()'), ['postgres']);
    await other.close();
  });

  test('getConn gives a pooled pg client; close() leaves no connection in pg_stat_activity', async () => {
    const own = new PostgresHook({ connection });
    const client = await own.getConn();
    const { rows } = await client.query<{ n: number }>('SELECT 7 AS n');
    client.release();
    assert.equal(rows[0]!.n, 7);
    await own.getRecords('SELECT 1');
    assert.ok(await backends('updraft_sql_test') >= 1);
    await own.close();
    await hook.close();
    await eventually(async () => (await backends('updraft_sql_test')) === 0 || null, 'the pools to close', 10_000, 50);
    assert.deepEqual(await hook.getFirst('SELECT 1'), [1], 'a closed hook opens a new pool on next use');
  });

  test('without a connection outside a task: a clear error', async () => {
    await assert.rejects(new PostgresHook({ postgresConnId: 'nowhere' }).getRecords('SELECT 1'), (error: unknown) =>
      isUpdraftError(error, 'UPDRAFT_ERR_INVALID_ARGUMENT') && error.message.includes('"nowhere"') && error.message.includes('connection'));
  });
});
