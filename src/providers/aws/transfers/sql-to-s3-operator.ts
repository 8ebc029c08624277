import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { UpdraftError } from '../../../common/errors.js';
import { BaseOperator, type BaseOperatorOptions } from '../../../sdk/base-operator.js';
import { getConnection, type TaskContext } from '../../../sdk/context.js';
import { isPlainObject } from '../../../sdk/naming.js';
import { resolveTemplateFunctions, type Templated } from '../../../sdk/templated.js';
import { getSqlHook, sqlHookKind, type SqlHook } from '../../sql/hooks.js';
import type { SqlField, SqlFieldKind, SqlParameters } from '../../sql/types.js';
import { OptionChecks, operatorLabel, renderedOptionalString, renderedString } from '../operators/operator-support.js';
import { S3Hook } from '../s3-hook.js';
import type { ColumnKind, ExportColumn } from './column-kinds.js';
import type { RowBatch } from './copy-text.js';
import { resolveExportSettings, type ExportSettingsInput, type ResolvedExportSettings } from './export-options.js';
import { writeExport, writeRawJsonLines, type ExportedFile } from './export-writer.js';
import { canEncodeBytes } from './jsonl-bytes.js';
import { partNaming } from './part-keys.js';
import { openPgCopySource } from './pg-copy-source.js';
import { inferColumns, valuesToBatch } from './value-rows.js';

export interface SqlToS3OperatorOptions extends BaseOperatorOptions, ExportSettingsInput {
  /** The SELECT to export; templated (`… WHERE day = '{{ ds }}'`). */
  query: Templated<string>;
  /** The SQL connection (postgres or mysql type). */
  sqlConnId: Templated<string>;
  /** Bind parameters ($1/? positional as an array, :name as an object). PostgreSQL then reads through a cursor instead of COPY. */
  parameters?: SqlParameters | Templated<SqlParameters>;
  /** Passed to the SQL hook (e.g. { database: 'analytics' }). */
  sqlHookParams?: { database?: string };
  /** The bucket; may be omitted when s3Key is a full s3:// URL. Templated. */
  s3Bucket?: Templated<string>;
  /** The object key (file name included), or s3://bucket/key. Templated. `{part}` marks where split files are numbered. */
  s3Key: Templated<string>;
  /** Default 'aws_default'. */
  awsConnId?: string;
}

/** What the operator pushes to XCom (return_value). */
export interface SqlToS3Result {
  bucket: string;
  keys: string[];
  rowCount: number;
  files: ExportedFile[];
  fileFormat: string;
}

const OWN_OPTIONS = [
  'query', 'sqlConnId', 'parameters', 'sqlHookParams', 's3Bucket', 's3Key', 'awsConnId', 'fileFormat', 'compression',
  'maxRowsPerFile', 'maxBytesPerFile', 'replace', 'timestampFormat', 'timeZone', 'numericAs', 'batchSize', 'rowGroupSize', 'partSize',
  'uploadConcurrency',
];

/**
 * Exports the result of a SQL query to S3 as JSON lines, CSV or Parquet (Airflow's SqlToS3Operator,
 * streaming): rows leave the database as a stream (PostgreSQL COPY, or a cursor), are encoded and
 * uploaded as a multipart upload, with no temp file and flat memory whatever the row count.
 * Re-running replaces the run's files (replace: true, the default); replace: false fails before any
 * row is read when a target key exists. Pushes `{ bucket, keys, rowCount, files, fileFormat }`.
 */
export class SqlToS3Operator extends BaseOperator<SqlToS3Result> {
  override readonly templateFields: readonly string[] = ['query', 's3Bucket', 's3Key', 'sqlConnId', 'parameters'];
  query: Templated<string>;
  sqlConnId: Templated<string>;
  parameters: SqlParameters | Templated<SqlParameters> | undefined;
  s3Bucket: Templated<string> | undefined;
  s3Key: Templated<string>;
  readonly awsConnId: string;
  readonly sqlHookParams: { database?: string };
  readonly settings: ResolvedExportSettings;

  constructor(options: SqlToS3OperatorOptions, extraOptionKeys: readonly string[] = []) {
    super(options, [...OWN_OPTIONS, ...extraOptionKeys]);
    const what = operatorLabel(new.target.name, this.taskId, this.dagId);
    const checks = new OptionChecks(what, options as unknown as Record<string, unknown>);
    for (const name of ['query', 'sqlConnId', 's3Key']) checks.requiredString(name);
    checks.optionalString('s3Bucket');
    if (options.awsConnId !== undefined && (typeof options.awsConnId !== 'string' || options.awsConnId === '')) checks.fail('awsConnId', 'a connection id');
    if (options.sqlHookParams !== undefined && !isPlainObject(options.sqlHookParams)) checks.fail('sqlHookParams', "an object like { database: 'analytics' }");
    this.settings = resolveExportSettings(options, what);
    this.query = options.query;
    this.sqlConnId = options.sqlConnId;
    this.parameters = options.parameters;
    this.s3Bucket = options.s3Bucket;
    this.s3Key = options.s3Key;
    this.awsConnId = options.awsConnId ?? 'aws_default';
    this.sqlHookParams = options.sqlHookParams ?? {};
  }

  async execute(ctx: TaskContext): Promise<SqlToS3Result> {
    const query = renderedString(this.query, ctx, 'query');
    const sqlConnId = renderedString(this.sqlConnId, ctx, 'sqlConnId');
    const parameters = resolveTemplateFunctions(this.parameters, ctx) as SqlParameters | undefined;
    const s3 = new S3Hook({ awsConnId: this.awsConnId });
    // A bare key needs s3Bucket (or the connection's default bucket); s3://bucket/key stands alone.
    const { bucket, key } = await s3.resolveKey(renderedString(this.s3Key, ctx, 's3Key').replace(/^\/+/, ''), renderedOptionalString(this.s3Bucket, ctx, 's3Bucket'));
    const settings = this.settings;
    const split = settings.maxRowsPerFile > 0 || settings.maxBytesPerFile > 0;
    const naming = partNaming(key, split);
    const client = await s3.getClient();
    const sqlConnection = await getConnection(sqlConnId);
    const hook = await getSqlHook(sqlConnection, this.sqlHookParams.database === undefined ? {} : { database: this.sqlHookParams.database });
    try {
      // 1. Nothing is read before we know the target may be written.
      const earlier = split || key.includes('{part}')
        ? (await s3.listKeys(bucket, { prefix: naming.prefix })).filter((k) => naming.partOf(k) !== null)
        : (await s3.checkForKey(key, bucket)) ? [key] : [];
      if (!settings.replace && earlier.length > 0) {
        throw new UpdraftError('UPDRAFT_ERR_S3_KEY_EXISTS',
          `s3://${bucket}/${earlier[0]} already exists${earlier.length > 1 ? ` (and ${earlier.length - 1} more part(s))` : ''} and replace is false; nothing was exported. Delete it, or set replace: true to overwrite`,
          { details: { bucket, keys: earlier } });
      }

      // 2. Stream rows → files.
      const began = performance.now();
      ctx.log.info(`Exporting to s3://${bucket}/${key} as ${settings.fileFormat}${settings.compression === 'gzip' ? '.gz' : ''}${split ? ` (split: ${settings.maxRowsPerFile || '∞'} rows / ${settings.maxBytesPerFile || '∞'} bytes per file)` : ''}`);
      const usesCopy = sqlHookKind(sqlConnection.connType) === 'postgres' && parameters === undefined;
      let files: ExportedFile[];
      if (usesCopy) {
        const pgClient = await hook.getConn() as pg.PoolClient;
        try {
          // JSON lines in one file take the byte path; other formats and split exports parse rows.
          const raw = settings.fileFormat === 'jsonl' && !split && canEncodeBytes(settings);
          const source = await openPgCopySource(pgClient, query, { timeZone: settings.timeZone, raw });
          files = source.chunks !== undefined
            ? await writeRawJsonLines({ columns: source.columns, chunks: source.chunks }, { client, bucket, naming }, { settings, log: ctx.log })
            : await writeExport({ columns: source.columns, batches: source.batches! }, { client, bucket, naming }, { settings, log: ctx.log });
          await pgClient.query('RESET ALL');
          pgClient.release();
        } catch (error) {
          // The session's state is unknown after a failed COPY: drop the connection rather than pool it.
          pgClient.release(error instanceof Error ? error : true);
          throw error;
        }
      } else {
        const source = await openCursorSource(hook, query, { parameters, settings });
        files = await writeExport(source, { client, bucket, naming }, { settings, log: ctx.log });
      }
      const rowCount = files.reduce((sum, f) => sum + f.rows, 0);
      const seconds = (performance.now() - began) / 1000;
      ctx.log.info(`Exported ${rowCount} rows in ${files.length} file(s) in ${seconds.toFixed(2)} s (${Math.round(rowCount / Math.max(seconds, 0.001))} rows/s, ${usesCopy ? 'COPY' : 'cursor'})`);

      // 3. A re-run that wrote fewer parts than before removes the earlier run's extra parts.
      const written = new Set(files.map((f) => f.key));
      const stale = earlier.filter((k) => !written.has(k));
      if (stale.length > 0) {
        await s3.deleteObjects(bucket, stale);
        ctx.log.info(`Deleted ${stale.length} part(s) left by an earlier run: ${stale.slice(0, 5).join(', ')}${stale.length > 5 ? ', …' : ''}`);
      }
      return { bucket, keys: files.map((f) => f.key), rowCount, files, fileFormat: settings.fileFormat };
    } finally {
      await hook.close();
      s3.close();
    }
  }
}

const FIELD_KINDS: Record<SqlFieldKind, ColumnKind> = {
  string: 'text', integer: 'int', bigint: 'bigint', float: 'float', decimal: 'numeric', boolean: 'bool',
  date: 'date', time: 'time', timestamp: 'timestamp', timestamptz: 'timestamptz', json: 'json', binary: 'bytes', other: 'text',
};

/**
 * Rows through the hook's cursor (MySQL, or PostgreSQL with bind parameters), as text batches. The
 * first batch is read before returning: the column kinds come from the driver's fields and values.
 */
async function openCursorSource(
  hook: SqlHook,
  query: string,
  options: { parameters: SqlParameters | undefined; settings: ResolvedExportSettings },
): Promise<{ columns: ExportColumn[]; batches: AsyncIterable<RowBatch> }> {
  const { settings } = options;
  const stream = hook.iterRows<Record<string, unknown>>(query, { parameters: options.parameters, batchSize: settings.batchSize });
  const iterator = stream[Symbol.asyncIterator]();
  const take = async (): Promise<{ rows: Record<string, unknown>[]; done: boolean }> => {
    const rows: Record<string, unknown>[] = [];
    while (rows.length < settings.batchSize) {
      const next = await iterator.next();
      if (next.done === true) return { rows, done: true };
      rows.push(next.value);
    }
    return { rows, done: false };
  };
  const first = await take();
  const fields: SqlField[] = stream.fields ?? [];
  const names = fields.length > 0 ? fields.map((f) => f.name) : Object.keys(first.rows[0] ?? {});
  const columns = inferColumns(names, first.rows, new Map(fields.map((f) => [f.name, FIELD_KINDS[f.kind]])));
  return {
    columns,
    batches: (async function* batches(): AsyncGenerator<RowBatch> {
      let current = first;
      try {
        for (;;) {
          if (current.rows.length > 0) yield valuesToBatch(current.rows, columns, settings.timeZone);
          if (current.done) return;
          current = await take();
        }
      } finally {
        await iterator.return?.();
      }
    })(),
  };
}
