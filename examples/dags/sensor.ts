import { BashOperator, FileSensor, dag } from 'updraft';

/**
 * A sensor in reschedule mode: it frees its worker slot between pokes. It waits for a marker file
 * that the upstream task writes, so the example completes on its own.
 */
export default dag({
  dagId: 'example_sensor',
  schedule: '30m',
  startDate: '2026-01-01T00:00:00Z',
  tags: ['example', 'sensor'],
}, () => {
  const produce = new BashOperator({
    taskId: 'produce',
    bashCommand: 'mkdir -p /tmp/updraft-example && sleep 2 && touch /tmp/updraft-example/ready-{{ ts_nodash }}',
  });
  const wait = new FileSensor({
    taskId: 'wait_for_file',
    filepath: '/tmp/updraft-example/ready-{{ ts_nodash }}',
    mode: 'reschedule',
    pokeInterval: '1s',
    timeout: '10m',
  });
  const consume = new BashOperator({ taskId: 'consume', bashCommand: 'rm -f /tmp/updraft-example/ready-{{ ts_nodash }} && echo consumed' });
  wait.setUpstream(produce);
  wait.setDownstream(consume);
});
