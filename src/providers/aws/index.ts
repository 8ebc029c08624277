// updraft/providers/aws: S3 hook, operators and sensor (Airflow's amazon provider, S3 part).
export { S3Hook } from './s3-hook.js';
export type {
  CopyObjectOptions, DeleteBucketOptions, DownloadFileOptions, ListKeysOptions, ListPrefixesOptions, LoadFileOptions,
  LoadOptions, LoadStreamOptions, LoadStringOptions, S3HeadInfo, S3HookOptions, S3KeyObject, S3ObjectInfo,
  S3TransferConfig, S3WriteResult,
} from './s3-types.js';
export {
  createS3Client, defaultBucketOf, isS3Url, parseS3Url, resolveAwsConfig,
  type AwsConnectionFields, type ResolvedAwsConfig, type S3Location,
} from './s3-client.js';
export { fnmatch } from './fnmatch.js';
export { parseCsv, parseJsonLines, type CsvOptions, type CsvField } from './record-parsers.js';
export {
  S3CreateBucketOperator, S3DeleteBucketOperator,
  type S3CreateBucketOperatorOptions, type S3DeleteBucketOperatorOptions,
} from './operators/s3-bucket-operators.js';
export { S3CopyObjectOperator, type S3CopyObjectOperatorOptions } from './operators/s3-copy-object-operator.js';
export { S3DeleteObjectsOperator, type S3DeleteObjectsOperatorOptions } from './operators/s3-delete-objects-operator.js';
export { LocalFilesystemToS3Operator, type LocalFilesystemToS3OperatorOptions } from './operators/local-filesystem-to-s3-operator.js';
export { S3ToSqlOperator, type S3ToSqlOperatorOptions, type S3FileFormat } from './operators/s3-to-sql-operator.js';
export { S3KeySensor, type S3KeySensorOptions, type S3KeySensorFile } from './sensors/s3-key-sensor.js';
export * from './transfers/index.js';
