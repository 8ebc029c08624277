import type { Readable } from 'node:stream';
import type { PutObjectCommandInput, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { UpdraftError } from '../../common/errors.js';
import { isS3PreconditionFailed, toS3Error } from './s3-errors.js';
import type { LoadOptions, S3TransferConfig, S3WriteResult } from './s3-types.js';

export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
export const DEFAULT_QUEUE_SIZE = 4;
const MIN_PART_SIZE = 5 * 1024 * 1024;

export function resolveTransferConfig(config: S3TransferConfig | undefined, what: string): Required<S3TransferConfig> {
  const partSize = config?.partSize ?? DEFAULT_PART_SIZE;
  const queueSize = config?.queueSize ?? DEFAULT_QUEUE_SIZE;
  if (!Number.isInteger(partSize) || partSize < MIN_PART_SIZE) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `${what} partSize ${JSON.stringify(partSize)} is not allowed; it must be an integer of at least ${MIN_PART_SIZE} bytes (5 MiB, S3's minimum part size)`);
  }
  if (!Number.isInteger(queueSize) || queueSize < 1) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `${what} queueSize ${JSON.stringify(queueSize)} is not allowed; it must be an integer ≥ 1`);
  }
  return { partSize, queueSize };
}

export interface UploadRequest {
  bucket: string;
  key: string;
  body: Buffer | Readable;
  options: LoadOptions;
  transfer: Required<S3TransferConfig>;
}

export function keyExistsError(bucket: string, key: string, cause?: unknown): UpdraftError {
  return new UpdraftError('UPDRAFT_ERR_S3_KEY_EXISTS',
    `S3 key ${JSON.stringify(key)} already exists in bucket ${JSON.stringify(bucket)}; nothing was written (pass replace: true to overwrite it)`,
    { details: { bucket, key }, ...(cause === undefined ? {} : { cause }) });
}

/**
 * Uploads a body: one PutObject when it fits in one part, else a multipart upload of partSize
 * parts, queueSize at a time (lib-storage's Upload decides; a stream is read part by part, never
 * buffered whole). Without replace the write is conditional (If-None-Match: *), so on servers that
 * honour it a key created since the caller's existence check is not overwritten.
 */
export async function uploadBody(client: S3Client, request: UploadRequest): Promise<S3WriteResult> {
  const { bucket, key, body, options, transfer } = request;
  const params: PutObjectCommandInput = { Bucket: bucket, Key: key, Body: body };
  if (options.replace !== true) params.IfNoneMatch = '*';
  if (options.encrypt === true) params.ServerSideEncryption = 'AES256';
  if (options.acl !== undefined) params.ACL = options.acl as PutObjectCommandInput['ACL'];
  if (options.contentType !== undefined) params.ContentType = options.contentType;
  const upload = new Upload({
    client, params, partSize: transfer.partSize, queueSize: transfer.queueSize, leavePartsOnError: false,
  });
  try {
    const result = await upload.done();
    return { bucketName: bucket, key, etag: result.ETag, versionId: result.VersionId };
  } catch (error) {
    if (options.replace !== true && isS3PreconditionFailed(error)) throw keyExistsError(bucket, key, error);
    throw toS3Error(error, { operation: 'PutObject', bucket, key });
  }
}
