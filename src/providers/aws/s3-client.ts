import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { UpdraftError } from '../../common/errors.js';
import { parseConnectionExtra } from '../../connections/connection.js';

/**
 * The S3 client of an `aws` connection, Airflow's way: login/password are the access key id and
 * secret (or extras aws_access_key_id / aws_secret_access_key), extras give region_name,
 * endpoint_url (any S3-compatible server; path-style addressing then), aws_session_token and
 * verify. Without keys the SDK's default chain applies (env, shared profile, instance/pod role).
 */

/** The fields of a connection this module reads (a TaskConnection or a Connection's plain object). */
export interface AwsConnectionFields {
  connId?: string;
  login?: string | null;
  password?: string | null;
  extra?: Record<string, unknown> | string | null;
}

export interface ResolvedAwsConfig {
  region: string;
  endpoint: string | undefined;
  forcePathStyle: boolean;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
}

const DEFAULT_REGION = 'us-east-1';

function extrasOf(connection: AwsConnectionFields): Record<string, unknown> {
  return parseConnectionExtra(connection.connId ?? '', connection.extra);
}

function optionalString(extras: Record<string, unknown>, key: string, connId: string | undefined): string | undefined {
  const value = extras[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') {
    throw new UpdraftError('UPDRAFT_ERR_CONNECTION_INVALID', `aws connection ${JSON.stringify(connId ?? '')} has extra ${key}=${JSON.stringify(value)}; it must be a string`);
  }
  return value;
}

/** Reads region, endpoint and credentials from an aws connection (no I/O). */
export function resolveAwsConfig(connection: AwsConnectionFields): ResolvedAwsConfig {
  const extras = extrasOf(connection);
  const id = connection.connId;
  const config = extras.service_config;
  const s3Config = config !== null && typeof config === 'object' ? (config as Record<string, unknown>).s3 : undefined;
  const s3Endpoint = s3Config !== null && typeof s3Config === 'object' ? optionalString(s3Config as Record<string, unknown>, 'endpoint_url', id) : undefined;
  const endpoint = s3Endpoint ?? optionalString(extras, 'endpoint_url', id) ?? optionalString(extras, 'host', id);
  if (endpoint !== undefined && !/^https?:\/\//i.test(endpoint)) {
    throw new UpdraftError('UPDRAFT_ERR_CONNECTION_INVALID',
      `aws connection ${JSON.stringify(id ?? '')} has endpoint_url ${JSON.stringify(endpoint)}; it must start with http:// or https://`);
  }
  const accessKeyId = connection.login || optionalString(extras, 'aws_access_key_id', id);
  const secretAccessKey = connection.password || optionalString(extras, 'aws_secret_access_key', id);
  const sessionToken = optionalString(extras, 'aws_session_token', id);
  if ((accessKeyId === undefined || accessKeyId === null) !== (secretAccessKey === undefined || secretAccessKey === null)) {
    throw new UpdraftError('UPDRAFT_ERR_CONNECTION_INVALID',
      `aws connection ${JSON.stringify(id ?? '')} has ${accessKeyId ? 'an access key id but no secret' : 'a secret but no access key id'}; give both (login and password) or neither (to use the default credential chain)`);
  }
  return {
    region: optionalString(extras, 'region_name', id) ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? DEFAULT_REGION,
    endpoint,
    forcePathStyle: endpoint !== undefined || extras.s3_force_path_style === true,
    credentials: accessKeyId && secretAccessKey
      ? { accessKeyId, secretAccessKey, ...(sessionToken === undefined ? {} : { sessionToken }) }
      : undefined,
  };
}

/** A new S3 client for the connection. The caller destroys it (client.destroy()) when done. */
export function createS3Client(connection: AwsConnectionFields, overrides: Partial<S3ClientConfig> = {}): S3Client {
  // The SDK warns on every process under Node 20 that future versions will need Node 22; Updraft
  // pins a version that supports Node 20, so the warning would only clutter every task log.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const config = resolveAwsConfig(connection);
  return new S3Client({
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
    ...(config.credentials === undefined ? {} : { credentials: config.credentials }),
    // Only compute checksums when the operation requires one: S3-compatible servers (and older
    // gateways) reject the CRC headers the SDK now adds by default.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...overrides,
  });
}

/**
 * The bucket an aws connection names for hooks called without one (Airflow's provide_bucket_name):
 * extra service_config.s3.bucket_name, else extra bucket_name; undefined when neither is set.
 */
export function defaultBucketOf(connection: AwsConnectionFields): string | undefined {
  const extras = extrasOf(connection);
  const config = extras.service_config;
  const s3Config = config !== null && typeof config === 'object' ? (config as Record<string, unknown>).s3 : undefined;
  const fromService = s3Config !== null && typeof s3Config === 'object'
    ? optionalString(s3Config as Record<string, unknown>, 'bucket_name', connection.connId)
    : undefined;
  return fromService ?? optionalString(extras, 'bucket_name', connection.connId);
}

/** A parsed S3 location. */
export interface S3Location {
  bucket: string;
  key: string;
}

/**
 * Splits an S3 URL into bucket and key, as Airflow's parse_s3_url: `s3://`, `s3a://`, `s3n://`,
 * virtual-hosted `https://bucket.s3.region.amazonaws.com/key` and path-style
 * `https://s3.region.amazonaws.com/bucket/key`. The key keeps a trailing slash; a leading one is dropped.
 */
export function parseS3Url(url: string): S3Location {
  const scheme = /^s3[an]?:\/\/([^/]+)\/?(.*)$/i.exec(url);
  if (scheme !== null) return { bucket: scheme[1]!, key: scheme[2]! };
  const https = /^https?:\/\/([^/]+)\/?(.*)$/i.exec(url);
  if (https !== null) {
    const host = https[1]!.toLowerCase();
    const path = https[2]!;
    const virtual = /^(.+)\.s3[.-]([a-z0-9-]+\.)?amazonaws\.com$/.exec(host);
    if (virtual !== null) return { bucket: virtual[1]!, key: decodeURIComponentSafe(path) };
    if (/^s3[.-]([a-z0-9-]+\.)?amazonaws\.com$/.test(host)) {
      const slash = path.indexOf('/');
      if (slash > 0) return { bucket: path.slice(0, slash), key: decodeURIComponentSafe(path.slice(slash + 1)) };
    }
  }
  throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT',
    `${JSON.stringify(url)} is not an S3 URL; expected s3://bucket/key (or s3a://, s3n://, https://bucket.s3.region.amazonaws.com/key), or pass the bucket name separately`,
    { details: { url } });
}

/** True when the string is a full S3 URL rather than a bare key. */
export function isS3Url(value: string): boolean {
  return /^s3[an]?:\/\//i.test(value) || /^https?:\/\/[^/]*s3[.-]([a-z0-9-]+\.)?amazonaws\.com/i.test(value);
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
