import { BashOperator, EmptyOperator, chain, dag, taskGroup } from 'updraft';

/** Task groups: ids are prefixed (`extract.orders`), and a group stands in dependencies like a task. */
export default dag({
  dagId: 'example_task_group',
  schedule: '@daily',
  startDate: '2026-01-01',
  tags: ['example', 'groups'],
}, () => {
  const start = new EmptyOperator({ taskId: 'start' });
  const extract = taskGroup('extract', () => {
    new BashOperator({ taskId: 'orders', bashCommand: 'echo orders for {{ ds }}' });
    new BashOperator({ taskId: 'customers', bashCommand: 'echo customers for {{ ds }}' });
  });
  const publish = taskGroup({ groupId: 'publish', defaultArgs: { retries: 1 } }, () => {
    const build = new BashOperator({ taskId: 'build', bashCommand: 'echo building mart' });
    const notify = new BashOperator({ taskId: 'notify', bashCommand: 'echo published' });
    build.setDownstream(notify);
  });
  chain(start, extract, publish);
});
