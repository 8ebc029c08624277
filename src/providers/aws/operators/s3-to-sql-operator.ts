import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { UpdraftError } from '../../../common/errors.js';
import { BaseOperator, type BaseOperatorOptions } from '../../../sdk/base-operator.js';
import type { TaskContext } from '../../../sdk/context.js';
import type { Templated } from '../../../sdk/templated.js';
import { getSqlHook } from '../../sql/hooks.js';
import { parseCsv, parseJsonLines, type CsvOptions } from '../record-parsers.js';
import { S3Hook } from '../s3-hook.js';
import { toS3Error } from '../s3-errors.js';
import { OptionChecks, operatorLabel, renderedOptionalString, renderedString } from './operator-support.js';

export type S3FileFormat = 'csv' | 'jsonl';
type Row = readonly unknown[] | Readonly<Record<string, unknown>>;

export interface S3ToSqlOperatorOptions extends BaseOperatorOptions {
  /** Key of the object, or a full s3://bucket/key URL (then no s3Bucket); templated. */
  s3Key: Templated<string>;
  /** Bucket of s3Key; templated. */
  s3Bucket?: Templated<string>;
  /** Table to insert into (may be schema-qualified: 'staging.events'); templated. */
  table: Templated<string>;
  /** The SQL connection (postgres, mysql, …). */
  sqlConnId: string;
  /** Default 'aws_default'. */
  awsConnId?: string;
  /** Default 'csv' (RFC 4180 with a header row); 'jsonl': one JSON object per line. */
  fileFormat?: S3FileFormat;
  /** Columns to fill, in order. CSV with header: picked from the header by name (default: all header columns). JSONL: object keys (default: keys of the first object). */
  columnList?: readonly string[];
  /** Rows per insert batch, each committed; default 1000 (0: one batch, one commit at the end). */
  commitEvery?: number;
  /** Delimiter, quote, header, nullValue of CSV files. */
  csvOptions?: CsvOptions;
  /** Default 'infer': gunzip when the key ends with .gz or the object is Content-Encoding gzip; 'gzip' always; 'none' never. */
  compression?: 'infer' | 'gzip' | 'none';
  /** Default false: true upserts (the SQL hook's insertRows replace). */
  replace?: boolean;
  /** With replace on PostgreSQL: the conflict column(s). */
  replaceIndex?: string | readonly string[];
  /** Instead of fileFormat: turns the object's (decompressed) byte stream into rows (arrays or objects). */
  parser?: (body: Readable) => AsyncIterable<Row> | Iterable<Row>;
}

/**
 * Loads a CSV or JSON-lines object from S3 into a SQL table: the object is read as a stream and
 * inserted in batches through the SQL hook of sqlConnId, never held whole in memory. Returns the
 * number of rows inserted.
 */
export class S3ToSqlOperator extends BaseOperator<number> {
  override readonly templateFields: readonly string[] = ['s3Key', 's3Bucket', 'table', 'columnList'];
  s3Key: Templated<string>;
  s3Bucket: Templated<string> | undefined;
  table: Templated<string>;
  columnList: readonly string[] | undefined;
  readonly sqlConnId: string;
  readonly awsConnId: string;
  readonly fileFormat: S3FileFormat;
  readonly commitEvery: number;
  readonly csvOptions: CsvOptions;
  readonly compression: 'infer' | 'gzip' | 'none';
  readonly replace: boolean;
  readonly replaceIndex: string | readonly string[] | undefined;
  readonly parser: S3ToSqlOperatorOptions['parser'];

  constructor(options: S3ToSqlOperatorOptions) {
    super(options, ['s3Key', 's3Bucket', 'table', 'sqlConnId', 'awsConnId', 'fileFormat', 'columnList', 'commitEvery',
      'csvOptions', 'compression', 'replace', 'replaceIndex', 'parser']);
    const checks = new OptionChecks(operatorLabel('S3ToSqlOperator', this.taskId, this.dagId), options as unknown as Record<string, unknown>);
    checks.requiredString('s3Key');
    checks.optionalString('s3Bucket');
    checks.requiredString('table');
    checks.requiredString('sqlConnId', 'a connection id');
    checks.optionalString('awsConnId', 'a connection id');
    checks.oneOf('fileFormat', ['csv', 'jsonl']);
    checks.oneOf('compression', ['infer', 'gzip', 'none']);
    checks.optionalBoolean('replace');
    if (options.columnList !== undefined && !(Array.isArray(options.columnList) && options.columnList.length > 0
      && options.columnList.every((c) => typeof c === 'string' && c !== ''))) {
      checks.fail('columnList', 'a non-empty list of column names');
    }
    if (options.commitEvery !== undefined && (!Number.isInteger(options.commitEvery) || options.commitEvery < 0)) {
      checks.fail('commitEvery', 'an integer ≥ 0');
    }
    if (options.parser !== undefined && typeof options.parser !== 'function') checks.fail('parser', 'a function (body) => rows');
    if (options.csvOptions !== undefined && (typeof options.csvOptions !== 'object' || options.csvOptions === null)) {
      checks.fail('csvOptions', 'an object like { delimiter: ";", header: true }');
    }
    this.s3Key = options.s3Key;
    this.s3Bucket = options.s3Bucket;
    this.table = options.table;
    this.columnList = options.columnList;
    this.sqlConnId = options.sqlConnId;
    this.awsConnId = options.awsConnId ?? 'aws_default';
    this.fileFormat = options.fileFormat ?? 'csv';
    this.commitEvery = options.commitEvery ?? 1000;
    this.csvOptions = { ...options.csvOptions };
    this.compression = options.compression ?? 'infer';
    this.replace = options.replace ?? false;
    this.replaceIndex = options.replaceIndex;
    this.parser = options.parser;
  }

  async execute(ctx: TaskContext): Promise<number> {
    const s3 = new S3Hook({ awsConnId: this.awsConnId });
    const table = renderedString(this.table, ctx, 'table');
    const object = await s3.getKey(renderedString(this.s3Key, ctx, 's3Key'), renderedOptionalString(this.s3Bucket, ctx, 's3Bucket'));
    const where = `s3://${object.bucketName}/${object.key}`;
    const gzip = this.compression === 'gzip' || (this.compression === 'infer' && (object.key.endsWith('.gz') || object.contentType === 'application/gzip'));
    const body: Readable = gzip ? object.body.pipe(createGunzip()) : object.body;
    let downloadError: unknown;
    object.body.once('error', (error) => {
      downloadError = error;
      if (gzip) body.destroy(error);
    });
    ctx.log.info(`Loading ${where} (${this.parser ? 'custom parser' : this.fileFormat}${gzip ? ', gzip' : ''}) into ${table}`);
    const sql = await getSqlHook(this.sqlConnId);
    let inserted = 0;
    try {
      const { rows, columns } = this.rowsOf(body, where);
      const batchSize = this.commitEvery === 0 ? Number.POSITIVE_INFINITY : this.commitEvery;
      let batch: Row[] = [];
      const flush = async (): Promise<void> => {
        if (batch.length === 0) return;
        const targetFields = columns();
        await sql.insertRows(table, batch, {
          ...(targetFields === undefined ? {} : { targetFields }),
          commitEvery: this.commitEvery,
          ...(this.replace ? { replace: true, ...(this.replaceIndex === undefined ? {} : { replaceIndex: this.replaceIndex }) } : {}),
        });
        inserted += batch.length;
        batch = [];
      };
      for await (const row of rows) {
        batch.push(row);
        if (batch.length >= batchSize) await flush();
      }
      await flush();
    } catch (error) {
      // A broken download surfaces as a stream error of the body: report it as the S3 failure it is.
      if (downloadError !== undefined) throw toS3Error(downloadError, { operation: 'GetObject', bucket: object.bucketName, key: object.key });
      const code = (error as NodeJS.ErrnoException).code;
      if (gzip && typeof code === 'string' && code.startsWith('Z_')) {
        throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `${where} is not valid gzip data: ${(error as Error).message}`, { cause: error });
      }
      throw error;
    } finally {
      body.destroy();
      object.body.destroy();
      await sql.close();
    }
    ctx.log.info(`Inserted ${inserted} row(s) into ${table}`);
    return inserted;
  }

  /** The rows of the body and (once the first row is read) the target columns. */
  private rowsOf(body: Readable, where: string): { rows: AsyncIterable<Row>; columns: () => readonly string[] | undefined } {
    const wanted = this.columnList;
    if (this.parser !== undefined) {
      const parsed = this.parser(body);
      const rows = Symbol.asyncIterator in parsed ? parsed : toAsync(parsed);
      return { rows, columns: () => wanted };
    }
    if (this.fileFormat === 'jsonl') {
      let columns: readonly string[] | undefined = wanted;
      const rows = (async function* () {
        for await (const object of parseJsonLines(body, where)) {
          columns ??= Object.keys(object);
          yield columns.map((c) => jsonCell(object[c]));
        }
      })();
      return { rows, columns: () => columns };
    }
    const header = this.csvOptions.header ?? true;
    let columns: readonly string[] | undefined = wanted;
    const csvOptions = this.csvOptions;
    const rows = (async function* () {
      let picks: number[] | undefined;
      for await (const record of parseCsv(body, csvOptions, where)) {
        if (header && picks === undefined) {
          const names = record.map((name) => name ?? '');
          if (wanted === undefined) {
            columns = names;
            picks = names.map((_, i) => i);
          } else {
            picks = wanted.map((name) => {
              const index = names.indexOf(name);
              if (index === -1) {
                throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT',
                  `column ${JSON.stringify(name)} of columnList is not in the header of ${where}; the header has ${names.map((n) => JSON.stringify(n)).join(', ')}`);
              }
              return index;
            });
          }
          continue;
        }
        yield picks === undefined ? record : picks.map((i) => record[i] ?? null);
      }
    })();
    return { rows, columns: () => columns };
  }
}

/**
 * A JSON value as a SQL parameter: nested objects and arrays go as JSON text (what json/jsonb
 * columns take; drivers would otherwise turn a JS array into a SQL array), missing keys as NULL.
 */
function jsonCell(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  return typeof value === 'object' ? JSON.stringify(value) : value;
}

async function* toAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}
