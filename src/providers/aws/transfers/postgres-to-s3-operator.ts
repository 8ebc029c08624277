import type { Templated } from '../../../sdk/templated.js';
import { SqlToS3Operator, type SqlToS3OperatorOptions } from './sql-to-s3-operator.js';

export interface PostgresToS3OperatorOptions extends Omit<SqlToS3OperatorOptions, 'sqlConnId'> {
  /** Default 'postgres_default'. */
  postgresConnId?: Templated<string>;
}

/** SqlToS3Operator for PostgreSQL: the same options, with postgresConnId (default 'postgres_default'). */
export class PostgresToS3Operator extends SqlToS3Operator {
  constructor(options: PostgresToS3OperatorOptions) {
    const { postgresConnId, ...rest } = options;
    super({ ...rest, sqlConnId: postgresConnId ?? 'postgres_default' }, ['postgresConnId']);
  }
}
