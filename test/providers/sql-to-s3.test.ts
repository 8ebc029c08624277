import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import pg from 'pg';
import { createS3Client } from '../../src/providers/aws/s3-client.js';
import { PostgresToS3Operator, SqlToS3Operator, type SqlToS3Result } from '../../src/providers/aws/transfers/index.js';
import { runWithContext } from '../../src/sdk/context.js';
import { dag } from '../../src/sdk/dag.js';
import { makeTestContext } from '../../src/sdk/testing.js';
import { startS3Server, type S3TestServer } from '../support/s3.js';
import { mariadbService, postgresService, type CreatedDatabase } from '../support/services.js';

/*
 * SqlToS3Operator / PostgresToS3Operator against a real PostgreSQL (COPY and cursor paths), a real
 * MariaDB (cursor path) and s3rver. Operators run through execute() with a test context holding the
 * connections; the DAG-level run (scheduler, templates, remote logs) is in test/e2e/seed-export.test.ts.
 */

const pgService = await postgresService();
const myService = await mariadbService();
const skip = 'skip' in pgService ? pgService.skip : 'skip' in myService ? myService.skip : undefined;

let s3: S3TestServer;
let client: S3Client;
let pgDb: CreatedDatabase;
let myDb: CreatedDatabase;
const BUCKET = 'exports-test';
let awsConn: Record<string, unknown>;
let pgConn: Record<string, unknown>;
let myConn: Record<string, unknown>;

function connFromUrl(connId: string, url: string, connType: string): Record<string, unknown> {
  const u = new URL(url);
  return {
    connId, connType, host: u.hostname, port: Number(u.port), login: decodeURIComponent(u.username) || null,
    password: u.password === '' ? null : decodeURIComponent(u.password), schema: u.pathname.slice(1), extra: {}, description: null,
  };
}

async function body(key: string): Promise<Buffer> {
  const result = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await result.Body!.transformToByteArray());
}

async function keys(prefix: string): Promise<string[]> {
  const result = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (result.Contents ?? []).map((o) => o.Key!).sort();
}

/** Builds the operator inside a throwaway DAG and runs execute() with the test connections. */
async function runExport<T extends SqlToS3Operator>(make: () => T, conf: { ds?: string } = {}): Promise<SqlToS3Result> {
  let operator!: T;
  dag({ dagId: `export_${Math.random().toString(36).slice(2, 8)}`, schedule: null }, () => {
    operator = make();
  });
  const ctx = makeTestContext({
    connections: { aws_default: awsConn, postgres_default: pgConn, pg_conn: pgConn, my_conn: myConn },
    ...(conf.ds === undefined ? {} : { logicalDate: new Date(`${conf.ds}T00:00:00Z`) }),
  });
  return runWithContext(ctx, () => operator.execute(ctx) as Promise<SqlToS3Result>);
}

describe('SQL → S3 export', { skip }, () => {
  before(async () => {
    if (skip !== undefined || 'skip' in pgService || 'skip' in myService) return;
    s3 = await startS3Server();
    client = createS3Client(JSON.parse(s3.connectionJson) as Record<string, unknown>);
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    awsConn = { connId: 'aws_default', connType: 'aws', ...(JSON.parse(s3.connectionJson) as Record<string, unknown>), host: null, schema: null, port: null, description: null };
    pgDb = await pgService.createDatabase('export');
    pgConn = connFromUrl('pg_conn', pgDb.url, 'postgres');
    const pgClient = new pg.Client({ connectionString: pgDb.url });
    await pgClient.connect();
    await pgClient.query(`
      CREATE TABLE movies (
        id int PRIMARY KEY, title text, released timestamptz, watched timestamp, day date, price numeric(12,4), big bigint,
        score double precision, meta jsonb, poster bytea, tags text[], ok boolean, note text);
      INSERT INTO movies VALUES
        (1, '기생충', '2019-05-30 09:05:07.123456+09', '2019-06-01 20:00:00', '2019-05-30', 12345678.1234, 9007199254740993,
         8.6, '{"director": "봉준호", "awards": ["Palme d''Or"], "b": {"z": 1, "a": 2}}', '\\x48656c6c6f', '{drama,thriller}', true,
         E'tab\\there, newline\\nhere, "quotes", back\\\\slash, comma,'),
        (2, 'Oldboy', NULL, NULL, NULL, NULL, NULL, 'NaN', NULL, NULL, NULL, false, NULL),
        (3, '올드보이 2', '2003-11-21 00:00:00+00', '2003-11-21 00:00:00', '2003-11-21', 0.5, -1, -0.25, '[]', '\\x', '{}', NULL, '');
      CREATE TABLE numbers AS SELECT g AS n, 'row ' || g AS label FROM generate_series(1, 2500) g;
      CREATE TABLE nasty (id int, t text, j json, jb jsonb, ts timestamptz, n numeric, f float8, b bytea, "Ключ ""q""" text);
      INSERT INTO nasty VALUES
        (1, E'ctl\\001\\002 vt\\013 bs\\\\ q" nl\\n cr\\r tab\\t bsp\\b ff\\f 한글 \u2028 end', E'{"a":\\n 1,\\r\\n "b": "x\\\\"y"}',
         E'{"k": "v\\\\\\\\w \\\\"q\\\\" \\\\n", "한": [1, 2.50, null]}', 'infinity', 'NaN', 'Infinity', '\\x00ff', 'x'),
        (2, '', '[]', '{}', '-infinity', '-1.5e-3', '-Infinity', NULL, NULL),
        (3, NULL, NULL, NULL, '2024-02-29 23:59:59.999999+00', '123456789012345678901234567890.123456789', 1e300, '\\x', 'y');`);
    await pgClient.end();
    myDb = await myService.createDatabase('export');
    myConn = connFromUrl('my_conn', myDb.url, 'mysql');
    const mysql = await import('mysql2/promise');
    const my = await mysql.createConnection({ uri: myDb.url, multipleStatements: true });
    await my.query(`CREATE TABLE movies (id INT PRIMARY KEY, title VARCHAR(100) CHARACTER SET utf8mb4, released DATETIME, price DECIMAL(12,4), meta JSON);
      INSERT INTO movies VALUES (1, '기생충', '2019-05-30 00:05:07', 12345678.1234, '{"director": "봉준호"}'), (2, 'Oldboy', NULL, NULL, NULL);`);
    await my.end();
  });
  after(async () => {
    client?.destroy();
    await s3?.stop();
    await pgDb?.drop();
    await myDb?.drop();
  });

  test('PostgreSQL → JSON lines: Korean as is, keys sorted, typed values, NULL as null (COPY path)', async () => {
    const result = await runExport(() => new PostgresToS3Operator({
      taskId: 'export', postgresConnId: 'pg_conn', query: 'SELECT * FROM movies ORDER BY id;', s3Bucket: BUCKET, s3Key: 'movies/all.jsonl', timeZone: 'Asia/Seoul',
    }));
    assert.deepEqual(result, {
      bucket: BUCKET, keys: ['movies/all.jsonl'], rowCount: 3, fileFormat: 'jsonl',
      files: [{ key: 'movies/all.jsonl', rows: 3, bytes: result.files[0]!.bytes }],
    });
    const text = (await body('movies/all.jsonl')).toString('utf8');
    const lines = text.split('\n');
    assert.equal(lines.at(-1), '', 'the file ends with a newline');
    assert.equal(lines.length, 4);
    assert.ok(lines[0]!.includes('"title":"기생충"'), 'Korean is written as UTF-8, not \\u escapes');
    assert.ok(lines[0]!.includes('"price":12345678.1234'), 'numeric keeps every digit, as a JSON number');
    assert.ok(lines[0]!.includes('"big":9007199254740993'), 'bigint beyond 2^53 keeps every digit');
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.deepEqual(Object.keys(first), [...Object.keys(first)].sort(), 'keys sorted');
    assert.equal(first.released, '2019-05-30 09:05:07', 'timestamptz in the export time zone, YYYY-MM-DD HH:MM:SS');
    assert.equal(first.watched, '2019-06-01 20:00:00');
    assert.equal(first.day, '2019-05-30');
    assert.deepEqual(first.meta, { director: '봉준호', awards: ["Palme d'Or"], b: { z: 1, a: 2 } });
    assert.equal(first.poster, Buffer.from('Hello').toString('base64'));
    assert.deepEqual(first.tags, ['drama', 'thriller'], 'arrays arrive as JSON arrays');
    assert.equal(first.ok, true);
    assert.equal(first.score, 8.6);
    assert.equal(first.note, 'tab\there, newline\nhere, "quotes", back\\slash, comma,');
    const second = JSON.parse(lines[1]!) as Record<string, unknown>;
    assert.equal(second.released, null);
    assert.equal(second.meta, null);
    assert.equal(second.score, null, 'NaN is not JSON: written as null');
    assert.equal(second.ok, false);
    const third = JSON.parse(lines[2]!) as Record<string, unknown>;
    assert.equal(third.released, '2003-11-21 09:00:00');
    assert.equal(third.poster, '');
    assert.deepEqual(third.tags, []);
    assert.equal(third.note, '');
    assert.equal(third.ok, null);
  });

  test('re-running the same interval replaces its file; split files are numbered and stale parts removed', async () => {
    const make = (max: number) => () => new SqlToS3Operator({
      taskId: 'split', sqlConnId: 'pg_conn', query: 'SELECT n, label FROM numbers ORDER BY n',
      s3Key: `s3://${BUCKET}/numbers/part.jsonl`, maxRowsPerFile: max,
    });
    const first = await runExport(make(1000));
    assert.deepEqual(first.keys, ['numbers/part_00000.jsonl', 'numbers/part_00001.jsonl', 'numbers/part_00002.jsonl']);
    assert.deepEqual(first.files.map((f) => f.rows), [1000, 1000, 500]);
    const again = await runExport(make(1000));
    assert.deepEqual(again.keys, first.keys);
    assert.deepEqual(await keys('numbers/'), first.keys, 'the re-run replaced the files, nothing duplicated');
    const lines = (await body('numbers/part_00002.jsonl')).toString('utf8').trim().split('\n');
    assert.equal(lines.length, 500);
    assert.deepEqual(JSON.parse(lines[0]!), { label: 'row 2001', n: 2001 });
    // Fewer, larger parts: the earlier run's third part must go.
    const fewer = await runExport(make(2000));
    assert.deepEqual(fewer.keys, ['numbers/part_00000.jsonl', 'numbers/part_00001.jsonl']);
    assert.deepEqual(await keys('numbers/'), fewer.keys);
  });

  test('replace: false refuses an existing key before any row is read, and changes nothing', async () => {
    await runExport(() => new SqlToS3Operator({ taskId: 'once', sqlConnId: 'pg_conn', query: 'SELECT 1 AS one', s3Bucket: BUCKET, s3Key: 'once/one.jsonl' }));
    const before = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'once/one.jsonl' }));
    // A query that would fail if it ran proves the key check comes first.
    await assert.rejects(
      runExport(() => new SqlToS3Operator({ taskId: 'once', sqlConnId: 'pg_conn', query: 'SELECT 1/0 AS boom', s3Bucket: BUCKET, s3Key: 'once/one.jsonl', replace: false })),
      (error: Error & { code?: string }) => error.code === 'UPDRAFT_ERR_S3_KEY_EXISTS' && /s3:\/\/exports-test\/once\/one\.jsonl already exists/.test(error.message),
    );
    const after = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'once/one.jsonl' }));
    assert.equal(after.ETag, before.ETag);
  });

  test('CSV with gzip: header row, RFC 4180 quoting, NULL empty', async () => {
    const result = await runExport(() => new SqlToS3Operator({
      taskId: 'csv', sqlConnId: 'pg_conn', query: 'SELECT id, title, note, released FROM movies ORDER BY id', s3Bucket: BUCKET,
      s3Key: 'csv/movies.csv.gz', fileFormat: 'CSV', compression: 'gzip',
    }));
    assert.equal(result.rowCount, 3);
    const text = gunzipSync(await body('csv/movies.csv.gz')).toString('utf8');
    assert.equal(text, [
      'id,title,note,released',
      '1,기생충,"tab\there, newline\nhere, ""quotes"", back\\slash, comma,",2019-05-30 00:05:07',
      '2,Oldboy,,',
      '3,올드보이 2,,2003-11-21 00:00:00',
      '',
    ].join('\n'));
  });

  test('Parquet: typed columns that read back with an independent reader', async () => {
    await runExport(() => new SqlToS3Operator({
      taskId: 'parquet', sqlConnId: 'pg_conn', query: 'SELECT id, title, released, price, big, score, meta, ok FROM movies ORDER BY id',
      s3Bucket: BUCKET, s3Key: 'parquet/movies.parquet', fileFormat: 'parquet',
    }));
    const bytes = await body('parquet/movies.parquet');
    const file = new Uint8Array(bytes).buffer as ArrayBuffer;
    const metadata = parquetMetadata(file);
    const types = Object.fromEntries(metadata.schema.slice(1).map((s) => [s.name, s.type]));
    assert.deepEqual(types, { id: 'INT32', title: 'BYTE_ARRAY', released: 'INT64', price: 'BYTE_ARRAY', big: 'INT64', score: 'DOUBLE', meta: 'BYTE_ARRAY', ok: 'BOOLEAN' });
    const rows = await parquetReadObjects({ file });
    assert.equal(rows.length, 3);
    assert.equal(rows[0]!.title, '기생충');
    assert.equal(rows[0]!.price, '12345678.1234');
    assert.equal(rows[0]!.big, 9007199254740993n);
    assert.equal((rows[0]!.released as Date).toISOString(), '2019-05-30T00:05:07.123Z');
    assert.deepEqual(rows[0]!.meta, { director: '봉준호', awards: ["Palme d'Or"], b: { z: 1, a: 2 } });
    assert.equal(rows[1]!.released, null);
  });

  test('bind parameters read through a cursor and write the same encoding', async () => {
    const result = await runExport(() => new SqlToS3Operator({
      taskId: 'params', sqlConnId: 'pg_conn', query: 'SELECT id, title, released, price, meta FROM movies WHERE id = ANY($1) ORDER BY id',
      parameters: [[1, 3]], s3Bucket: BUCKET, s3Key: 'params/movies.jsonl',
    }));
    assert.equal(result.rowCount, 2);
    const lines = (await body('params/movies.jsonl')).toString('utf8').trim().split('\n');
    assert.deepEqual(JSON.parse(lines[0]!), {
      id: 1, meta: { director: '봉준호', awards: ["Palme d'Or"], b: { z: 1, a: 2 } }, price: 12345678.1234, released: '2019-05-30 00:05:07', title: '기생충',
    });
    assert.ok(lines[0]!.includes('"price":12345678.1234'));
  });

  test('MySQL (MariaDB) → JSON lines through the cursor path', async () => {
    const result = await runExport(() => new SqlToS3Operator({
      taskId: 'mysql', sqlConnId: 'my_conn', query: 'SELECT id, title, released, price, meta FROM movies ORDER BY id', s3Bucket: BUCKET, s3Key: 'mysql/movies.jsonl',
    }));
    assert.equal(result.rowCount, 2);
    const lines = (await body('mysql/movies.jsonl')).toString('utf8').trim().split('\n');
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(first.title, '기생충');
    assert.equal(first.price, 12345678.1234);
    assert.ok(lines[0]!.includes('"price":12345678.1234'));
    assert.deepEqual(first.meta, { director: '봉준호' });
    assert.equal(typeof first.released, 'string');
    assert.match(first.released as string, /^2019-05-30 \d\d:05:07$/);
    assert.deepEqual(JSON.parse(lines[1]!), { id: 2, meta: null, price: null, released: null, title: 'Oldboy' });
  });

  test('the byte path (one JSON lines file) and the row path (split files) write identical bytes', async () => {
    const make = (split: boolean) => () => new SqlToS3Operator({
      taskId: 'same', sqlConnId: 'pg_conn', query: 'SELECT * FROM nasty ORDER BY id', s3Bucket: BUCKET,
      s3Key: split ? 'same/rows.jsonl' : 'same/bytes.jsonl', ...(split ? { maxRowsPerFile: 100 } : {}),
    });
    const bytes = await runExport(make(false));
    const rows = await runExport(make(true));
    assert.deepEqual(bytes.keys, ['same/bytes.jsonl']);
    assert.deepEqual(rows.keys, ['same/rows_00000.jsonl']);
    const a = (await body('same/bytes.jsonl')).toString('utf8');
    assert.equal(a, (await body('same/rows_00000.jsonl')).toString('utf8'));
    const parsed = a.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(parsed.length, 3);
    assert.equal(parsed[0]!.t, 'ctl\u0001\u0002 vt\u000b bs\\ q" nl\n cr\r tab\t bsp\b ff\f 한글 \u2028 end');
    assert.deepEqual(parsed[0]!.j, { a: 1, b: 'x"y' });
    assert.deepEqual(parsed[0]!.jb, { k: 'v\\w "q" \n', 한: [1, 2.5, null] });
    assert.equal(parsed[0]!.ts, 'infinity');
    assert.equal(parsed[0]!.n, 'NaN');
    assert.equal(parsed[0]!.f, null);
    assert.equal(parsed[0]!.b, Buffer.from([0, 255]).toString('base64'));
    assert.equal(parsed[0]!['Ключ "q"'], 'x');
    assert.equal(parsed[1]!.n, -0.0015);
    assert.equal(parsed[2]!.ts, '2024-02-29 23:59:59');
    assert.ok(a.includes('"n":123456789012345678901234567890.123456789'));
  });

  test('an export larger than one part goes up as a multipart upload, gzipped or not, intact', async () => {
    // 5 MiB parts; ~9 MB of JSON lines → 2 parts plain, 1 part (a single PUT) gzipped.
    const query = "SELECT g AS n, repeat('데이터', 20) AS payload FROM generate_series(1, 60000) g";
    const plain = await runExport(() => new SqlToS3Operator({
      taskId: 'big', sqlConnId: 'pg_conn', query, s3Bucket: BUCKET, s3Key: 'big/plain.jsonl', partSize: 5 * 1024 * 1024,
    }));
    assert.ok(plain.files[0]!.bytes > 5 * 1024 * 1024, `bigger than one part: ${plain.files[0]!.bytes}`);
    const zipped = await runExport(() => new SqlToS3Operator({
      taskId: 'big', sqlConnId: 'pg_conn', query, s3Bucket: BUCKET, s3Key: 'big/zipped.jsonl.gz', partSize: 5 * 1024 * 1024, compression: 'gzip',
    }));
    const a = await body('big/plain.jsonl');
    assert.equal(a.length, plain.files[0]!.bytes);
    assert.ok(gunzipSync(await body('big/zipped.jsonl.gz')).equals(a), 'gzip of the same bytes');
    assert.equal(zipped.rowCount, 60000);
    const lines = a.toString('utf8').trim().split('\n');
    assert.equal(lines.length, 60000);
    assert.deepEqual(JSON.parse(lines[59999]!), { n: 60000, payload: '데이터'.repeat(20) });
  });

  test('a query that fails mid-stream is an SQL error and leaves no object behind', async () => {
    await assert.rejects(
      runExport(() => new SqlToS3Operator({
        taskId: 'broken', sqlConnId: 'pg_conn', query: 'SELECT n, CASE WHEN n = 2400 THEN 1 / 0 ELSE n END AS v FROM numbers ORDER BY n',
        s3Bucket: BUCKET, s3Key: 'broken/out.jsonl',
      })),
      (error: Error & { code?: string }) => error.code === 'UPDRAFT_ERR_SQL' && /division by zero/.test(error.message),
    );
    assert.deepEqual(await keys('broken/'), []);
  });

  test('bad options are clear errors when the DAG is defined', () => {
    const define = (options: Record<string, unknown>): void => {
      dag({ dagId: 'bad_export', schedule: null }, () => {
        new SqlToS3Operator({ taskId: 't', sqlConnId: 'pg_conn', query: 'SELECT 1', s3Bucket: BUCKET, s3Key: 'k', ...options } as never);
      });
    };
    assert.throws(() => define({ fileFormat: 'xml' }), /fileFormat: "xml"; it must be one of "jsonl" \(also "json"\), "csv", "parquet"/);
    assert.throws(() => define({ fileFormat: 'parquet', compression: 'gzip' }), /parquet files compress their pages themselves/);
    assert.throws(() => define({ maxRowsPerFile: -1 }), /maxRowsPerFile: -1; it must be an integer ≥ 0/);
    assert.throws(() => define({ timeZone: 'Mars/Base' }), /timeZone: "Mars\/Base"; it must be an IANA time zone/);
    assert.throws(() => define({ timestampFormat: '%Y' }), /timestampFormat: "%Y"; it must be one of/);
    assert.throws(() => define({ s3Kee: 'typo' }), /s3Kee/);
  });
});
