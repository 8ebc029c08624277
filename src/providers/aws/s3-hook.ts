import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { gzipSync, createGzip } from 'node:zlib';
import {
  CopyObjectCommand, CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, GetObjectCommand,
  HeadBucketCommand, HeadObjectCommand, type BucketLocationConstraint, type CopyObjectCommandInput, type S3Client,
} from '@aws-sdk/client-s3';
import { UpdraftError } from '../../common/errors.js';
import { getConnection, onTaskEnd } from '../../sdk/context.js';
import { fnmatchToRegExp, wildcardPrefix } from './fnmatch.js';
import {
  createS3Client, defaultBucketOf, isS3Url, parseS3Url, resolveAwsConfig, type AwsConnectionFields, type S3Location,
} from './s3-client.js';
import { isS3NotFound, s3Call, s3ErrorCode, s3HttpStatus, toS3Error } from './s3-errors.js';
import { downloadToFile } from './s3-download.js';
import { checkListOptions, listObjects, listPages } from './s3-listing.js';
import { keyExistsError, resolveTransferConfig, uploadBody } from './s3-upload.js';
import type {
  CopyObjectOptions, DeleteBucketOptions, DownloadFileOptions, ListKeysOptions, ListPrefixesOptions, LoadFileOptions,
  LoadOptions, LoadStreamOptions, LoadStringOptions, S3HeadInfo, S3HookOptions, S3KeyObject, S3ObjectInfo,
  S3TransferConfig, S3WriteResult,
} from './s3-types.js';

const DELETE_BATCH = 1000;

/**
 * Airflow's S3Hook on @aws-sdk/client-s3. Wherever a key and a bucket are asked for, the key may
 * be a full `s3://bucket/key` URL instead (then leave the bucket out); without either, the bucket
 * named by the connection's extra (service_config.s3.bucket_name, bucket_name) is used. The client
 * is created on first use and destroyed when the task ends (outside a task, call close()).
 */
export class S3Hook {
  readonly awsConnId: string;
  readonly transferConfig: Required<S3TransferConfig>;
  private readonly givenConnection: AwsConnectionFields | undefined;
  private connection: AwsConnectionFields | undefined;
  private client: S3Client | undefined;

  constructor(options: S3HookOptions = {}) {
    this.awsConnId = options.awsConnId ?? 'aws_default';
    this.givenConnection = options.connection;
    this.transferConfig = resolveTransferConfig(options.transferConfig, 'S3Hook transferConfig');
  }

  /** Splits `s3://bucket/key` (also s3a://, s3n://, https:// S3 URLs) into bucket and key. */
  static parseS3Url(url: string): S3Location {
    return parseS3Url(url);
  }

  parseS3Url(url: string): S3Location {
    return parseS3Url(url);
  }

  /** The aws connection (looked up in the running task unless given to the constructor). */
  async getConnection(): Promise<AwsConnectionFields> {
    this.connection ??= this.givenConnection ?? await getConnection(this.awsConnId);
    return this.connection;
  }

  /** The S3 client (Airflow's get_conn), created on first use. */
  async getClient(): Promise<S3Client> {
    if (this.client !== undefined) return this.client;
    const client = createS3Client(await this.getConnection());
    this.client = client;
    onTaskEnd(() => this.close());
    return client;
  }

  /** Destroys the client (its sockets). The hook can be used again: it then makes a new one. */
  close(): void {
    this.client?.destroy();
    this.client = undefined;
  }

  /** The bucket to use: the one given, else the connection's default, else an error. */
  async resolveBucket(bucketName: string | undefined, what = 'bucketName'): Promise<string> {
    if (bucketName !== undefined && bucketName !== null && bucketName !== '') {
      if (isS3Url(bucketName)) return parseS3Url(bucketName).bucket;
      return bucketName;
    }
    const fallback = defaultBucketOf(await this.getConnection());
    if (fallback !== undefined) return fallback;
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT',
      `no S3 bucket given: pass ${what}, a full s3://bucket/key URL, or set extra bucket_name (or service_config.s3.bucket_name) on connection ${JSON.stringify(this.awsConnId)}`);
  }

  /** Bucket and key of a key that may be a full S3 URL (Airflow's get_s3_bucket_key). */
  async resolveKey(key: string, bucketName?: string): Promise<S3Location> {
    if (typeof key !== 'string' || key === '') {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `S3 key ${JSON.stringify(key)} is not allowed; it must be a non-empty string (a key, or s3://bucket/key)`);
    }
    if (isS3Url(key)) {
      const location = parseS3Url(key);
      if (bucketName && bucketName !== location.bucket) {
        throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT',
          `S3 key ${JSON.stringify(key)} is a full URL of bucket ${JSON.stringify(location.bucket)} but bucket ${JSON.stringify(bucketName)} was given too; give a bare key with the bucket, or the URL alone`);
      }
      return location;
    }
    return { bucket: await this.resolveBucket(bucketName), key };
  }

  /** True when the bucket exists and is reachable (404 and 403 give false, as in Airflow). */
  async checkForBucket(bucketName?: string): Promise<boolean> {
    const bucket = await this.resolveBucket(bucketName);
    const client = await this.getClient();
    try {
      await client.send(new HeadBucketCommand({ Bucket: bucket }));
      return true;
    } catch (error) {
      const status = s3HttpStatus(error);
      if (status === 404 || status === 403 || isS3NotFound(error)) return false;
      throw toS3Error(error, { operation: 'HeadBucket', bucket });
    }
  }

  /** Creates a bucket in regionName (default: the connection's region). */
  async createBucket(bucketName?: string, regionName?: string): Promise<void> {
    const bucket = await this.resolveBucket(bucketName);
    const region = regionName ?? resolveAwsConfig(await this.getConnection()).region;
    const client = await this.getClient();
    await s3Call({ operation: 'CreateBucket', bucket }, () => client.send(new CreateBucketCommand({
      Bucket: bucket,
      // us-east-1 is the default location and S3 rejects it as an explicit constraint.
      ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
    })));
  }

  /** Deletes a bucket; with forceDelete its objects first. */
  async deleteBucket(bucketName: string, options: DeleteBucketOptions = {}): Promise<void> {
    const bucket = await this.resolveBucket(bucketName);
    const client = await this.getClient();
    const attempts = Math.max(1, options.maxRetries ?? 5);
    for (let attempt = 1; ; attempt++) {
      if (options.forceDelete === true) {
        const keys = await this.listKeys(bucket);
        if (keys.length > 0) await this.deleteObjects(bucket, keys);
      }
      try {
        await client.send(new DeleteBucketCommand({ Bucket: bucket }));
        return;
      } catch (error) {
        // Objects written while we deleted: list and delete again.
        if (options.forceDelete === true && s3ErrorCode(error) === 'BucketNotEmpty' && attempt < attempts) continue;
        throw toS3Error(error, { operation: 'DeleteBucket', bucket });
      }
    }
  }

  /** Keys of a bucket, every page; [] when none match. A missing bucket is UPDRAFT_ERR_S3_NOT_FOUND. */
  async listKeys(bucketName?: string, options: ListKeysOptions = {}): Promise<string[]> {
    return (await this.getFileMetadata(options.prefix ?? '', bucketName, options)).map((o) => o.key);
  }

  /** Listed objects with size, lastModified and etag (Airflow's get_file_metadata); same options as listKeys. */
  async getFileMetadata(prefix: string, bucketName?: string, options: Omit<ListKeysOptions, 'prefix'> = {}): Promise<S3ObjectInfo[]> {
    const bucket = await this.resolveBucket(bucketName);
    return listObjects(await this.getClient(), bucket, { ...options, prefix });
  }

  /** Common prefixes ("folders") directly under prefix, split by delimiter (default '/'). */
  async listPrefixes(bucketName?: string, options: ListPrefixesOptions = {}): Promise<string[]> {
    checkListOptions(options);
    const bucket = await this.resolveBucket(bucketName);
    const out: string[] = [];
    const pages = listPages(await this.getClient(), {
      bucket, prefix: options.prefix ?? '', delimiter: options.delimiter ?? '/', pageSize: options.pageSize,
    });
    for await (const page of pages) {
      for (const common of page.CommonPrefixes ?? []) {
        if (common.Prefix === undefined) continue;
        out.push(common.Prefix);
        if (options.maxItems !== undefined && out.length >= options.maxItems) return out;
      }
    }
    return out;
  }

  /** True when some key lies under `prefix` + delimiter (the "folder" exists). */
  async checkForPrefix(prefix: string, delimiter = '/', bucketName?: string): Promise<boolean> {
    const bucket = await this.resolveBucket(bucketName);
    const folder = prefix === '' || prefix.endsWith(delimiter) ? prefix : prefix + delimiter;
    const objects = await listObjects(await this.getClient(), bucket, { prefix: folder, pageSize: 1, maxItems: 1 });
    return objects.length > 0;
  }

  /** The object's metadata, or null when the key (or its bucket) does not exist (HTTP 404). */
  async headObject(key: string, bucketName?: string): Promise<S3HeadInfo | null> {
    const location = await this.resolveKey(key, bucketName);
    const client = await this.getClient();
    try {
      const head = await client.send(new HeadObjectCommand({ Bucket: location.bucket, Key: location.key }));
      return {
        bucketName: location.bucket, key: location.key, size: head.ContentLength ?? 0, lastModified: head.LastModified,
        etag: head.ETag, contentType: head.ContentType, contentEncoding: head.ContentEncoding, metadata: head.Metadata ?? {},
        versionId: head.VersionId, serverSideEncryption: head.ServerSideEncryption,
      };
    } catch (error) {
      if (isS3NotFound(error)) return null;
      throw toS3Error(error, { operation: 'HeadObject', ...location });
    }
  }

  async checkForKey(key: string, bucketName?: string): Promise<boolean> {
    return (await this.headObject(key, bucketName)) !== null;
  }

  /** The object with its content as a stream; missing bucket or key → UPDRAFT_ERR_S3_NOT_FOUND. */
  async getKey(key: string, bucketName?: string): Promise<S3KeyObject> {
    const location = await this.resolveKey(key, bucketName);
    const client = await this.getClient();
    const object = await s3Call({ operation: 'GetObject', ...location },
      () => client.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key })));
    return {
      bucketName: location.bucket, key: location.key, size: object.ContentLength ?? 0, lastModified: object.LastModified,
      metadata: object.Metadata ?? {}, contentType: object.ContentType, etag: object.ETag,
      body: object.Body instanceof Readable ? object.Body : Readable.from([]),
    };
  }

  /** The object's content as text (default UTF-8). */
  async readKey(key: string, bucketName?: string, encoding: BufferEncoding = 'utf8'): Promise<string> {
    return (await this.readBytes(key, bucketName)).toString(encoding);
  }

  /** The object's content as bytes. */
  async readBytes(key: string, bucketName?: string): Promise<Buffer> {
    const object = await this.getKey(key, bucketName);
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of object.body) chunks.push(chunk as Buffer);
    } catch (error) {
      throw toS3Error(error, { operation: 'GetObject', bucket: object.bucketName, key: object.key });
    }
    return Buffer.concat(chunks);
  }

  /** First object whose key matches the fnmatch pattern (`*`, `?`, `[…]`), or null. */
  async getWildcardKey(wildcardKey: string, bucketName?: string, delimiter = ''): Promise<S3ObjectInfo | null> {
    const location = await this.resolveKey(wildcardKey, bucketName);
    const pattern = fnmatchToRegExp(location.key);
    const objects = await listObjects(await this.getClient(), location.bucket, { prefix: wildcardPrefix(location.key), delimiter });
    return objects.find((o) => pattern.test(o.key)) ?? null;
  }

  async checkForWildcardKey(wildcardKey: string, bucketName?: string, delimiter = ''): Promise<boolean> {
    return (await this.getWildcardKey(wildcardKey, bucketName, delimiter)) !== null;
  }

  /** Uploads a local file (streamed; gzip compresses on the fly). */
  // eslint-disable-next-line max-params -- Airflow's order: data, key, bucket, then the options object
  async loadFile(filename: string, key: string, bucketName?: string, options: LoadFileOptions = {}): Promise<S3WriteResult> {
    const info = await stat(filename).catch(() => null);
    if (info === null || !info.isFile()) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `file ${JSON.stringify(filename)} to upload does not exist or is not a regular file`);
    }
    const location = await this.resolveKey(key, bucketName);
    await this.ensureWritable(location, options);
    const source = createReadStream(filename);
    const body = options.gzip === true ? source.pipe(createGzip()) : source;
    if (options.gzip === true) source.once('error', (error) => body.destroy(error));
    try {
      return await uploadBody(await this.getClient(), { ...location, body, options, transfer: this.transferConfig });
    } finally {
      source.destroy();
    }
  }

  /** Uploads text, encoded with `encoding` (default UTF-8), optionally gzipped. */
  // eslint-disable-next-line max-params -- Airflow's order: data, key, bucket, then the options object
  async loadString(data: string, key: string, bucketName?: string, options: LoadStringOptions = {}): Promise<S3WriteResult> {
    if (typeof data !== 'string') {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `loadString needs a string; got ${typeof data} (use loadBytes for a Buffer)`);
    }
    if (options.compression !== undefined && options.compression !== 'gzip') {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `compression ${JSON.stringify(options.compression)} is not supported; use 'gzip' or leave it out`);
    }
    const encoding = options.encoding === undefined || options.encoding === 'utf-8' ? 'utf8' : options.encoding;
    if (!Buffer.isEncoding(encoding)) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `encoding ${JSON.stringify(options.encoding)} is not supported; use utf-8, latin1, ascii, utf16le, base64 or hex`);
    }
    const bytes = Buffer.from(data, encoding);
    return this.loadBytes(options.compression === 'gzip' ? gzipSync(bytes) : bytes, key, bucketName, options);
  }

  /** Uploads bytes. */
  // eslint-disable-next-line max-params -- Airflow's order: data, key, bucket, then the options object
  async loadBytes(data: Uint8Array, key: string, bucketName?: string, options: LoadOptions = {}): Promise<S3WriteResult> {
    if (!(data instanceof Uint8Array)) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `loadBytes needs a Buffer or Uint8Array; got ${typeof data}`);
    }
    const location = await this.resolveKey(key, bucketName);
    await this.ensureWritable(location, options);
    const body = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    return uploadBody(await this.getClient(), { ...location, body, options, transfer: this.transferConfig });
  }

  /** Uploads a stream without buffering it whole: multipart (partSize, queueSize) when it is large. */
  // eslint-disable-next-line max-params -- Airflow's order: data, key, bucket, then the options object
  async loadStream(stream: Readable, key: string, bucketName?: string, options: LoadStreamOptions = {}): Promise<S3WriteResult> {
    const location = await this.resolveKey(key, bucketName);
    const transfer = resolveTransferConfig({ ...this.transferConfig, ...definedOnly(options) }, 'loadStream');
    await this.ensureWritable(location, options);
    return uploadBody(await this.getClient(), { ...location, body: stream, options, transfer });
  }

  /** Copies an object (keys may be full s3:// URLs, then leave their bucket out). */
  async copyObject(srcKey: string, dstKey: string, options: CopyObjectOptions = {}): Promise<S3WriteResult> {
    const source = await this.resolveKey(srcKey, options.srcBucket);
    const dest = await this.resolveKey(dstKey, options.dstBucket);
    if ((options.kmsKeyId === undefined) !== (options.kmsEncryptionType === undefined)) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', 'copyObject needs kmsKeyId and kmsEncryptionType together (or neither)');
    }
    const acl = options.acl ?? 'private';
    const encodedKey = source.key.split('/').map(encodeURIComponent).join('/');
    const input: CopyObjectCommandInput = {
      Bucket: dest.bucket, Key: dest.key,
      CopySource: `${encodeURIComponent(source.bucket)}/${encodedKey}${options.sourceVersionId ? `?versionId=${encodeURIComponent(options.sourceVersionId)}` : ''}`,
    };
    if (acl !== 'no-acl') input.ACL = acl as CopyObjectCommandInput['ACL'];
    if (options.metadataDirective !== undefined) input.MetadataDirective = options.metadataDirective;
    if (options.metadata !== undefined) input.Metadata = options.metadata;
    if (options.contentType !== undefined) input.ContentType = options.contentType;
    if (options.kmsKeyId !== undefined) {
      input.SSEKMSKeyId = options.kmsKeyId;
      input.ServerSideEncryption = options.kmsEncryptionType;
    }
    const client = await this.getClient();
    try {
      const result = await client.send(new CopyObjectCommand(input));
      return { bucketName: dest.bucket, key: dest.key, etag: result.CopyObjectResult?.ETag, versionId: result.VersionId };
    } catch (error) {
      // The source is what is usually missing: name it.
      const missingSource = isS3NotFound(error) && s3ErrorCode(error) !== 'NoSuchBucket';
      throw toS3Error(error, { operation: 'CopyObject', ...(missingSource ? source : dest) });
    }
  }

  /** Deletes keys, 1000 per request. Keys S3 could not delete → UPDRAFT_ERR_S3 listing them. */
  async deleteObjects(bucketName: string | undefined, keys: string | readonly string[]): Promise<number> {
    const bucket = await this.resolveBucket(bucketName);
    const list = typeof keys === 'string' ? [keys] : [...keys];
    const client = await this.getClient();
    const failed: { key: string; code: string; message: string }[] = [];
    for (let i = 0; i < list.length; i += DELETE_BATCH) {
      const batch = list.slice(i, i + DELETE_BATCH);
      const result = await s3Call({ operation: 'DeleteObjects', bucket }, () => client.send(new DeleteObjectsCommand({
        Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
      })));
      for (const error of result.Errors ?? []) {
        failed.push({ key: error.Key ?? '?', code: error.Code ?? 'Unknown', message: error.Message ?? '' });
      }
    }
    if (failed.length > 0) {
      const shown = failed.slice(0, 20).map((f) => `${JSON.stringify(f.key)} (${f.code}${f.message ? `: ${f.message}` : ''})`).join(', ');
      throw new UpdraftError('UPDRAFT_ERR_S3',
        `S3 DeleteObjects in bucket ${JSON.stringify(bucket)} could not delete ${failed.length} of ${list.length} keys: ${shown}${failed.length > 20 ? ', …' : ''}`,
        { details: { bucket, failed } });
    }
    return list.length;
  }

  /** Downloads an object to a local file and returns its path. */
  async downloadFile(key: string, bucketName?: string, options: DownloadFileOptions = {}): Promise<string> {
    return downloadToFile(await this.getKey(key, bucketName), options);
  }

  private async ensureWritable(location: S3Location, options: LoadOptions): Promise<void> {
    if (options.replace === true) return;
    if (await this.checkForKey(location.key, location.bucket)) throw keyExistsError(location.bucket, location.key);
  }
}

function definedOnly(options: S3TransferConfig): S3TransferConfig {
  const out: S3TransferConfig = {};
  if (options.partSize !== undefined) out.partSize = options.partSize;
  if (options.queueSize !== undefined) out.queueSize = options.queueSize;
  return out;
}
