import { BaseOperator, type BaseOperatorOptions } from '../../../sdk/base-operator.js';
import type { TaskContext } from '../../../sdk/context.js';
import type { Templated } from '../../../sdk/templated.js';
import { S3Hook } from '../s3-hook.js';
import type { S3WriteResult } from '../s3-types.js';
import { OptionChecks, operatorLabel, renderedOptionalString, renderedString } from './operator-support.js';

export interface LocalFilesystemToS3OperatorOptions extends BaseOperatorOptions {
  /** Path of the local file to upload; templated. */
  filename: Templated<string>;
  /** Key to write, or a full s3://bucket/key URL (then no destBucket); templated. */
  destKey: Templated<string>;
  /** Bucket of destKey; templated. */
  destBucket?: Templated<string>;
  /** Default false: an existing key fails the task (UPDRAFT_ERR_S3_KEY_EXISTS) and is left unchanged. */
  replace?: boolean;
  /** Default false: server-side encryption (AES256). */
  encrypt?: boolean;
  /** Default false: gzip the file while uploading. */
  gzip?: boolean;
  /** Canned ACL, e.g. 'bucket-owner-full-control'; default none. */
  acl?: string;
  awsConnId?: string;
}

/** Uploads a local file to S3 (streamed; multipart when large). Returns bucket, key and ETag. */
export class LocalFilesystemToS3Operator extends BaseOperator<S3WriteResult> {
  override readonly templateFields: readonly string[] = ['filename', 'destKey', 'destBucket'];
  filename: Templated<string>;
  destKey: Templated<string>;
  destBucket: Templated<string> | undefined;
  readonly replace: boolean;
  readonly encrypt: boolean;
  readonly gzip: boolean;
  readonly acl: string | undefined;
  readonly awsConnId: string;

  constructor(options: LocalFilesystemToS3OperatorOptions) {
    super(options, ['filename', 'destKey', 'destBucket', 'replace', 'encrypt', 'gzip', 'acl', 'awsConnId']);
    const checks = new OptionChecks(operatorLabel('LocalFilesystemToS3Operator', this.taskId, this.dagId), options as unknown as Record<string, unknown>);
    checks.requiredString('filename');
    checks.requiredString('destKey');
    checks.optionalString('destBucket');
    checks.optionalString('acl', 'a canned ACL name');
    checks.optionalString('awsConnId', 'a connection id');
    for (const name of ['replace', 'encrypt', 'gzip']) checks.optionalBoolean(name);
    this.filename = options.filename;
    this.destKey = options.destKey;
    this.destBucket = options.destBucket;
    this.replace = options.replace ?? false;
    this.encrypt = options.encrypt ?? false;
    this.gzip = options.gzip ?? false;
    this.acl = options.acl;
    this.awsConnId = options.awsConnId ?? 'aws_default';
  }

  async execute(ctx: TaskContext): Promise<S3WriteResult> {
    const hook = new S3Hook({ awsConnId: this.awsConnId });
    const filename = renderedString(this.filename, ctx, 'filename');
    const result = await hook.loadFile(filename, renderedString(this.destKey, ctx, 'destKey'), renderedOptionalString(this.destBucket, ctx, 'destBucket'), {
      replace: this.replace, encrypt: this.encrypt, gzip: this.gzip, ...(this.acl === undefined ? {} : { acl: this.acl }),
    });
    ctx.log.info(`Uploaded ${filename} to s3://${result.bucketName}/${result.key}`);
    return result;
  }
}
