import type { BaseOperatorOptions } from '../../../sdk/base-operator.js';
import { BaseOperator } from '../../../sdk/base-operator.js';
import type { TaskContext } from '../../../sdk/context.js';
import type { Templated } from '../../../sdk/templated.js';
import { S3Hook } from '../s3-hook.js';
import { OptionChecks, operatorLabel, renderedOptionalString, renderedString } from './operator-support.js';

export interface S3CreateBucketOperatorOptions extends BaseOperatorOptions {
  /** The bucket to create; templated. Default: the connection's bucket_name extra. */
  bucketName?: Templated<string>;
  /** Region of the new bucket; default the connection's region_name. */
  regionName?: Templated<string>;
  /** Default 'aws_default'. */
  awsConnId?: string;
}

/** Creates an S3 bucket; an existing bucket is left as it is (logged). */
export class S3CreateBucketOperator extends BaseOperator<undefined> {
  override readonly templateFields: readonly string[] = ['bucketName', 'regionName'];
  bucketName: Templated<string> | undefined;
  regionName: Templated<string> | undefined;
  readonly awsConnId: string;

  constructor(options: S3CreateBucketOperatorOptions) {
    super(options, ['bucketName', 'regionName', 'awsConnId']);
    const checks = new OptionChecks(operatorLabel('S3CreateBucketOperator', this.taskId, this.dagId), options as unknown as Record<string, unknown>);
    checks.optionalString('bucketName');
    checks.optionalString('regionName');
    checks.optionalString('awsConnId', 'a connection id');
    this.bucketName = options.bucketName;
    this.regionName = options.regionName;
    this.awsConnId = options.awsConnId ?? 'aws_default';
  }

  async execute(ctx: TaskContext): Promise<undefined> {
    const hook = new S3Hook({ awsConnId: this.awsConnId });
    const bucket = await hook.resolveBucket(renderedOptionalString(this.bucketName, ctx, 'bucketName'));
    if (await hook.checkForBucket(bucket)) {
      ctx.log.info(`Bucket ${bucket} already exists`);
      return undefined;
    }
    await hook.createBucket(bucket, renderedOptionalString(this.regionName, ctx, 'regionName'));
    ctx.log.info(`Created bucket ${bucket}`);
    return undefined;
  }
}

export interface S3DeleteBucketOperatorOptions extends BaseOperatorOptions {
  /** The bucket to delete; templated. */
  bucketName: Templated<string>;
  /** Default false: true deletes the bucket's objects first. */
  forceDelete?: boolean;
  awsConnId?: string;
}

/** Deletes an S3 bucket; a bucket that does not exist is logged and left alone (as in Airflow). */
export class S3DeleteBucketOperator extends BaseOperator<undefined> {
  override readonly templateFields: readonly string[] = ['bucketName'];
  bucketName: Templated<string>;
  readonly forceDelete: boolean;
  readonly awsConnId: string;

  constructor(options: S3DeleteBucketOperatorOptions) {
    super(options, ['bucketName', 'forceDelete', 'awsConnId']);
    const checks = new OptionChecks(operatorLabel('S3DeleteBucketOperator', this.taskId, this.dagId), options as unknown as Record<string, unknown>);
    checks.requiredString('bucketName');
    checks.optionalBoolean('forceDelete');
    this.bucketName = options.bucketName;
    this.forceDelete = options.forceDelete ?? false;
    this.awsConnId = options.awsConnId ?? 'aws_default';
  }

  async execute(ctx: TaskContext): Promise<undefined> {
    const hook = new S3Hook({ awsConnId: this.awsConnId });
    const bucket = renderedString(this.bucketName, ctx, 'bucketName');
    if (!(await hook.checkForBucket(bucket))) {
      ctx.log.info(`Bucket ${bucket} does not exist; nothing to delete`);
      return undefined;
    }
    await hook.deleteBucket(bucket, { forceDelete: this.forceDelete });
    ctx.log.info(`Deleted bucket ${bucket}`);
    return undefined;
  }
}
