import { BashOperator, EmptyOperator, chain, dag, param } from 'updraft';

/** A classic-operator DAG: Bash commands with a templated param, the logical date and retries. */
export default dag({
  dagId: 'example_bash_params',
  description: 'Echo a templated message every hour',
  schedule: '@hourly',
  startDate: '2026-01-01T00:00:00Z',
  catchup: false,
  tags: ['example', 'bash'],
  params: { message: param({ default: 'hello from Updraft', type: 'string', minLength: 1 }) },
  defaultArgs: { owner: 'data-eng', retries: 2, retryDelay: '10s' },
}, () => {
  const start = new EmptyOperator({ taskId: 'start' });
  const say = new BashOperator({ taskId: 'say', bashCommand: 'echo "{{ params.message }}"' });
  const when = new BashOperator({
    taskId: 'when',
    bashCommand: 'echo "interval {{ data_interval_start }} to {{ data_interval_end }} (ds={{ ds }}, next day {{ macros.ds_add(ds, 1) }})"',
  });
  const count = new BashOperator({ taskId: 'count_files', bashCommand: 'ls -1 "$DIR" | wc -l', env: { DIR: '/tmp' }, appendEnv: true });
  chain(start, [say, when], count);
});
