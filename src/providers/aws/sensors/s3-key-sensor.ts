import { UpdraftError } from '../../../common/errors.js';
import type { TaskContext } from '../../../sdk/context.js';
import { describe } from '../../../sdk/naming.js';
import { BaseSensorOperator, type BaseSensorOperatorOptions } from '../../../sdk/sensors/base-sensor-operator.js';
import type { Templated } from '../../../sdk/templated.js';
import { fnmatchToRegExp, wildcardPrefix } from '../fnmatch.js';
import { S3Hook } from '../s3-hook.js';
import { renderedOptionalString, renderedStringList } from '../operators/operator-support.js';

/** What checkFn receives for one key: the matching objects (one, or several with wildcardMatch). */
export interface S3KeySensorFile {
  key: string;
  size: number;
  lastModified: Date | undefined;
}

export interface S3KeySensorOptions extends BaseSensorOperatorOptions {
  /** Key(s) to wait for — each a key in bucketName or a full s3://bucket/key URL; templated. All must exist. */
  bucketKey: Templated<string | readonly string[]>;
  /** Bucket of the keys that are not full URLs; templated. */
  bucketName?: Templated<string>;
  /** Default false: true reads each key as a fnmatch pattern (`*`, `?`, `[…]`). */
  wildcardMatch?: boolean;
  /** Extra condition on the objects found for a key (e.g. a minimum size); must return true too. */
  checkFn?: (files: S3KeySensorFile[], ctx: TaskContext) => boolean | Promise<boolean>;
  awsConnId?: string;
}

/** Waits until S3 keys exist (Airflow's S3KeySensor); poke or reschedule mode. */
export class S3KeySensor extends BaseSensorOperator {
  override readonly templateFields: readonly string[] = ['bucketKey', 'bucketName'];
  bucketKey: Templated<string | readonly string[]>;
  bucketName: Templated<string> | undefined;
  readonly wildcardMatch: boolean;
  readonly checkFn: S3KeySensorOptions['checkFn'];
  readonly awsConnId: string;

  constructor(options: S3KeySensorOptions) {
    super(options, ['bucketKey', 'bucketName', 'wildcardMatch', 'checkFn', 'awsConnId']);
    const what = `S3KeySensor ${JSON.stringify(this.taskId)} in DAG ${JSON.stringify(this.dagId)}`;
    const key = options.bucketKey;
    const validKey = typeof key === 'function' || (typeof key === 'string' && key !== '')
      || (Array.isArray(key) && key.length > 0 && key.every((k) => typeof k === 'string' && k !== ''));
    if (!validKey) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG', `${what} has bucketKey: ${describe(key)}; it must be a key, a non-empty list of keys or a function of the task context`);
    }
    if (options.bucketName !== undefined && typeof options.bucketName !== 'function' && typeof options.bucketName !== 'string') {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG', `${what} has bucketName: ${describe(options.bucketName)}; it must be a string or a function of the task context`);
    }
    if (options.wildcardMatch !== undefined && typeof options.wildcardMatch !== 'boolean') {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG', `${what} has wildcardMatch: ${describe(options.wildcardMatch)}; it must be true or false`);
    }
    if (options.checkFn !== undefined && typeof options.checkFn !== 'function') {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG', `${what} has checkFn: ${describe(options.checkFn)}; it must be a function (files, ctx) => boolean`);
    }
    this.bucketKey = key;
    this.bucketName = options.bucketName;
    this.wildcardMatch = options.wildcardMatch ?? false;
    this.checkFn = options.checkFn;
    this.awsConnId = options.awsConnId ?? 'aws_default';
  }

  async poke(ctx: TaskContext): Promise<boolean> {
    const hook = new S3Hook({ awsConnId: this.awsConnId });
    try {
      const bucketName = renderedOptionalString(this.bucketName, ctx, 'bucketName');
      for (const key of renderedStringList(this.bucketKey, ctx, 'bucketKey')) {
        if (!(await this.checkKey(hook, { bucketKey: key, bucketName }, ctx))) return false;
      }
      return true;
    } finally {
      // A rescheduled sensor runs poke once per attempt: do not keep sockets open between pokes.
      hook.close();
    }
  }

  private async checkKey(hook: S3Hook, target: { bucketKey: string; bucketName: string | undefined }, ctx: TaskContext): Promise<boolean> {
    const { bucket, key } = await hook.resolveKey(target.bucketKey, target.bucketName);
    ctx.log.info(`Poking for key s3://${bucket}/${key}`);
    let files: S3KeySensorFile[];
    if (this.wildcardMatch) {
      const pattern = fnmatchToRegExp(key);
      const objects = await hook.getFileMetadata(wildcardPrefix(key), bucket);
      files = objects.filter((o) => pattern.test(o.key)).map((o) => ({ key: o.key, size: o.size, lastModified: o.lastModified }));
    } else {
      const head = await hook.headObject(key, bucket);
      files = head === null ? [] : [{ key, size: head.size, lastModified: head.lastModified }];
    }
    if (files.length === 0) return false;
    return this.checkFn === undefined ? true : Boolean(await this.checkFn(files, ctx));
  }
}
