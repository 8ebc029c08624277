import { BaseOperator, type BaseOperatorOptions } from '../../../sdk/base-operator.js';
import type { TaskContext } from '../../../sdk/context.js';
import type { Templated } from '../../../sdk/templated.js';
import { S3Hook } from '../s3-hook.js';
import type { S3WriteResult } from '../s3-types.js';
import { OptionChecks, operatorLabel, renderedOptionalString, renderedString } from './operator-support.js';

export interface S3CopyObjectOperatorOptions extends BaseOperatorOptions {
  /** Source key, or a full s3://bucket/key URL (then no sourceBucketName); templated. */
  sourceBucketKey: Templated<string>;
  /** Destination key, or a full s3:// URL (then no destBucketName); templated. */
  destBucketKey: Templated<string>;
  sourceBucketName?: Templated<string>;
  destBucketName?: Templated<string>;
  sourceVersionId?: string;
  /** Canned ACL of the copy; default 'private'; 'no-acl' sends none. */
  acl?: string;
  /** 'COPY' (default) keeps the source's metadata; 'REPLACE' drops it. */
  metadataDirective?: 'COPY' | 'REPLACE';
  kmsKeyId?: string;
  kmsEncryptionType?: 'aws:kms' | 'aws:kms:dsse';
  awsConnId?: string;
}

/** Copies one S3 object (within or across buckets). Returns the destination bucket, key and ETag. */
export class S3CopyObjectOperator extends BaseOperator<S3WriteResult> {
  override readonly templateFields: readonly string[] = ['sourceBucketKey', 'destBucketKey', 'sourceBucketName', 'destBucketName'];
  sourceBucketKey: Templated<string>;
  destBucketKey: Templated<string>;
  sourceBucketName: Templated<string> | undefined;
  destBucketName: Templated<string> | undefined;
  readonly sourceVersionId: string | undefined;
  readonly acl: string | undefined;
  readonly metadataDirective: 'COPY' | 'REPLACE' | undefined;
  readonly kmsKeyId: string | undefined;
  readonly kmsEncryptionType: 'aws:kms' | 'aws:kms:dsse' | undefined;
  readonly awsConnId: string;

  constructor(options: S3CopyObjectOperatorOptions) {
    super(options, ['sourceBucketKey', 'destBucketKey', 'sourceBucketName', 'destBucketName', 'sourceVersionId', 'acl',
      'metadataDirective', 'kmsKeyId', 'kmsEncryptionType', 'awsConnId']);
    const checks = new OptionChecks(operatorLabel('S3CopyObjectOperator', this.taskId, this.dagId), options as unknown as Record<string, unknown>);
    checks.requiredString('sourceBucketKey');
    checks.requiredString('destBucketKey');
    for (const name of ['sourceBucketName', 'destBucketName', 'sourceVersionId', 'acl', 'kmsKeyId', 'awsConnId']) checks.optionalString(name);
    checks.oneOf('metadataDirective', ['COPY', 'REPLACE']);
    checks.oneOf('kmsEncryptionType', ['aws:kms', 'aws:kms:dsse']);
    if ((options.kmsKeyId === undefined) !== (options.kmsEncryptionType === undefined)) {
      checks.fail('kmsKeyId', 'given together with kmsEncryptionType (or neither)');
    }
    this.sourceBucketKey = options.sourceBucketKey;
    this.destBucketKey = options.destBucketKey;
    this.sourceBucketName = options.sourceBucketName;
    this.destBucketName = options.destBucketName;
    this.sourceVersionId = options.sourceVersionId;
    this.acl = options.acl;
    this.metadataDirective = options.metadataDirective;
    this.kmsKeyId = options.kmsKeyId;
    this.kmsEncryptionType = options.kmsEncryptionType;
    this.awsConnId = options.awsConnId ?? 'aws_default';
  }

  async execute(ctx: TaskContext): Promise<S3WriteResult> {
    const hook = new S3Hook({ awsConnId: this.awsConnId });
    const srcBucket = renderedOptionalString(this.sourceBucketName, ctx, 'sourceBucketName');
    const dstBucket = renderedOptionalString(this.destBucketName, ctx, 'destBucketName');
    const result = await hook.copyObject(renderedString(this.sourceBucketKey, ctx, 'sourceBucketKey'), renderedString(this.destBucketKey, ctx, 'destBucketKey'), {
      ...(srcBucket === undefined ? {} : { srcBucket }),
      ...(dstBucket === undefined ? {} : { dstBucket }),
      ...(this.sourceVersionId === undefined ? {} : { sourceVersionId: this.sourceVersionId }),
      ...(this.acl === undefined ? {} : { acl: this.acl }),
      ...(this.metadataDirective === undefined ? {} : { metadataDirective: this.metadataDirective }),
      ...(this.kmsKeyId === undefined ? {} : { kmsKeyId: this.kmsKeyId, kmsEncryptionType: this.kmsEncryptionType! }),
    });
    ctx.log.info(`Copied to s3://${result.bucketName}/${result.key}`);
    return result;
  }
}
