// S3Hook against a real S3-compatible server (s3rver), cross-checked with the raw AWS SDK client.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, PutObjectCommand, S3Client, type S3Client as S3ClientType } from '@aws-sdk/client-s3';
import { Connection } from '../../src/connections/index.js';
import { isUpdraftError } from '../../src/common/errors.js';
import { S3Hook } from '../../src/providers/aws/index.js';
import { S3_ACCESS_KEY, S3_SECRET_KEY, startS3Server, type S3TestServer } from '../support/s3.js';

let s3: S3TestServer;
let hook: S3Hook;
let raw: S3ClientType;
let dir: string;
const BUCKET = 'hook-test-bucket';

async function rawBytes(bucket: string, key: string): Promise<Buffer> {
  const object = await raw.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await object.Body!.transformToByteArray());
}

/** Records the names of the commands a client sends. */
function commandLog(client: S3ClientType): string[] {
  const names: string[] = [];
  client.middlewareStack.add((next, context) => (args) => {
    names.push(context.commandName as string);
    return next(args);
  }, { step: 'initialize', name: `commandLog${Math.random()}` });
  return names;
}

function errorCode(code: string, pattern?: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(isUpdraftError(error), `expected an UpdraftError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (pattern) assert.match(error.message, pattern);
    return true;
  };
}

before(async () => {
  s3 = await startS3Server();
  hook = new S3Hook({ connection: Connection.fromUri('aws_test', s3.connectionUri) });
  raw = new S3Client({
    region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true,
    credentials: { accessKeyId: S3_ACCESS_KEY, secretAccessKey: S3_SECRET_KEY },
  });
  dir = mkdtempSync(join(tmpdir(), 'updraft-s3-hook-'));
  await hook.createBucket(BUCKET);
});

after(async () => {
  hook.close();
  raw.destroy();
  await s3.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('S3Hook', () => {
  test('buckets: create, check, delete (forceDelete empties it first)', async () => {
    assert.equal(await hook.checkForBucket(BUCKET), true);
    assert.equal(await hook.checkForBucket('no-such-bucket-here'), false);
    await hook.createBucket('hook-doomed', 'eu-west-1');
    await hook.loadString('x', 'a/b', 'hook-doomed');
    await assert.rejects(hook.deleteBucket('hook-doomed'), errorCode('UPDRAFT_ERR_S3', /DeleteBucket on bucket "hook-doomed" failed: BucketNotEmpty/));
    await hook.deleteBucket('hook-doomed', { forceDelete: true });
    assert.equal(await hook.checkForBucket('hook-doomed'), false);
    await assert.rejects(hook.deleteBucket('hook-doomed'), errorCode('UPDRAFT_ERR_S3_NOT_FOUND', /bucket "hook-doomed" does not exist/));
  });

  test('loadString / readKey / getKey / headObject, with s3:// URLs in place of key + bucket', async () => {
    const text = '안녕하세요, S3 — "quoted"\nline 2\n';
    const written = await hook.loadString(text, 'texts/korean.txt', BUCKET, { contentType: 'text/plain; charset=utf-8' });
    assert.equal(written.bucketName, BUCKET);
    assert.equal(written.key, 'texts/korean.txt');
    assert.deepEqual(await rawBytes(BUCKET, 'texts/korean.txt'), Buffer.from(text, 'utf8'), 'the raw client reads the same bytes');
    assert.equal(await hook.readKey('texts/korean.txt', BUCKET), text);
    assert.equal(await hook.readKey(`s3://${BUCKET}/texts/korean.txt`), text);
    const object = await hook.getKey(`s3://${BUCKET}/texts/korean.txt`);
    assert.equal(object.bucketName, BUCKET);
    assert.equal(object.size, Buffer.byteLength(text));
    assert.equal(object.contentType, 'text/plain; charset=utf-8');
    assert.ok(object.lastModified instanceof Date);
    assert.match(object.etag ?? '', /^"[0-9a-f]{32}"$/);
    const chunks: Buffer[] = [];
    for await (const chunk of object.body) chunks.push(chunk as Buffer);
    assert.equal(Buffer.concat(chunks).toString('utf8'), text);
    const head = await hook.headObject(`s3://${BUCKET}/texts/korean.txt`);
    assert.equal(head?.size, Buffer.byteLength(text));
    assert.equal(await hook.headObject('texts/missing.txt', BUCKET), null);
    assert.equal(await hook.checkForKey(`s3://${BUCKET}/texts/korean.txt`), true);
    assert.equal(await hook.checkForKey('texts/missing.txt', BUCKET), false);
    await assert.rejects(hook.readKey(`s3://${BUCKET}/texts/korean.txt`, 'other-bucket'), errorCode('UPDRAFT_ERR_INVALID_ARGUMENT', /full URL of bucket/));
  });

  test('replace: false fails with UPDRAFT_ERR_S3_KEY_EXISTS and leaves the object unchanged; true overwrites', async () => {
    await hook.loadString('original', 'replace/k.txt', BUCKET);
    const before = await hook.headObject('replace/k.txt', BUCKET);
    for (const attempt of [
      () => hook.loadString('new', 'replace/k.txt', BUCKET),
      () => hook.loadBytes(Buffer.from('new'), `s3://${BUCKET}/replace/k.txt`),
      () => hook.loadStream(Readable.from([Buffer.from('new')]), 'replace/k.txt', BUCKET, { replace: false }),
      () => hook.loadFile(join(dir, 'f.txt'), 'replace/k.txt', BUCKET),
    ]) {
      writeFileSync(join(dir, 'f.txt'), 'new');
      await assert.rejects(attempt(), errorCode('UPDRAFT_ERR_S3_KEY_EXISTS', /S3 key "replace\/k.txt" already exists in bucket "hook-test-bucket"; nothing was written \(pass replace: true/));
    }
    assert.equal((await rawBytes(BUCKET, 'replace/k.txt')).toString(), 'original');
    assert.equal((await hook.headObject('replace/k.txt', BUCKET))?.etag, before?.etag);
    await hook.loadString('replaced', 'replace/k.txt', BUCKET, { replace: true });
    assert.equal((await rawBytes(BUCKET, 'replace/k.txt')).toString(), 'replaced');
  });

  test('encrypt, acl, encoding and gzip options', async () => {
    await hook.loadString('secret', 'opts/enc.txt', BUCKET, { encrypt: true, acl: 'private' });
    assert.equal(await hook.readKey('opts/enc.txt', BUCKET), 'secret');
    await hook.loadString('café', 'opts/latin1.txt', BUCKET, { encoding: 'latin1' });
    assert.deepEqual(await rawBytes(BUCKET, 'opts/latin1.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    const text = 'line\n'.repeat(1000) + '한국어';
    await hook.loadString(text, 'opts/text.gz', BUCKET, { compression: 'gzip' });
    const gz = await rawBytes(BUCKET, 'opts/text.gz');
    assert.ok(gz.length < Buffer.byteLength(text), 'stored compressed');
    assert.equal(gunzipSync(gz).toString('utf8'), text);
    writeFileSync(join(dir, 'plain.csv'), text);
    await hook.loadFile(join(dir, 'plain.csv'), 'opts/file.csv.gz', BUCKET, { gzip: true });
    assert.equal(gunzipSync(await rawBytes(BUCKET, 'opts/file.csv.gz')).toString('utf8'), text);
    await hook.loadFile(join(dir, 'plain.csv'), `s3://${BUCKET}/opts/file.csv`);
    assert.equal((await rawBytes(BUCKET, 'opts/file.csv')).toString('utf8'), text);
    await assert.rejects(hook.loadString('x', 'opts/x', BUCKET, { compression: 'zstd' as 'gzip' }), errorCode('UPDRAFT_ERR_INVALID_ARGUMENT', /compression "zstd" is not supported/));
    await assert.rejects(hook.loadFile(join(dir, 'nope.csv'), 'opts/x', BUCKET), errorCode('UPDRAFT_ERR_INVALID_ARGUMENT', /does not exist/));
  });

  test('loadStream uploads ~20 MB as a multipart upload from a stream (no temp file) with the right bytes', async () => {
    const client = await hook.getClient();
    const commands = commandLog(client);
    const hash = createHash('sha256');
    let total = 0;
    const source = Readable.from((function* () {
      for (let i = 0; i < 20; i++) {
        const chunk = Buffer.alloc(1024 * 1024 + 7, i);
        chunk.write(`chunk ${i} 한국어`, 0);
        hash.update(chunk);
        total += chunk.length;
        yield chunk;
      }
    })());
    const written = await hook.loadStream(source, 'big/stream.bin', BUCKET, { partSize: 5 * 1024 * 1024, queueSize: 2 });
    assert.equal(written.key, 'big/stream.bin');
    assert.equal(commands.filter((c) => c === 'CreateMultipartUploadCommand').length, 1, commands.join(','));
    assert.equal(commands.filter((c) => c === 'UploadPartCommand').length, 5, 'ceil(20 MiB / 5 MiB) parts');
    assert.equal(commands.filter((c) => c === 'CompleteMultipartUploadCommand').length, 1);
    const object = await raw.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'big/stream.bin' }));
    const check = createHash('sha256');
    let size = 0;
    for await (const chunk of object.Body as Readable) {
      check.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    assert.equal(size, total);
    assert.equal(check.digest('hex'), hash.digest('hex'), 'the raw client reads the bytes that were streamed');
    await assert.rejects(hook.loadStream(Readable.from([]), 'big/x', BUCKET, { partSize: 1024 }), errorCode('UPDRAFT_ERR_INVALID_ARGUMENT', /partSize 1024 is not allowed/));
  });

  test('listKeys pages through > 1000 keys; prefix, delimiter, startAfter, maxItems; deleteObjects batches by 1000', async () => {
    const bucket = 'hook-many-keys';
    await hook.createBucket(bucket);
    const keys = Array.from({ length: 1105 }, (_, i) => `many/${String(i).padStart(5, '0')}.txt`);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((key) => raw.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'x' }))));
    }
    await raw.send(new PutObjectCommand({ Bucket: bucket, Key: 'other/top.txt', Body: 'y' }));
    await raw.send(new PutObjectCommand({ Bucket: bucket, Key: 'other/sub/deep.txt', Body: 'z' }));
    const commands = commandLog(await hook.getClient());
    assert.deepEqual(await hook.listKeys(bucket, { prefix: 'many/', pageSize: 100 }), keys);
    assert.equal(commands.filter((c) => c === 'ListObjectsV2Command').length, 12, '1105 keys in pages of 100');
    assert.equal((await hook.listKeys(bucket)).length, 1107, 'default page size 1000: every page');
    assert.deepEqual(await hook.listKeys(bucket, { prefix: 'many/', maxItems: 3, pageSize: 2 }), keys.slice(0, 3));
    assert.deepEqual(await hook.listKeys(bucket, { prefix: 'many/', startAfter: keys[1100], pageSize: 2 }), keys.slice(1101));
    assert.deepEqual(await hook.listKeys(bucket, { prefix: 'other/', delimiter: '/' }), ['other/top.txt']);
    assert.deepEqual(await hook.listKeys(bucket, { prefix: 'nothing/' }), []);
    assert.deepEqual(await hook.listPrefixes(bucket, { delimiter: '/' }), ['many/', 'other/']);
    assert.equal(await hook.checkForPrefix('many', '/', bucket), true);
    assert.equal(await hook.checkForPrefix('other/sub/', '/', bucket), true);
    assert.equal(await hook.checkForPrefix('missing', '/', bucket), false);
    const metadata = await hook.getFileMetadata('other/', bucket);
    assert.deepEqual(metadata.map((m) => [m.key, m.size]), [['other/sub/deep.txt', 1], ['other/top.txt', 1]]);

    commands.length = 0;
    assert.equal(await hook.deleteObjects(bucket, keys), 1105);
    assert.equal(commands.filter((c) => c === 'DeleteObjectsCommand').length, 2, '1105 keys in batches of 1000');
    assert.deepEqual(await hook.listKeys(bucket, { prefix: 'many/' }), []);
    assert.equal(await hook.deleteObjects(bucket, 'other/top.txt'), 1);
    assert.deepEqual(await hook.listKeys(bucket), ['other/sub/deep.txt']);
    await assert.rejects(hook.listKeys(bucket, { pageSize: 0 }), errorCode('UPDRAFT_ERR_INVALID_ARGUMENT', /pageSize 0 is not allowed/));
  });

  test('wildcards: listKeys applyWildcard, getWildcardKey, checkForWildcardKey', async () => {
    for (const key of ['wild/2024-01-01/a.csv', 'wild/2024-01-02/b.csv', 'wild/2024-01-02/c.json', 'wild/x.csv']) {
      await hook.loadString(key, key, BUCKET);
    }
    assert.deepEqual(await hook.listKeys(BUCKET, { prefix: 'wild/2024-*/*.csv', applyWildcard: true }),
      ['wild/2024-01-01/a.csv', 'wild/2024-01-02/b.csv']);
    assert.deepEqual(await hook.listKeys(BUCKET, { prefix: 'wild/2024-01-0[2]/?.*', applyWildcard: true }),
      ['wild/2024-01-02/b.csv', 'wild/2024-01-02/c.json']);
    const found = await hook.getWildcardKey('wild/*.json', BUCKET);
    assert.equal(found?.key, 'wild/2024-01-02/c.json');
    assert.equal(found?.bucketName, BUCKET);
    assert.equal(await hook.checkForWildcardKey(`s3://${BUCKET}/wild/*/a.csv`), true);
    assert.equal(await hook.checkForWildcardKey('wild/*.parquet', BUCKET), false);
    assert.equal(await hook.getWildcardKey('wild/*.parquet', BUCKET), null);
  });

  test('date filters keep objects modified after fromDatetime and at or before toDatetime', async () => {
    await hook.loadString('1', 'dated/first', BUCKET);
    // LastModified has one-second resolution on s3rver: space the writes so they differ.
    await sleep(1100);
    await hook.loadString('2', 'dated/second', BUCKET);
    await sleep(1100);
    await hook.loadString('3', 'dated/third', BUCKET);
    const listed = await hook.getFileMetadata('dated/', BUCKET);
    const time = Object.fromEntries(listed.map((o) => [o.key, o.lastModified]));
    assert.ok(time['dated/first']! < time['dated/second']! && time['dated/second']! < time['dated/third']!);
    assert.deepEqual(await hook.listKeys(BUCKET, { prefix: 'dated/', fromDatetime: time['dated/first'] }), ['dated/second', 'dated/third']);
    assert.deepEqual(await hook.listKeys(BUCKET, { prefix: 'dated/', toDatetime: time['dated/second'] }), ['dated/first', 'dated/second']);
    assert.deepEqual(await hook.listKeys(BUCKET, { prefix: 'dated/', fromDatetime: time['dated/first'], toDatetime: time['dated/second'] }), ['dated/second']);
  });

  test('copyObject within and across buckets, with s3:// URLs, metadata directive and ACL', async () => {
    await hook.createBucket('hook-copy-dest');
    await hook.loadString('copy me 한국어', 'copy/src.txt', BUCKET);
    const copied = await hook.copyObject('copy/src.txt', 'copy/dst.txt', { srcBucket: BUCKET, dstBucket: BUCKET });
    assert.equal(copied.key, 'copy/dst.txt');
    await hook.copyObject(`s3://${BUCKET}/copy/src.txt`, 's3://hook-copy-dest/in/other bucket+name.txt', { acl: 'no-acl' });
    assert.equal((await rawBytes('hook-copy-dest', 'in/other bucket+name.txt')).toString('utf8'), 'copy me 한국어');
    await hook.copyObject('copy/src.txt', 'copy/meta.txt', {
      srcBucket: BUCKET, dstBucket: BUCKET, metadataDirective: 'REPLACE', metadata: { origin: 'test' }, contentType: 'text/plain',
    });
    const head = await hook.headObject('copy/meta.txt', BUCKET);
    assert.equal(head?.metadata.origin, 'test');
    assert.equal(head?.contentType, 'text/plain');
    await assert.rejects(hook.copyObject('copy/none.txt', 'copy/x.txt', { srcBucket: BUCKET, dstBucket: BUCKET }),
      errorCode('UPDRAFT_ERR_S3_NOT_FOUND', /key "copy\/none.txt" does not exist in bucket "hook-test-bucket"/));
    await assert.rejects(hook.copyObject('a', 'b', { srcBucket: BUCKET, dstBucket: BUCKET, kmsKeyId: 'k' }),
      errorCode('UPDRAFT_ERR_INVALID_ARGUMENT', /kmsKeyId and kmsEncryptionType together/));
  });

  test('downloadFile: temp file, preserveFileName (in a new sub-directory), existing file refused', async () => {
    await hook.loadString('download me', 'dl/report.csv', BUCKET);
    const temp = await hook.downloadFile('dl/report.csv', BUCKET, { localPath: dir });
    assert.equal(dirname(temp), dir);
    assert.match(basename(temp), /^updraft_tmp_/);
    assert.equal(readFileSync(temp, 'utf8'), 'download me');
    const kept = await hook.downloadFile(`s3://${BUCKET}/dl/report.csv`, undefined, { localPath: dir, preserveFileName: true });
    assert.equal(basename(kept), 'report.csv');
    assert.match(basename(dirname(kept)), /^updraft_tmp_dir_[0-9a-f]{8}$/);
    const flat = await hook.downloadFile('dl/report.csv', BUCKET, { localPath: dir, preserveFileName: true, useAutogeneratedSubdir: false });
    assert.equal(flat, join(dir, 'report.csv'));
    await assert.rejects(hook.downloadFile('dl/report.csv', BUCKET, { localPath: dir, preserveFileName: true, useAutogeneratedSubdir: false }),
      errorCode('UPDRAFT_ERR_INVALID_ARGUMENT', /already exists/));
    await assert.rejects(hook.downloadFile('dl/none.csv', BUCKET, { localPath: join(dir, 'none') }), errorCode('UPDRAFT_ERR_S3_NOT_FOUND'));
    assert.equal(existsSync(join(dir, 'none')), false, 'nothing is created for a missing key');
  });

  test('a missing bucket or key is UPDRAFT_ERR_S3_NOT_FOUND naming them, never an empty success', async () => {
    await assert.rejects(hook.getKey('nope/key.txt', BUCKET),
      errorCode('UPDRAFT_ERR_S3_NOT_FOUND', /S3 key "nope\/key.txt" does not exist in bucket "hook-test-bucket" \(GetObject\)/));
    await assert.rejects(hook.readKey('s3://no-such-bucket-x/some/key'),
      errorCode('UPDRAFT_ERR_S3_NOT_FOUND', /S3 bucket "no-such-bucket-x" does not exist \(GetObject of key "some\/key"\)/));
    await assert.rejects(hook.listKeys('no-such-bucket-x'), errorCode('UPDRAFT_ERR_S3_NOT_FOUND', /bucket "no-such-bucket-x" does not exist/));
    await assert.rejects(hook.listPrefixes('no-such-bucket-x'), errorCode('UPDRAFT_ERR_S3_NOT_FOUND'));
    await assert.rejects(hook.loadString('x', 's3://no-such-bucket-x/k'), errorCode('UPDRAFT_ERR_S3_NOT_FOUND', /no-such-bucket-x/));
    await assert.rejects(hook.deleteObjects('no-such-bucket-x', ['a']), errorCode('UPDRAFT_ERR_S3_NOT_FOUND'));
    assert.equal(await hook.headObject('s3://no-such-bucket-x/k'), null, 'headObject: null on 404, as Airflow');
    try {
      await hook.getKey('nope/key.txt', BUCKET);
    } catch (error) {
      assert.ok(isUpdraftError(error));
      assert.deepEqual({ bucket: error.details.bucket, key: error.details.key, s3Code: error.details.s3Code },
        { bucket: BUCKET, key: 'nope/key.txt', s3Code: 'NoSuchKey' });
      assert.ok(error.cause instanceof Error, 'the SDK error is the cause');
    }
  });

  test('other S3 errors are UPDRAFT_ERR_S3 with the S3 code; the bucket falls back to the connection extra', async () => {
    const wrong = new S3Hook({ connection: { connId: 'bad', login: 'NOT-A-KNOWN-KEY', password: 'wrong-secret', extra: { endpoint_url: s3.endpoint } } });
    try {
      await assert.rejects(wrong.listKeys(BUCKET), errorCode('UPDRAFT_ERR_S3', /S3 ListObjectsV2 on bucket "hook-test-bucket" failed: InvalidAccessKeyId, HTTP 403/));
      await assert.rejects(wrong.readKey('k', BUCKET), errorCode('UPDRAFT_ERR_S3', /GetObject on s3:\/\/hook-test-bucket\/k failed: InvalidAccessKeyId/));
    } finally {
      wrong.close();
    }
    const withDefault = new S3Hook({ connection: { connId: 'dflt', login: S3_ACCESS_KEY, password: S3_SECRET_KEY, extra: { endpoint_url: s3.endpoint, service_config: { s3: { bucket_name: BUCKET } } } } });
    const bare = new S3Hook({ connection: { connId: 'bare', login: S3_ACCESS_KEY, password: S3_SECRET_KEY, extra: JSON.stringify({ endpoint_url: s3.endpoint }) } });
    try {
      await withDefault.loadString('via default bucket', 'default/k.txt');
      assert.equal((await rawBytes(BUCKET, 'default/k.txt')).toString(), 'via default bucket');
      assert.ok((await withDefault.listKeys(undefined, { prefix: 'default/' })).includes('default/k.txt'));
      await assert.rejects(bare.readKey('default/k.txt'), errorCode('UPDRAFT_ERR_INVALID_ARGUMENT', /no S3 bucket given: pass bucketName, a full s3:\/\/bucket\/key URL, or set extra bucket_name .* on connection "aws_default"/));
      assert.equal(await bare.readKey(`s3://${BUCKET}/default/k.txt`), 'via default bucket');
    } finally {
      withDefault.close();
      bare.close();
    }
    assert.deepEqual(S3Hook.parseS3Url('s3a://bkt/path/to/key'), { bucket: 'bkt', key: 'path/to/key' });
  });
});
