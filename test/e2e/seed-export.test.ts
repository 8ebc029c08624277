// The seed pipeline end to end, as a user runs it: Korean rows in PostgreSQL → PostgresToS3Operator →
// JSON lines in S3 (s3rver), re-run without duplicates, every task log shipped to S3 and readable
// with `updraft tasks logs` once the local copy is gone; an S3 outage does not fail a task.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import { createS3Client } from '../../src/providers/aws/s3-client.js';
import { BIN, eventually, makeHome, runCli, writeDag } from '../support/cli.js';
import { freePort } from '../support/private-server.js';
import { startS3Server, type S3TestServer } from '../support/s3.js';
import { postgresService, type CreatedDatabase } from '../support/services.js';

const EXAMPLES = fileURLToPath(new URL('../../examples/providers', import.meta.url));
const pgService = await postgresService();
const skip = 'skip' in pgService ? pgService.skip : undefined;

describe('seed pipeline: PostgreSQL → S3 with logs in S3', { skip }, () => {
  const h = makeHome('updraft-seed-');
  let s3: S3TestServer;
  let client: S3Client;
  let db: CreatedDatabase;

  async function text(bucket: string, key: string): Promise<string> {
    const result = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await result.Body!.transformToByteArray()).toString('utf8');
  }
  async function keys(bucket: string, prefix: string): Promise<string[]> {
    const result = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    return (result.Contents ?? []).map((o) => o.Key!).sort();
  }

  before(async () => {
    if ('skip' in pgService) return;
    s3 = await startS3Server();
    client = createS3Client(JSON.parse(s3.connectionJson) as Record<string, unknown>);
    await client.send(new CreateBucketCommand({ Bucket: 'movies' }));
    await client.send(new CreateBucketCommand({ Bucket: 'task-logs' }));
    db = await pgService.createDatabase('seed');
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await c.query(`CREATE TABLE movie_schedule (id serial PRIMARY KEY, title text NOT NULL, theater text, start_at timestamptz NOT NULL, price numeric(8,2), meta jsonb);
      INSERT INTO movie_schedule (title, theater, start_at, price, meta) VALUES
        ('기생충', '서울 CGV 용산', '2024-03-01 10:30:00+09', 14000.00, '{"rating": "15세 이상", "screen": 3}'),
        ('헤어질 결심', '부산 롯데시네마', '2024-03-01 19:00:00+09', 13000.50, '{"rating": "15세 이상"}'),
        ('괴물', NULL, '2024-03-01 23:59:59+00', NULL, NULL),
        ('Next day', 'x', '2024-03-02 00:00:00+00', 1, '{}'),
        ('Day before', 'x', '2024-02-29 23:59:59+00', 1, '{}');`);
    await c.end();
    Object.assign(h.env, {
      UPDRAFT__CORE__DAGS_FOLDER: EXAMPLES,
      UPDRAFT_CONN_POSTGRES_TEST: db.url,
      UPDRAFT_CONN_AWS_DEFAULT: s3.connectionUri,
      UPDRAFT__LOGGING__REMOTE_LOGGING: 'true',
      UPDRAFT__LOGGING__REMOTE_LOG_CONN_ID: 'aws_default',
      UPDRAFT__LOGGING__REMOTE_BASE_LOG_FOLDER: 's3://task-logs/updraft',
    });
  });
  after(async () => {
    client?.destroy();
    await s3?.stop();
    await db?.drop();
    h.cleanup();
  });

  test('dags test exports the day as JSON lines; a re-run replaces it; logs land in S3', async () => {
    // A manual run's data interval ends at its logical date (Airflow's rule): 2024-03-02 covers
    // [2024-03-01T00:00Z, 2024-03-02T00:00Z), the three Korean rows.
    const first = await runCli(['dags', 'test', 'movies_to_s3', '2024-03-02'], h.env);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.deepEqual(await keys('movies', 'exports/'), ['exports/2024-03-02/movie_schedule.jsonl']);
    const exported = await text('movies', 'exports/2024-03-02/movie_schedule.jsonl');
    const rows = exported.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(rows, [
      { id: 1, meta: { rating: '15세 이상', screen: 3 }, price: 14000.00, start_at: '2024-03-01 10:30:00', theater: '서울 CGV 용산', title: '기생충' },
      { id: 2, meta: { rating: '15세 이상' }, price: 13000.5, start_at: '2024-03-01 19:00:00', theater: '부산 롯데시네마', title: '헤어질 결심' },
      { id: 3, meta: null, price: null, start_at: '2024-03-02 08:59:59', theater: null, title: '괴물' },
    ]);
    assert.ok(exported.includes('"title":"기생충"'), 'Korean written as is');
    assert.ok(exported.includes('"price":14000.00'), 'numeric keeps its digits');

    const again = await runCli(['dags', 'test', 'movies_to_s3', '2024-03-02'], h.env);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.deepEqual(await keys('movies', 'exports/'), ['exports/2024-03-02/movie_schedule.jsonl'], 'no duplicate file');
    assert.equal(await text('movies', 'exports/2024-03-02/movie_schedule.jsonl'), exported, 'the same rows, once');

    // Every task's log is in S3 under the local relative path.
    const logs = await keys('task-logs', 'updraft/dag_id=movies_to_s3/');
    for (const task of ['count_rows', 'peek_rows', 'export_schedule', 'verify_export']) {
      assert.ok(logs.some((k) => k.includes(`/task_id=${task}/attempt=1.log`)), `${task} log in S3: ${logs.join(', ')}`);
    }
    const exportLog = await text('task-logs', logs.find((k) => k.includes('task_id=export_schedule'))!);
    assert.match(exportLog, /Exported 3 rows in 1 file\(s\)/);
    assert.match(exportLog, /Marking task as SUCCESS/, 'the final upload has the whole log');
    assert.ok(!exportLog.includes(new URL(db.url).password || '\u0000'), 'no password in the shipped log');
  });

  test('tasks logs reads S3 when the local logs are gone (--follow too)', async () => {
    rmSync(join(h.home, 'logs'), { recursive: true, force: true });
    const r = await runCli(['tasks', 'logs', 'movies_to_s3', '2024-03-02', 'export_schedule'], h.env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Exported 3 rows/);
    const f = await runCli(['tasks', 'logs', 'movies_to_s3', '2024-03-02', 'verify_export', '--follow'], h.env);
    assert.equal(f.code, 0, f.stderr);
    assert.match(f.stdout, /holds 1 file\(s\), 3 rows/);
  });

  test('a running task\'s log reaches S3 while it runs; an S3 outage never fails a task', async () => {
    const dags = join(h.home, 'slow-dags');
    mkdirSync(dags, { recursive: true });
    // The task holds until the test has seen its first line in S3 (or 60 s pass): no race with the clock.
    const release = join(h.home, 'release-talk');
    writeDag(dags, 'slow.ts', `import { dag, BashOperator } from 'updraft';
      export default dag({ dagId: 'slow_logs', schedule: null, startDate: '2024-01-01' }, () => {
        new BashOperator({ taskId: 'talk', bashCommand: 'echo first-line; for i in $(seq 600); do [ -f ${JSON.stringify(release)} ] && break; sleep 0.1; done; echo last-line | tr a-z A-Z' });
      });`);
    const env = { ...h.env, UPDRAFT__CORE__DAGS_FOLDER: dags };
    const child = spawn(process.execPath, [BIN, 'dags', 'test', 'slow_logs', '2024-01-01'], { env, stdio: 'ignore' });
    const done = new Promise<number | null>((resolve) => child.on('close', resolve));
    const key = (await eventually(async () => (await keys('task-logs', 'updraft/dag_id=slow_logs/'))[0], 'the running log in S3', 30_000, 250))!;
    const partial = (await eventually(async () => {
      const body = await text('task-logs', key);
      return body.includes('first-line') ? body : undefined;
    }, 'first-line in S3 while the task runs', 30_000, 250))!;
    assert.ok(!partial.includes('LAST-LINE'), 'seen before the task ended');
    writeFileSync(release, '');
    assert.equal(await done, 0);
    assert.match(await text('task-logs', key), /LAST-LINE/);

    // Remote store down: the task succeeds, the local log is kept and says why.
    const port = await freePort();
    const down = { ...env, UPDRAFT_CONN_AWS_DEFAULT: `aws://k:s@/?endpoint_url=${encodeURIComponent(`http://127.0.0.1:${port}`)}&region_name=us-east-1` };
    const r = await runCli(['dags', 'test', 'slow_logs', '2024-01-02'], down);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const local = join(h.home, 'logs', 'dag_id=slow_logs');
    assert.ok(existsSync(local));
    const shown = await runCli(['tasks', 'logs', 'slow_logs', '2024-01-02', 'talk'], down);
    assert.match(shown.stdout, /LAST-LINE/);
    assert.match(shown.stdout, /could not be uploaded to s3:\/\/task-logs\/updraft\/dag_id=slow_logs\/.*local copy .* is kept/);
  });
});
