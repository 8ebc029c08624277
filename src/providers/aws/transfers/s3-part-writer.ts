import { once } from 'node:events';
import { PassThrough, type Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { DeleteObjectsCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { UpdraftError } from '../../../common/errors.js';

/**
 * One file of an export being streamed to S3: bytes written here go through gzip (optionally) into
 * a multipart upload, with backpressure, and never touch the disk. Memory is bounded by the
 * upload's part size × queue size.
 */
export interface PartUploadOptions {
  client: S3Client;
  bucket: string;
  key: string;
  contentType: string;
  gzip: boolean;
  /** Multipart part size in bytes (S3's minimum is 5 MiB). */
  partSize: number;
  queueSize: number;
}

export class S3PartWriter {
  /** Uncompressed bytes written so far. */
  bytes = 0;
  rows = 0;
  readonly key: string;
  readonly #input: Writable;
  readonly #upload: Upload;
  readonly #done: Promise<unknown>;

  constructor(options: PartUploadOptions) {
    this.key = options.key;
    const body = new PassThrough({ highWaterMark: 1 << 20 });
    this.#input = options.gzip ? createGzip({ level: 6 }) : body;
    if (options.gzip) this.#input.pipe(body);
    this.#upload = new Upload({
      client: options.client,
      params: { Bucket: options.bucket, Key: options.key, Body: body, ContentType: options.contentType },
      partSize: options.partSize,
      queueSize: options.queueSize,
      leavePartsOnError: false,
    });
    this.#done = this.#upload.done();
    // Keep a rejection observed until close() awaits it (write() checks it through #failed).
    this.#done.catch(() => undefined);
  }

  async write(chunk: string | Uint8Array): Promise<void> {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    this.bytes += buffer.length;
    if (!this.#input.write(buffer)) {
      await Promise.race([once(this.#input, 'drain'), this.#done.then(() => undefined)]);
    }
  }

  /** Ends the file and waits until S3 has it. */
  async close(): Promise<void> {
    this.#input.end();
    await this.#done;
  }

  /** Abandons the upload (its parts are discarded). */
  async abort(): Promise<void> {
    try {
      await this.#upload.abort();
    } catch {
      // already finished or failed: nothing to clean
    }
    this.#input.destroy();
  }
}

export async function keyExists(client: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404) return false;
    throw s3Error(error, `check s3://${bucket}/${key}`);
  }
}

/** Every key under a prefix (all pages). */
export async function listKeys(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    let page;
    try {
      page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    } catch (error) {
      throw s3Error(error, `list s3://${bucket}/${prefix}`);
    }
    for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return keys;
}

export async function deleteKeys(client: S3Client, bucket: string, keys: readonly string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 1000) {
    const chunk = keys.slice(i, i + 1000);
    let result;
    try {
      result = await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true } }));
    } catch (error) {
      throw s3Error(error, `delete ${chunk.length} keys in s3://${bucket}`);
    }
    if ((result.Errors ?? []).length > 0) {
      throw new UpdraftError('UPDRAFT_ERR_S3', `S3 refused to delete ${(result.Errors ?? []).map((e) => `${e.Key} (${e.Code})`).join(', ')} in bucket ${bucket}`);
    }
  }
}

export function s3Error(error: unknown, what: string): UpdraftError {
  const e = error as { name?: string; Code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const code = e.Code ?? e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const notFound = status === 404 || code === 'NoSuchBucket' || code === 'NoSuchKey' || code === 'NotFound';
  return new UpdraftError(notFound ? 'UPDRAFT_ERR_S3_NOT_FOUND' : 'UPDRAFT_ERR_S3',
    `could not ${what}: ${code}${status === undefined ? '' : ` (HTTP ${status})`}${e.message !== undefined && e.message !== code ? `: ${e.message}` : ''}`,
    { cause: error });
}
