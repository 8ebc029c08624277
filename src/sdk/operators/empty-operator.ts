import { BaseOperator, type BaseOperatorOptions } from '../base-operator.js';

/** Does nothing: a join point or placeholder in a DAG. */
export class EmptyOperator extends BaseOperator<undefined> {
  constructor(options: BaseOperatorOptions) {
    super(options);
  }

  execute(): undefined {
    return undefined;
  }
}
