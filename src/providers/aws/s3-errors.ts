import { UpdraftError, isUpdraftError } from '../../common/errors.js';

/** What an S3 request was about, for error messages. */
export interface S3Target {
  /** The S3 operation, e.g. 'GetObject'. */
  operation: string;
  bucket?: string | undefined;
  key?: string | undefined;
}

interface SdkErrorShape {
  name?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** The S3 error code of an SDK error ('NoSuchKey', 'AccessDenied', 'NotFound', …). */
export function s3ErrorCode(error: unknown): string {
  const shape = (error ?? {}) as SdkErrorShape;
  return shape.Code ?? shape.name ?? 'Unknown';
}

/** The HTTP status of an SDK error, when the server answered. */
export function s3HttpStatus(error: unknown): number | undefined {
  return ((error ?? {}) as SdkErrorShape).$metadata?.httpStatusCode;
}

const NOT_FOUND_CODES = new Set(['NoSuchBucket', 'NoSuchKey', 'NotFound', 'NoSuchVersion']);

/** True when the server said the bucket, key or version does not exist. */
export function isS3NotFound(error: unknown): boolean {
  if (isUpdraftError(error)) return error.code === 'UPDRAFT_ERR_S3_NOT_FOUND';
  return NOT_FOUND_CODES.has(s3ErrorCode(error)) || s3HttpStatus(error) === 404;
}

/** The key already exists and the request was conditional on it not existing (If-None-Match: *). */
export function isS3PreconditionFailed(error: unknown): boolean {
  const code = s3ErrorCode(error);
  return code === 'PreconditionFailed' || code === 'ConditionalRequestConflict' || s3HttpStatus(error) === 412;
}

export function describeTarget(target: S3Target): string {
  if (target.bucket !== undefined && target.key !== undefined) return `s3://${target.bucket}/${target.key}`;
  if (target.bucket !== undefined) return `bucket ${JSON.stringify(target.bucket)}`;
  return 'S3';
}

/**
 * An UpdraftError for a failed S3 request: UPDRAFT_ERR_S3_NOT_FOUND for a missing bucket or key
 * (naming which), UPDRAFT_ERR_S3 otherwise with the S3 error code; the SDK error is the cause.
 * An UpdraftError passes through unchanged.
 */
export function toS3Error(error: unknown, target: S3Target): UpdraftError {
  if (isUpdraftError(error)) return error;
  const code = s3ErrorCode(error);
  const status = s3HttpStatus(error);
  const details = { operation: target.operation, bucket: target.bucket, key: target.key, s3Code: code, httpStatus: status };
  if (isS3NotFound(error)) {
    const bucket = JSON.stringify(target.bucket ?? '');
    const message = code === 'NoSuchBucket' || target.key === undefined
      ? `S3 bucket ${bucket} does not exist (${target.operation}${target.key === undefined ? '' : ` of key ${JSON.stringify(target.key)}`})`
      : code === 'NoSuchVersion'
        ? `S3 key ${JSON.stringify(target.key)} in bucket ${bucket} has no such version (${target.operation})`
        : `S3 key ${JSON.stringify(target.key)} does not exist in bucket ${bucket} (${target.operation})`;
    return new UpdraftError('UPDRAFT_ERR_S3_NOT_FOUND', message, { cause: error, details });
  }
  const reason = (error as SdkErrorShape | undefined)?.message;
  const statusText = status === undefined ? '' : `, HTTP ${status}`;
  return new UpdraftError('UPDRAFT_ERR_S3',
    `S3 ${target.operation} on ${describeTarget(target)} failed: ${code}${statusText}${reason && reason !== code ? `: ${reason}` : ''}`,
    { cause: error, details });
}

/** Runs an S3 request and converts its failure with toS3Error. */
export async function s3Call<T>(target: S3Target, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toS3Error(error, target);
  }
}
