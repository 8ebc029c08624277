// A whole S3 pipeline through the real scheduler and local executor (task processes): create a
// bucket → upload a local file → wait for a flag (S3KeySensor, reschedule mode) → copy → a @task
// using S3Hook → S3ToSqlOperator (CSV and gzipped JSON lines) into PostgreSQL → delete objects.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { taskLogPath } from '../../src/logs/log-paths.js';
import { eventually } from '../support/cli.js';
import { makeEngine, type TestEngine } from '../support/engine.js';
import { postgresService, type CreatedDatabase } from '../support/services.js';
import { S3_ACCESS_KEY, S3_SECRET_KEY, startS3Server, type S3TestServer } from '../support/s3.js';

const pgService = await postgresService();
const CSV = 'id,name,note,amount\r\n1,김민준,"hello, ""world""",10.5\r\n2,Ada,"two\nlines",\r\n3,이서연,plain,7\r\n';

describe('an S3 DAG through the scheduler', { skip: 'skip' in pgService ? pgService.skip : false }, () => {
  let s3: S3TestServer;
  let db: CreatedDatabase;
  let e: TestEngine;
  let raw: S3Client;
  const saved: Record<string, string | undefined> = {};

  before(async () => {
    if ('skip' in pgService) return;
    s3 = await startS3Server();
    db = await pgService.createDatabase('updraft_s3_dag');
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query('CREATE TABLE events (id integer PRIMARY KEY, name text, note text, amount numeric)');
    await client.query('CREATE TABLE events_json (id integer PRIMARY KEY, name text, tags jsonb)');
    await client.end();
    // Task processes of the local executor inherit this environment: that is how connections reach them.
    for (const [name, value] of Object.entries({ UPDRAFT_CONN_AWS_TEST: s3.connectionJson, UPDRAFT_CONN_PG_TEST: db.url })) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
    raw = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: { accessKeyId: S3_ACCESS_KEY, secretAccessKey: S3_SECRET_KEY } });
    e = await makeEngine('sqlite', { executor: 'local' });
  });

  after(async () => {
    if ('skip' in pgService) return;
    await e?.close();
    raw?.destroy();
    await s3?.stop();
    await db?.drop();
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  test('create → upload → sensor (reschedule) → copy → @task with S3Hook → S3ToSql into PostgreSQL → delete', async () => {
    const source = join(e.dir, 'events.csv');
    writeFileSync(source, CSV);
    await e.addDag('s3_pipeline.ts', `
      import { dag, task } from 'updraft';
      import {
        LocalFilesystemToS3Operator, S3CopyObjectOperator, S3CreateBucketOperator, S3DeleteObjectsOperator, S3Hook,
        S3KeySensor, S3ToSqlOperator,
      } from 'updraft/providers/aws';

      const BUCKET = 'pipeline-{{ ds_nodash }}';
      const inspect = task('inspect', async (): Promise<{ lines: number; keys: string[] }> => {
        const hook = new S3Hook({ awsConnId: 'aws_test' });
        const text = await hook.readKey('s3://pipeline-20240101/staging/events.csv');
        const jsonl = [
          { id: 1, name: '김민준', tags: ['a', 'b'] },
          { id: 2, name: 'Ada', tags: { nested: true } },
        ].map((row) => JSON.stringify(row)).join('\\n') + '\\n';
        await hook.loadString(jsonl, 'staging/events.jsonl.gz', 'pipeline-20240101', { compression: 'gzip' });
        return { lines: text.split('\\n').length, keys: await hook.listKeys('pipeline-20240101') };
      });

      export default dag({ dagId: 's3_pipeline', schedule: null, startDate: '2024-01-01' }, () => {
        const create = new S3CreateBucketOperator({ taskId: 'create_bucket', bucketName: BUCKET, awsConnId: 'aws_test' });
        const upload = new LocalFilesystemToS3Operator({
          taskId: 'upload', filename: ${JSON.stringify(source)}, destKey: 'landing/{{ ds }}/events.csv', destBucket: BUCKET, awsConnId: 'aws_test',
        });
        const wait = new S3KeySensor({
          taskId: 'wait_for_flag', bucketKey: 's3://' + BUCKET + '/landing/{{ ds }}/*.ready', wildcardMatch: true,
          mode: 'reschedule', pokeInterval: '200ms', timeout: '2m', awsConnId: 'aws_test',
        });
        const copy = new S3CopyObjectOperator({
          taskId: 'copy', sourceBucketKey: 'landing/{{ ds }}/events.csv', sourceBucketName: BUCKET,
          destBucketKey: 's3://' + BUCKET + '/staging/events.csv', awsConnId: 'aws_test',
        });
        const checked = inspect();
        const loadCsv = new S3ToSqlOperator({
          taskId: 'load_csv', s3Key: 'staging/events.csv', s3Bucket: BUCKET, table: 'events', sqlConnId: 'pg_test', awsConnId: 'aws_test', commitEvery: 2,
        });
        const loadJsonl = new S3ToSqlOperator({
          taskId: 'load_jsonl', s3Key: 's3://' + BUCKET + '/staging/events.jsonl.gz', table: 'events_json', fileFormat: 'jsonl',
          columnList: ['id', 'name', 'tags'], sqlConnId: 'pg_test', awsConnId: 'aws_test',
        });
        const cleanup = new S3DeleteObjectsOperator({ taskId: 'cleanup', bucket: BUCKET, prefix: 'staging/', awsConnId: 'aws_test' });
        create.setDownstream(upload);
        upload.setDownstream(wait);
        wait.setDownstream(copy);
        copy.setDownstream(checked);
        checked.setDownstream([loadCsv, loadJsonl]);
        cleanup.setUpstream([loadCsv, loadJsonl]);
      });`);
    const run = await e.trigger('s3_pipeline', undefined, new Date('2024-01-01T00:00:00Z'));
    // The flag arrives from outside, once the sensor has poked and given its slot back.
    await eventually(async () => (await e.store.getTaskInstance({ dagId: 's3_pipeline', runId: run.runId, taskId: 'wait_for_flag' }))?.state === 'up_for_reschedule',
      'the sensor to be rescheduled', 60_000, 50);
    await raw.send(new PutObjectCommand({ Bucket: 'pipeline-20240101', Key: 'landing/2024-01-01/batch.ready', Body: '' }));

    const finished = await e.waitForRun('s3_pipeline', run.runId, 120_000);
    const states = await e.states('s3_pipeline', run.runId);
    const logOf = (taskId: string): string => readFileSync(taskLogPath(join(e.dir, 'logs'), { dagId: 's3_pipeline', runId: run.runId, taskId, tryNumber: 1 }), 'utf8');
    const failedLogs = Object.entries(states).filter(([, state]) => state === 'failed').map(([taskId]) => `${taskId}:\n${logOf(taskId)}`);
    assert.equal(finished.state, 'success', `${JSON.stringify(states)}\n${failedLogs.join('\n')}`);
    assert.deepEqual(states, {
      create_bucket: 'success', upload: 'success', wait_for_flag: 'success', copy: 'success', inspect: 'success',
      load_csv: 'success', load_jsonl: 'success', cleanup: 'success',
    });

    const sensor = await e.store.getTaskInstance({ dagId: 's3_pipeline', runId: run.runId, taskId: 'wait_for_flag' });
    assert.equal(sensor?.tryNumber, 1, 'reschedules do not use up tries');
    const sensorLog = logOf('wait_for_flag');
    assert.ok((sensorLog.match(/Poking for key s3:\/\/pipeline-20240101\/landing\/2024-01-01\/\*\.ready/g) ?? []).length >= 2, sensorLog);
    assert.match(sensorLog, /UP_FOR_RESCHEDULE/);

    const inspected = await e.store.getXCom({ dagId: 's3_pipeline', runId: run.runId, taskId: 'inspect', key: 'return_value' });
    assert.match(inspected?.value ?? '', /"lines":6/);
    assert.match(inspected?.value ?? '', /landing\/2024-01-01\/events.csv/);

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const events = await client.query('SELECT id, name, note, amount::text AS amount FROM events ORDER BY id');
      assert.deepEqual(events.rows, [
        { id: 1, name: '김민준', note: 'hello, "world"', amount: '10.5' },
        { id: 2, name: 'Ada', note: 'two\nlines', amount: null },
        { id: 3, name: '이서연', note: 'plain', amount: '7' },
      ]);
      const json = await client.query('SELECT id, name, tags FROM events_json ORDER BY id');
      assert.deepEqual(json.rows, [{ id: 1, name: '김민준', tags: ['a', 'b'] }, { id: 2, name: 'Ada', tags: { nested: true } }]);
    } finally {
      await client.end();
    }

    // staging/ was deleted; the landing file is still there with the bytes that were uploaded.
    const listed = await raw.send(new ListObjectsV2Command({ Bucket: 'pipeline-20240101' }));
    assert.deepEqual((listed.Contents ?? []).map((o) => o.Key).sort(), ['landing/2024-01-01/batch.ready', 'landing/2024-01-01/events.csv']);
    const landed = await raw.send(new GetObjectCommand({ Bucket: 'pipeline-20240101', Key: 'landing/2024-01-01/events.csv' }));
    assert.equal(await landed.Body!.transformToString('utf-8'), CSV);
  });
});
