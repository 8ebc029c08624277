import type { Readable } from 'node:stream';
import type { AwsConnectionFields } from './s3-client.js';

/** Multipart settings of uploads (boto3's TransferConfig, the parts of it that apply here). */
export interface S3TransferConfig {
  /** Size of each part of a multipart upload, bytes; default 8 MiB (S3's minimum is 5 MiB). */
  partSize?: number;
  /** Parts uploaded at once; default 4. */
  queueSize?: number;
}

export interface S3HookOptions {
  /** Id of the aws connection; default 'aws_default'. Looked up in the running task. */
  awsConnId?: string;
  /** The connection itself (a Connection or any object with login/password/extra): no lookup. */
  connection?: AwsConnectionFields;
  /** Defaults for multipart uploads. */
  transferConfig?: S3TransferConfig;
}

/** An object as listed (ListObjectsV2 Contents). */
export interface S3ObjectInfo {
  bucketName: string;
  key: string;
  size: number;
  lastModified: Date;
  etag: string | undefined;
  storageClass: string | undefined;
}

/** An object's metadata (HeadObject). */
export interface S3HeadInfo {
  bucketName: string;
  key: string;
  size: number;
  lastModified: Date | undefined;
  etag: string | undefined;
  contentType: string | undefined;
  contentEncoding: string | undefined;
  /** User metadata (x-amz-meta-*), names lower-cased. */
  metadata: Record<string, string>;
  versionId: string | undefined;
  serverSideEncryption: string | undefined;
}

/** An object with its content as a stream (GetObject). Read or destroy body. */
export interface S3KeyObject {
  bucketName: string;
  key: string;
  size: number;
  lastModified: Date | undefined;
  metadata: Record<string, string>;
  contentType: string | undefined;
  etag: string | undefined;
  body: Readable;
}

export interface ListKeysOptions {
  /** Only keys that start with this; default ''. With applyWildcard, a fnmatch pattern. */
  prefix?: string;
  /** Group keys by this (e.g. '/'); keys under a deeper level are then not listed. Default ''. */
  delimiter?: string;
  /** List keys after this one (lexicographically). */
  startAfter?: string;
  /** Only objects last modified strictly after this time. */
  fromDatetime?: Date;
  /** Only objects last modified at or before this time. */
  toDatetime?: Date;
  /** Stop after this many keys; default: all. */
  maxItems?: number;
  /** Keys per ListObjectsV2 request (1–1000); default 1000. */
  pageSize?: number;
  /** Treat prefix as a fnmatch pattern (`*`, `?`, `[…]`); default false. */
  applyWildcard?: boolean;
}

export interface ListPrefixesOptions {
  prefix?: string;
  /** Default '/'. */
  delimiter?: string;
  maxItems?: number;
  pageSize?: number;
}

export interface LoadOptions {
  /** Default false: an existing key fails with UPDRAFT_ERR_S3_KEY_EXISTS and nothing is written. */
  replace?: boolean;
  /** Default false: true stores the object encrypted at rest by S3 (SSE, AES256). */
  encrypt?: boolean;
  /** A canned ACL ('private', 'public-read', 'bucket-owner-full-control', …); default: none sent. */
  acl?: string;
  /** Content-Type stored with the object; default: none (S3 uses binary/octet-stream). */
  contentType?: string;
}

export interface LoadStringOptions extends LoadOptions {
  /** Encoding of the text; default 'utf-8'. */
  encoding?: BufferEncoding | 'utf-8';
  /** 'gzip' compresses before upload; default none. */
  compression?: 'gzip';
}

export interface LoadFileOptions extends LoadOptions {
  /** Default false: true gzips the file on the fly and uploads the compressed bytes under key. */
  gzip?: boolean;
}

export interface LoadStreamOptions extends LoadOptions, S3TransferConfig {}

/** Where an upload or copy wrote. */
export interface S3WriteResult {
  bucketName: string;
  key: string;
  etag: string | undefined;
  versionId: string | undefined;
}

export interface CopyObjectOptions {
  /** Bucket of srcKey when srcKey is not a full s3:// URL. */
  srcBucket?: string;
  /** Bucket of dstKey when dstKey is not a full s3:// URL. */
  dstBucket?: string;
  sourceVersionId?: string;
  /** Canned ACL of the copy; default 'private'; 'no-acl' sends none (buckets with ACLs disabled). */
  acl?: string;
  /** 'COPY' (default: keep the source's metadata) or 'REPLACE' (use metadata/contentType given here). */
  metadataDirective?: 'COPY' | 'REPLACE';
  /** User metadata of the copy, with metadataDirective 'REPLACE'. */
  metadata?: Record<string, string>;
  contentType?: string;
  /** KMS key id; needs kmsEncryptionType too. */
  kmsKeyId?: string;
  /** 'aws:kms' or 'aws:kms:dsse'; needs kmsKeyId too. */
  kmsEncryptionType?: 'aws:kms' | 'aws:kms:dsse';
}

export interface DeleteBucketOptions {
  /** Default false: true deletes every object first (a non-empty bucket otherwise fails). */
  forceDelete?: boolean;
  /** Attempts of list-delete-delete bucket while objects keep appearing; default 5. */
  maxRetries?: number;
}

export interface DownloadFileOptions {
  /** Directory to write into; default the OS temp directory. */
  localPath?: string;
  /** Default false: true names the file after the key's last segment instead of a random name. */
  preserveFileName?: boolean;
  /** Default true: with preserveFileName, write into a new `updraft_tmp_dir_<random>` sub-directory. */
  useAutogeneratedSubdir?: boolean;
}
