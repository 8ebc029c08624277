import { BaseOperator, dag, type TaskContext, type TaskOptions } from 'updraft';

/** Your own operator: extend BaseOperator, list the templated properties, implement execute(ctx). */
class WordCountOperator extends BaseOperator<number> {
  override readonly templateFields: readonly string[] = ['text'];
  text: string;

  constructor(options: TaskOptions & { taskId: string; text: string }) {
    super(options, ['text']);
    this.text = options.text;
  }

  execute(ctx: TaskContext): number {
    const words = this.text.split(/\s+/).filter(Boolean).length;
    ctx.log.info(`"${this.text}" has ${words} words`);
    return words;
  }
}

export default dag({ dagId: 'example_custom_operator', schedule: '@daily', startDate: '2026-01-01', tags: ['example'] }, () => {
  new WordCountOperator({ taskId: 'count', text: 'report for {{ ds }} of {{ dag.dag_id }}' });
});
