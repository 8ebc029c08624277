// The S3 operators and S3KeySensor run against s3rver with a test task context (no scheduler); the
// whole DAG through the scheduler is in s3-dag.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { dag } from '../../src/sdk/dag.js';
import type { BaseOperator } from '../../src/sdk/base-operator.js';
import { runWithContext, takeTaskEndCallbacks } from '../../src/sdk/context.js';
import { makeTestContext, type TestTaskContext } from '../../src/sdk/testing.js';
import { isUpdraftError } from '../../src/common/errors.js';
import {
  LocalFilesystemToS3Operator, S3CopyObjectOperator, S3CreateBucketOperator, S3DeleteBucketOperator, S3DeleteObjectsOperator,
  S3Hook, S3KeySensor, S3ToSqlOperator,
} from '../../src/providers/aws/index.js';
import { S3_ACCESS_KEY, S3_SECRET_KEY, startS3Server, type S3TestServer } from '../support/s3.js';

let s3: S3TestServer;
let hook: S3Hook;
let dir: string;
const BUCKET = 'operators-bucket';

function context(taskId: string): TestTaskContext {
  return makeTestContext({
    taskId,
    connections: {
      aws_test: { connId: 'aws_test', connType: 'aws', login: S3_ACCESS_KEY, password: S3_SECRET_KEY, extra: { endpoint_url: s3.endpoint } },
    },
  });
}

/** Runs a task's execute (or a sensor's poke) in a task context, then its end-of-task cleanups. */
async function run<T>(task: BaseOperator<unknown>, fn: (ctx: TestTaskContext) => Promise<T>): Promise<T> {
  const ctx = context(task.taskId);
  try {
    return await runWithContext(ctx, () => fn(ctx));
  } finally {
    for (const cleanup of takeTaskEndCallbacks(ctx)) await cleanup();
  }
}

function build<T>(make: () => T): T {
  let made: T | undefined;
  dag({ dagId: `ops_${Math.random().toString(36).slice(2)}`, schedule: null }, () => { made = make(); });
  return made!;
}

function invalidDag(pattern: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(isUpdraftError(error, 'UPDRAFT_ERR_INVALID_DAG'), String(error));
    assert.match(error.message, pattern);
    return true;
  };
}

before(async () => {
  s3 = await startS3Server();
  hook = new S3Hook({ connection: { connId: 'aws_test', login: S3_ACCESS_KEY, password: S3_SECRET_KEY, extra: { endpoint_url: s3.endpoint } } });
  dir = mkdtempSync(join(tmpdir(), 'updraft-s3-ops-'));
});

after(async () => {
  hook.close();
  await s3.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('S3 operators', () => {
  test('constructors check their options and quote the bad value', () => {
    assert.throws(() => build(() => new S3KeySensor({ taskId: 'w', bucketKey: [] })), invalidDag(/S3KeySensor "w" .* has bucketKey: \[\]; it must be a key, a non-empty list of keys/));
    assert.throws(() => build(() => new S3KeySensor({ taskId: 'w', bucketKey: 'k', mode: 'sleep' as 'poke' })), invalidDag(/mode: "sleep"; allowed modes are poke, reschedule/));
    assert.throws(() => build(() => new S3DeleteObjectsOperator({ taskId: 'd', bucket: 'b' })), invalidDag(/needs either keys or prefix .*not neither/));
    assert.throws(() => build(() => new S3DeleteObjectsOperator({ taskId: 'd', bucket: 'b', keys: ['a'], prefix: 'p/' })), invalidDag(/not both/));
    assert.throws(() => build(() => new LocalFilesystemToS3Operator({ taskId: 'u', filename: '', destKey: 'k' })), invalidDag(/has filename: ""; it must be a non-empty string/));
    assert.throws(() => build(() => new LocalFilesystemToS3Operator({ taskId: 'u', filename: 'f', destKey: 'k', gzip: 'yes' as unknown as boolean })), invalidDag(/has gzip: "yes"; it must be true or false/));
    assert.throws(() => build(() => new S3ToSqlOperator({ taskId: 'l', s3Key: 'k', table: 't', sqlConnId: 'pg', fileFormat: 'xml' as 'csv' })), invalidDag(/has fileFormat: "xml"; it must be one of csv, jsonl/));
    assert.throws(() => build(() => new S3ToSqlOperator({ taskId: 'l', s3Key: 'k', table: 't', sqlConnId: 'pg', commitEvery: -1 })), invalidDag(/has commitEvery: -1/));
    assert.throws(() => build(() => new S3CopyObjectOperator({ taskId: 'c', sourceBucketKey: 'a', destBucketKey: 'b', kmsKeyId: 'k' })), invalidDag(/kmsEncryptionType/));
    assert.throws(() => build(() => new S3CreateBucketOperator({ taskId: 'c', bucketName: 'b', bucket: 'typo' } as never)), /bucket/);
    const sensor = build(() => new S3KeySensor({ taskId: 'w', bucketKey: 'k', mode: 'reschedule', pokeInterval: '5s' }));
    assert.deepEqual(sensor.templateFields, ['bucketKey', 'bucketName']);
    assert.equal(sensor.sensor.mode, 'reschedule');
  });

  test('create bucket (idempotent), upload a local file (gzip, replace), copy it, delete by keys and by prefix, delete bucket', async () => {
    const create = build(() => new S3CreateBucketOperator({ taskId: 'create', bucketName: BUCKET, awsConnId: 'aws_test' }));
    await run(create, (ctx) => create.execute(ctx));
    assert.equal(await hook.checkForBucket(BUCKET), true);
    const again = await (async () => {
      const ctx = context('create');
      await runWithContext(ctx, () => create.execute(ctx));
      for (const cleanup of takeTaskEndCallbacks(ctx)) await cleanup();
      return ctx.logLines.map((l) => l.message);
    })();
    assert.ok(again.includes(`Bucket ${BUCKET} already exists`), again.join('\n'));

    writeFileSync(join(dir, 'data.csv'), 'a,b\n1,2\n');
    const upload = build(() => new LocalFilesystemToS3Operator({
      taskId: 'upload', filename: join(dir, 'data.csv'), destKey: 'in/data.csv.gz', destBucket: BUCKET, gzip: true, awsConnId: 'aws_test',
    }));
    const written = await run(upload, (ctx) => upload.execute(ctx));
    assert.deepEqual([written.bucketName, written.key], [BUCKET, 'in/data.csv.gz']);
    assert.equal(gunzipSync(await hook.readBytes('in/data.csv.gz', BUCKET)).toString(), 'a,b\n1,2\n');
    await assert.rejects(run(upload, (ctx) => upload.execute(ctx)), (error) => isUpdraftError(error, 'UPDRAFT_ERR_S3_KEY_EXISTS'));
    const replace = build(() => new LocalFilesystemToS3Operator({
      taskId: 'upload', filename: join(dir, 'data.csv'), destKey: `s3://${BUCKET}/in/data.csv.gz`, replace: true, awsConnId: 'aws_test',
    }));
    await run(replace, (ctx) => replace.execute(ctx));
    assert.equal(await hook.readKey('in/data.csv.gz', BUCKET), 'a,b\n1,2\n', 'replaced, without gzip this time');

    const copy = build(() => new S3CopyObjectOperator({
      taskId: 'copy', sourceBucketKey: `s3://${BUCKET}/in/data.csv.gz`, destBucketKey: 'out/{{ ds }}.csv', destBucketName: BUCKET, awsConnId: 'aws_test',
    }));
    // Rendering is the runtime's job: set what it would have rendered.
    copy.destBucketKey = 'out/2024-01-01.csv';
    const copied = await run(copy, (ctx) => copy.execute(ctx));
    assert.equal(copied.key, 'out/2024-01-01.csv');
    assert.equal(await hook.readKey('out/2024-01-01.csv', BUCKET), 'a,b\n1,2\n');

    for (const key of ['old/1', 'old/2', 'old/3']) await hook.loadString(key, key, BUCKET);
    const byKeys = build(() => new S3DeleteObjectsOperator({ taskId: 'del', bucket: BUCKET, keys: 'old/1', awsConnId: 'aws_test' }));
    assert.equal(await run(byKeys, (ctx) => byKeys.execute(ctx)), 1);
    const byPrefix = build(() => new S3DeleteObjectsOperator({ taskId: 'del', bucket: BUCKET, prefix: 'old/', awsConnId: 'aws_test' }));
    assert.equal(await run(byPrefix, (ctx) => byPrefix.execute(ctx)), 2);
    assert.deepEqual(await hook.listKeys(BUCKET, { prefix: 'old/' }), []);
    assert.equal(await run(byPrefix, (ctx) => byPrefix.execute(ctx)), 0, 'nothing left: no error');

    const dropBucket = build(() => new S3DeleteBucketOperator({ taskId: 'drop', bucketName: 'operators-doomed', forceDelete: true, awsConnId: 'aws_test' }));
    await hook.createBucket('operators-doomed');
    await hook.loadString('x', 'k', 'operators-doomed');
    await run(dropBucket, (ctx) => dropBucket.execute(ctx));
    assert.equal(await hook.checkForBucket('operators-doomed'), false);
  });

  test('S3KeySensor pokes: single key, list of keys, s3:// URLs, wildcard, checkFn; a missing key is false', async () => {
    await hook.loadString('12345', 'sense/a.csv', BUCKET, { replace: true });
    const poke = async (options: Omit<ConstructorParameters<typeof S3KeySensor>[0], 'taskId'>): Promise<boolean> => {
      const sensor = build(() => new S3KeySensor({ taskId: 'wait', awsConnId: 'aws_test', ...options }));
      return run(sensor, (ctx) => sensor.poke(ctx));
    };
    assert.equal(await poke({ bucketKey: 'sense/a.csv', bucketName: BUCKET }), true);
    assert.equal(await poke({ bucketKey: `s3://${BUCKET}/sense/a.csv` }), true);
    assert.equal(await poke({ bucketKey: 'sense/b.csv', bucketName: BUCKET }), false);
    assert.equal(await poke({ bucketKey: ['sense/a.csv', 'sense/b.csv'], bucketName: BUCKET }), false, 'all keys must exist');
    assert.equal(await poke({ bucketKey: 's3://no-such-bucket-y/k' }), false, 'a missing bucket is no key yet');
    assert.equal(await poke({ bucketKey: 'sense/*.csv', bucketName: BUCKET, wildcardMatch: true }), true);
    assert.equal(await poke({ bucketKey: 'sense/*.json', bucketName: BUCKET, wildcardMatch: true }), false);
    assert.equal(await poke({ bucketKey: 'sense/a.csv', bucketName: BUCKET, checkFn: (files) => files[0]!.size >= 5 }), true);
    assert.equal(await poke({ bucketKey: 'sense/*.csv', bucketName: BUCKET, wildcardMatch: true, checkFn: (files) => files.every((f) => f.size > 100) }), false);
    await hook.loadString('x', 'sense/b.csv', BUCKET, { replace: true });
    assert.equal(await poke({ bucketKey: ['sense/a.csv', `s3://${BUCKET}/sense/b.csv`], bucketName: BUCKET }), true);
  });
});
