import type { S3Client } from '@aws-sdk/client-s3';
import type { TaskLogger } from '../../../sdk/context.js';
import type { ExportColumn } from './column-kinds.js';
import type { RowBatch } from './copy-text.js';
import { contentType, type ResolvedExportSettings } from './export-options.js';
import { JsonLinesByteEncoder } from './jsonl-bytes.js';
import { ParquetPartEncoder } from './parquet-writer.js';
import type { PartNaming } from './part-keys.js';
import { csvEncoder, jsonLinesEncoder, type RowEncoder } from './row-encoders.js';
import { S3PartWriter } from './s3-part-writer.js';

export interface ExportedFile {
  key: string;
  rows: number;
  /** Bytes before compression. */
  bytes: number;
}

export interface ExportTarget {
  client: S3Client;
  bucket: string;
  naming: PartNaming;
}

/** One open output file: the upload plus the format's encoder state. */
interface OpenPart {
  writer: S3PartWriter;
  parquet: ParquetPartEncoder | null;
}

/**
 * Writes the rows of a source into one or more files: a new file starts when the current one has
 * maxRowsPerFile rows or has reached maxBytesPerFile (uncompressed; a file overshoots by at most one
 * row, or one row group for parquet). At least one file is always written, so an empty result
 * replaces an earlier run's file with an empty one (a header only, for CSV).
 */
/** Raw COPY bytes → JSON lines in one file (no splitting): the fast path of PostgreSQL exports. */
export async function writeRawJsonLines(
  source: { columns: ExportColumn[]; chunks: AsyncIterable<Buffer> },
  target: ExportTarget,
  options: { settings: ResolvedExportSettings; log: TaskLogger },
): Promise<ExportedFile[]> {
  const { settings, log } = options;
  const encoder = new JsonLinesByteEncoder(source.columns, settings);
  const writer = new S3PartWriter({
    client: target.client, bucket: target.bucket, key: target.naming.key(0),
    contentType: contentType(settings.fileFormat, settings.compression), gzip: settings.compression === 'gzip',
    partSize: settings.partSize, queueSize: settings.uploadConcurrency,
  });
  try {
    for await (const chunk of source.chunks) {
      const { bytes, rows } = encoder.encode(chunk);
      writer.rows += rows;
      await writer.write(bytes);
    }
    await writer.close();
  } catch (error) {
    await writer.abort();
    throw error;
  }
  log.info(`Wrote s3://${target.bucket}/${writer.key}: ${writer.rows} rows, ${writer.bytes} bytes${settings.compression === 'gzip' ? ' before gzip' : ''}`);
  return [{ key: writer.key, rows: writer.rows, bytes: writer.bytes }];
}

export async function writeExport(
  source: { columns: ExportColumn[]; batches: AsyncIterable<RowBatch> },
  target: ExportTarget,
  options: { settings: ResolvedExportSettings; log: TaskLogger },
): Promise<ExportedFile[]> {
  const { settings, log } = options;
  const { columns } = source;
  const encoder: RowEncoder | null = settings.fileFormat === 'jsonl' ? jsonLinesEncoder(columns, settings)
    : settings.fileFormat === 'csv' ? csvEncoder(columns, settings) : null;
  const split = settings.maxRowsPerFile > 0 || settings.maxBytesPerFile > 0;
  const files: ExportedFile[] = [];
  let part: OpenPart | null = null;

  const open = async (): Promise<OpenPart> => {
    const writer = new S3PartWriter({
      client: target.client,
      bucket: target.bucket,
      key: target.naming.key(files.length),
      contentType: contentType(settings.fileFormat, settings.compression),
      gzip: settings.compression === 'gzip',
      partSize: settings.partSize,
      queueSize: settings.uploadConcurrency,
    });
    const opened: OpenPart = { writer, parquet: null };
    if (encoder === null) opened.parquet = new ParquetPartEncoder(columns, writer, Math.min(settings.rowGroupSize, settings.maxRowsPerFile || Infinity));
    else if (encoder.fileHeader !== '') await writer.write(encoder.fileHeader);
    return opened;
  };
  const close = async (current: OpenPart): Promise<void> => {
    if (current.parquet !== null) await current.parquet.finish();
    await current.writer.close();
    files.push({ key: current.writer.key, rows: current.writer.rows, bytes: current.writer.bytes });
    log.info(`Wrote s3://${target.bucket}/${current.writer.key}: ${current.writer.rows} rows, ${current.writer.bytes} bytes${settings.compression === 'gzip' ? ' before gzip' : ''}`);
  };
  const full = (current: OpenPart): boolean => (settings.maxRowsPerFile > 0 && current.writer.rows >= settings.maxRowsPerFile)
    || (settings.maxBytesPerFile > 0 && current.writer.bytes >= settings.maxBytesPerFile);

  try {
    part = await open();
    for await (const batch of source.batches) {
      let from = 0;
      while (from < batch.rows) {
        if (full(part)) {
          await close(part);
          part = null;
          part = await open();
        }
        // How many rows fit: all of them without splitting; up to the row limit; one at a time near a byte limit.
        let to = batch.rows;
        if (split && settings.maxRowsPerFile > 0) to = Math.min(to, from + settings.maxRowsPerFile - part.writer.rows);
        if (split && settings.maxBytesPerFile > 0 && part.parquet === null) to = Math.min(to, from + 1);
        if (part.parquet !== null) await part.parquet.add(batch, from, to);
        else await part.writer.write(encoder!.encode(batch, from, to));
        part.writer.rows += to - from;
        from = to;
      }
    }
    await close(part);
    part = null;
  } catch (error) {
    if (part !== null) await part.writer.abort();
    throw error;
  }
  return files;
}
