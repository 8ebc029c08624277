import { once } from 'node:events';
import { PassThrough, type Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { toS3Error } from '../s3-errors.js';

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
  readonly #bucket: string;
  readonly #input: Writable;
  readonly #upload: Upload;
  readonly #done: Promise<unknown>;

  constructor(options: PartUploadOptions) {
    this.key = options.key;
    this.#bucket = options.bucket;
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
    try {
      await this.#done;
    } catch (error) {
      throw toS3Error(error, { operation: 'Upload', bucket: this.#bucket, key: this.key });
    }
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
