import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { UpdraftError } from '../../common/errors.js';
import type { RemoteLogStore } from '../../logs/remote-log-store.js';
import { createS3Client, parseS3Url, type AwsConnectionFields } from './s3-client.js';
import { isS3NotFound, s3ErrorCode, s3HttpStatus } from './s3-errors.js';

/**
 * Task logs in S3 ([logging] remote_base_log_folder = s3://bucket/prefix): each attempt's log is one
 * object at <prefix>/<the local relative path>, uploaded whole (see RemoteLogShipper) and read with
 * ranged GETs, so `tasks logs --follow` fetches only the new bytes.
 */
export class S3RemoteLogStore implements RemoteLogStore {
  readonly bucket: string;
  readonly prefix: string;
  readonly #client: S3Client;

  constructor(baseFolder: string, connection: AwsConnectionFields) {
    if (!/^s3[an]?:\/\//i.test(baseFolder)) {
      throw new UpdraftError('UPDRAFT_ERR_CONFIG',
        `[logging] remote_base_log_folder ${JSON.stringify(baseFolder)} is not an S3 URL; remote logging supports s3://bucket/prefix`);
    }
    const { bucket, key } = parseS3Url(baseFolder);
    this.bucket = bucket;
    this.prefix = key.replace(/\/+$/, '');
    this.#client = createS3Client(connection, { maxAttempts: 2 });
  }

  #key(relativePath: string): string {
    return this.prefix === '' ? relativePath : `${this.prefix}/${relativePath}`;
  }

  describe(relativePath: string): string {
    return `s3://${this.bucket}/${this.#key(relativePath)}`;
  }

  async put(relativePath: string, body: Buffer): Promise<void> {
    try {
      await this.#client.send(new PutObjectCommand({
        Bucket: this.bucket, Key: this.#key(relativePath), Body: body, ContentType: 'text/plain; charset=utf-8',
      }));
    } catch (error) {
      throw remoteError(error, `upload ${this.describe(relativePath)}`);
    }
  }

  async read(relativePath: string, offset: number): Promise<Buffer | null> {
    try {
      const result = await this.#client.send(new GetObjectCommand({
        Bucket: this.bucket, Key: this.#key(relativePath), ...(offset > 0 ? { Range: `bytes=${offset}-` } : {}),
      }));
      const bytes = await result.Body?.transformToByteArray();
      return bytes === undefined ? Buffer.alloc(0) : Buffer.from(bytes);
    } catch (error) {
      if (isS3NotFound(error)) return null;
      // Nothing past the end yet: the object has not grown since the last read.
      if (s3HttpStatus(error) === 416 || s3ErrorCode(error) === 'InvalidRange') return Buffer.alloc(0);
      throw remoteError(error, `read ${this.describe(relativePath)}`);
    }
  }

  close(): void {
    this.#client.destroy();
  }
}

function remoteError(error: unknown, what: string): UpdraftError {
  const code = s3ErrorCode(error);
  const status = s3HttpStatus(error);
  const message = error instanceof Error && error.message !== code ? `: ${error.message}` : '';
  return new UpdraftError('UPDRAFT_ERR_REMOTE_LOG', `could not ${what}: ${code}${status === undefined ? '' : ` (HTTP ${status})`}${message}`, { cause: error });
}
