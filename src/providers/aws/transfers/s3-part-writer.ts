import { once } from 'node:events';
import { PassThrough, type Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { S3Client } from '@aws-sdk/client-s3';
import { uploadBody } from '../s3-upload.js';

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
  readonly #body: PassThrough;
  readonly #done: Promise<unknown>;

  constructor(options: PartUploadOptions) {
    this.key = options.key;
    this.#body = new PassThrough({ highWaterMark: 1 << 20 });
    this.#input = options.gzip ? createGzip({ level: 6 }) : this.#body;
    if (options.gzip) this.#input.pipe(this.#body);
    // The hook's upload path: one PUT for a small file, else parts; failures mapped to S3 error codes.
    this.#done = uploadBody(options.client, {
      bucket: options.bucket, key: options.key, body: this.#body,
      options: { replace: true, contentType: options.contentType },
      transfer: { partSize: options.partSize, queueSize: options.queueSize },
    });
    // Keep a rejection observed until close() awaits it (write() races against it).
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

  /** Abandons the upload: the body ends in an error, so the upload fails and discards its parts. */
  async abort(): Promise<void> {
    this.#body.destroy(new Error('the export was abandoned'));
    if (this.#input !== this.#body) this.#input.destroy();
    await this.#done.catch(() => undefined);
  }
}
