import { UpdraftError } from '../../../common/errors.js';
import { checkTimeZone, checkTimestampFormat, type TimestampFormat } from './timestamp-format.js';

export const FILE_FORMATS = ['jsonl', 'csv', 'parquet'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];
export const COMPRESSIONS = ['none', 'gzip'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

/** The export settings after validation (everything that is not templated). */
export interface ResolvedExportSettings {
  fileFormat: FileFormat;
  compression: Compression;
  maxRowsPerFile: number;
  maxBytesPerFile: number;
  replace: boolean;
  timestampFormat: TimestampFormat;
  timeZone: string;
  numericAs: 'number' | 'string';
  batchSize: number;
  rowGroupSize: number;
  partSize: number;
  uploadConcurrency: number;
}

export interface ExportSettingsInput {
  fileFormat?: string | undefined;
  compression?: string | undefined;
  maxRowsPerFile?: number | undefined;
  maxBytesPerFile?: number | undefined;
  replace?: boolean | undefined;
  timestampFormat?: string | undefined;
  timeZone?: string | undefined;
  numericAs?: string | undefined;
  batchSize?: number | undefined;
  rowGroupSize?: number | undefined;
  partSize?: number | undefined;
  uploadConcurrency?: number | undefined;
}

const MIN_PART_SIZE = 5 * 1024 * 1024;

export function resolveExportSettings(input: ExportSettingsInput, what: string): ResolvedExportSettings {
  const fail = (message: string): never => {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG', `${what} ${message}`);
  };
  const format = input.fileFormat === undefined ? 'jsonl' : String(input.fileFormat).toLowerCase();
  const fileFormat = (format === 'json' || format === 'ndjson' ? 'jsonl' : format) as FileFormat;
  if (!(FILE_FORMATS as readonly string[]).includes(fileFormat)) {
    fail(`has fileFormat: ${JSON.stringify(input.fileFormat)}; it must be one of "jsonl" (also "json"), "csv", "parquet"`);
  }
  const compression = (input.compression === undefined ? 'none' : String(input.compression).toLowerCase()) as Compression;
  if (!(COMPRESSIONS as readonly string[]).includes(compression)) {
    fail(`has compression: ${JSON.stringify(input.compression)}; it must be "none" or "gzip"`);
  }
  if (compression === 'gzip' && fileFormat === 'parquet') {
    fail('has compression "gzip" with fileFormat "parquet"; parquet files compress their pages themselves (SNAPPY): use compression "none"');
  }
  const count = (value: unknown, name: string, [fallback, min = 0]: [number, number?]): number => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      return fail(`has ${name}: ${JSON.stringify(value)}; it must be an integer ≥ ${min}${min === 0 ? ' (0: no limit)' : ''}`);
    }
    return value;
  };
  if (input.replace !== undefined && typeof input.replace !== 'boolean') fail(`has replace: ${JSON.stringify(input.replace)}; it must be true or false`);
  const numericAs = input.numericAs ?? 'number';
  if (numericAs !== 'number' && numericAs !== 'string') fail(`has numericAs: ${JSON.stringify(input.numericAs)}; it must be "number" or "string"`);
  return {
    fileFormat,
    compression,
    maxRowsPerFile: count(input.maxRowsPerFile, 'maxRowsPerFile', [0]),
    maxBytesPerFile: count(input.maxBytesPerFile, 'maxBytesPerFile', [0]),
    replace: input.replace ?? true,
    timestampFormat: checkTimestampFormat(input.timestampFormat, what),
    timeZone: checkTimeZone(input.timeZone, what),
    numericAs: numericAs as 'number' | 'string',
    batchSize: count(input.batchSize, 'batchSize', [5000, 1]),
    rowGroupSize: count(input.rowGroupSize, 'rowGroupSize', [100_000, 1]),
    partSize: count(input.partSize, 'partSize', [8 * 1024 * 1024, MIN_PART_SIZE]),
    uploadConcurrency: count(input.uploadConcurrency, 'uploadConcurrency', [2, 1]),
  };
}

export function contentType(format: FileFormat, compression: Compression): string {
  if (compression === 'gzip') return 'application/gzip';
  switch (format) {
    case 'jsonl': return 'application/x-ndjson; charset=utf-8';
    case 'csv': return 'text/csv; charset=utf-8';
    case 'parquet': return 'application/vnd.apache.parquet';
    default: {
      const exhaustive: never = format;
      return exhaustive;
    }
  }
}
