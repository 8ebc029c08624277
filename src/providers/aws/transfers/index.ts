/** SQL → S3 export operators (see docs/providers/sql-to-s3.md). */
export { SqlToS3Operator, type SqlToS3OperatorOptions, type SqlToS3Result } from './sql-to-s3-operator.js';
export { PostgresToS3Operator, type PostgresToS3OperatorOptions } from './postgres-to-s3-operator.js';
export { FILE_FORMATS, COMPRESSIONS, type FileFormat, type Compression } from './export-options.js';
export { TIMESTAMP_FORMATS, type TimestampFormat } from './timestamp-format.js';
export type { ExportedFile } from './export-writer.js';
