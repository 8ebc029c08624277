import { ListObjectsV2Command, type ListObjectsV2CommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { UpdraftError } from '../../common/errors.js';
import { fnmatchToRegExp, wildcardPrefix } from './fnmatch.js';
import { s3Call } from './s3-errors.js';
import type { ListKeysOptions, S3ObjectInfo } from './s3-types.js';

export interface PageRequest {
  bucket: string;
  prefix?: string | undefined;
  delimiter?: string | undefined;
  startAfter?: string | undefined;
  pageSize?: number | undefined;
}

/** Every ListObjectsV2 page of a listing, following continuation tokens. */
export async function* listPages(client: S3Client, request: PageRequest): AsyncGenerator<ListObjectsV2CommandOutput> {
  let token: string | undefined;
  do {
    const page = await s3Call({ operation: 'ListObjectsV2', bucket: request.bucket }, () => client.send(new ListObjectsV2Command({
      Bucket: request.bucket,
      ...(request.prefix ? { Prefix: request.prefix } : {}),
      ...(request.delimiter ? { Delimiter: request.delimiter } : {}),
      ...(request.startAfter && token === undefined ? { StartAfter: request.startAfter } : {}),
      ...(request.pageSize === undefined ? {} : { MaxKeys: request.pageSize }),
      ...(token === undefined ? {} : { ContinuationToken: token }),
    })));
    yield page;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
}

export function checkListOptions(options: ListKeysOptions | { pageSize?: number; maxItems?: number }): void {
  const { pageSize, maxItems } = options;
  if (pageSize !== undefined && (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000)) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `pageSize ${JSON.stringify(pageSize)} is not allowed; it must be an integer from 1 to 1000`);
  }
  if (maxItems !== undefined && (!Number.isInteger(maxItems) || maxItems < 0)) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `maxItems ${JSON.stringify(maxItems)} is not allowed; it must be an integer ≥ 0`);
  }
  for (const name of ['fromDatetime', 'toDatetime'] as const) {
    const value = (options as ListKeysOptions)[name];
    if (value !== undefined && (!(value instanceof Date) || Number.isNaN(value.getTime()))) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `${name} ${JSON.stringify(value)} is not allowed; it must be a valid Date`);
    }
  }
}

/**
 * Objects of a bucket as Airflow's list_keys selects them: under prefix (a fnmatch pattern with
 * applyWildcard), last modified in (fromDatetime, toDatetime], at most maxItems.
 */
export async function listObjects(client: S3Client, bucket: string, options: ListKeysOptions = {}): Promise<S3ObjectInfo[]> {
  checkListOptions(options);
  const { prefix = '', applyWildcard = false, fromDatetime, toDatetime, maxItems } = options;
  const pattern = applyWildcard ? fnmatchToRegExp(prefix) : null;
  const out: S3ObjectInfo[] = [];
  if (maxItems === 0) return out;
  const pages = listPages(client, {
    bucket, prefix: applyWildcard ? wildcardPrefix(prefix) : prefix,
    delimiter: options.delimiter, startAfter: options.startAfter, pageSize: options.pageSize,
  });
  for await (const page of pages) {
    for (const item of page.Contents ?? []) {
      if (item.Key === undefined) continue;
      if (pattern !== null && !pattern.test(item.Key)) continue;
      const lastModified = item.LastModified ?? new Date(0);
      // Airflow's filter: strictly after from, at or before to.
      if (fromDatetime !== undefined && lastModified.getTime() <= fromDatetime.getTime()) continue;
      if (toDatetime !== undefined && lastModified.getTime() > toDatetime.getTime()) continue;
      out.push({
        bucketName: bucket, key: item.Key, size: item.Size ?? 0, lastModified,
        etag: item.ETag, storageClass: item.StorageClass,
      });
      if (maxItems !== undefined && out.length >= maxItems) return out;
    }
  }
  return out;
}
