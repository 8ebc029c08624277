import { BaseOperator, type BaseOperatorOptions } from '../../../sdk/base-operator.js';
import type { TaskContext } from '../../../sdk/context.js';
import { describe } from '../../../sdk/naming.js';
import { resolveTemplateFunctions, type Templated } from '../../../sdk/templated.js';
import { UpdraftError } from '../../../common/errors.js';
import { S3Hook } from '../s3-hook.js';
import { OptionChecks, operatorLabel, renderedOptionalString, renderedString, renderedStringList } from './operator-support.js';

export interface S3DeleteObjectsOperatorOptions extends BaseOperatorOptions {
  /** The bucket; templated. */
  bucket: Templated<string>;
  /** Keys to delete (a string is one key); templated. Give keys or prefix/dates, not both. */
  keys?: Templated<string | readonly string[]>;
  /** Delete every key under this prefix; templated. */
  prefix?: Templated<string>;
  /** With prefix: only objects last modified strictly after this (a Date or ISO-8601 text; templated). */
  fromDatetime?: Templated<Date | string>;
  /** With prefix: only objects last modified at or before this. */
  toDatetime?: Templated<Date | string>;
  awsConnId?: string;
}

/** Deletes S3 objects by key list or by prefix (and modification time). Returns the number deleted. */
export class S3DeleteObjectsOperator extends BaseOperator<number> {
  override readonly templateFields: readonly string[] = ['keys', 'bucket', 'prefix', 'fromDatetime', 'toDatetime'];
  bucket: Templated<string>;
  keys: Templated<string | readonly string[]> | undefined;
  prefix: Templated<string> | undefined;
  fromDatetime: Templated<Date | string> | undefined;
  toDatetime: Templated<Date | string> | undefined;
  readonly awsConnId: string;

  constructor(options: S3DeleteObjectsOperatorOptions) {
    super(options, ['bucket', 'keys', 'prefix', 'fromDatetime', 'toDatetime', 'awsConnId']);
    const what = operatorLabel('S3DeleteObjectsOperator', this.taskId, this.dagId);
    const checks = new OptionChecks(what, options as unknown as Record<string, unknown>);
    checks.requiredString('bucket');
    checks.optionalString('prefix');
    checks.optionalString('awsConnId', 'a connection id');
    const byKeys = options.keys !== undefined;
    const byPrefix = options.prefix !== undefined || options.fromDatetime !== undefined || options.toDatetime !== undefined;
    if (byKeys === byPrefix) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG', `${what} needs either keys or prefix (with fromDatetime/toDatetime), not ${byKeys ? 'both' : 'neither'}`);
    }
    if (byKeys && typeof options.keys !== 'function' && typeof options.keys !== 'string'
      && !(Array.isArray(options.keys) && options.keys.every((k) => typeof k === 'string'))) {
      checks.fail('keys', 'a key, a list of keys or a function of the task context');
    }
    this.bucket = options.bucket;
    this.keys = options.keys;
    this.prefix = options.prefix;
    this.fromDatetime = options.fromDatetime;
    this.toDatetime = options.toDatetime;
    this.awsConnId = options.awsConnId ?? 'aws_default';
  }

  async execute(ctx: TaskContext): Promise<number> {
    const hook = new S3Hook({ awsConnId: this.awsConnId });
    const bucket = renderedString(this.bucket, ctx, 'bucket');
    let keys: string[];
    if (this.keys !== undefined) {
      keys = renderedStringList(this.keys, ctx, 'keys');
    } else {
      const from = renderedDate(this.fromDatetime, ctx, 'fromDatetime');
      const to = renderedDate(this.toDatetime, ctx, 'toDatetime');
      keys = await hook.listKeys(bucket, {
        prefix: renderedOptionalString(this.prefix, ctx, 'prefix') ?? '',
        ...(from === undefined ? {} : { fromDatetime: from }),
        ...(to === undefined ? {} : { toDatetime: to }),
      });
    }
    if (keys.length === 0) {
      ctx.log.info('No keys to delete');
      return 0;
    }
    const deleted = await hook.deleteObjects(bucket, keys);
    ctx.log.info(`Deleted ${deleted} key(s) from bucket ${bucket}`);
    return deleted;
  }
}

function renderedDate(value: unknown, ctx: TaskContext, field: string): Date | undefined {
  const rendered = resolveTemplateFunctions(value, ctx);
  if (rendered === undefined || rendered === null || rendered === '') return undefined;
  const date = rendered instanceof Date ? rendered : typeof rendered === 'string' ? new Date(rendered) : null;
  if (date === null || Number.isNaN(date.getTime())) {
    throw new UpdraftError('UPDRAFT_ERR_TEMPLATE', `${field} of ${ctx.taskId} rendered to ${describe(rendered)}; it must be a Date or an ISO-8601 date-time`);
  }
  return date;
}
