/** DAG sources used by the end-to-end tests (written into a temp dags folder). */

export const HELLO_DAG = `
import { BashOperator, dag, task, getContext } from 'updraft';

const shout = task('shout', (word: string): string => {
  console.log('shouting ' + word + ' for ' + getContext().ds);
  return word.toUpperCase();
});

export default dag({ dagId: 'hello', schedule: null, params: { who: 'world' } }, () => {
  const echo = new BashOperator({ taskId: 'echo', bashCommand: 'echo "hello {{ params.who }} on {{ ds }}"' });
  const loud = shout('updraft');
  echo.setDownstream(loud);
});
`;

/** try 1 kills its own worker process (as an OOM kill would); try 2 succeeds. */
export const KILLED_WORKER_DAG = `
import { dag, task, getContext } from 'updraft';
import { appendFileSync } from 'node:fs';

const fragile = task({ taskId: 'fragile', retries: 2, retryDelay: '1s' }, (pidFile: string): string => {
  const ctx = getContext();
  appendFileSync(pidFile, process.pid + '\\n');
  if (ctx.ti.tryNumber === 1) process.kill(process.pid, 'SIGKILL');
  return 'survived on try ' + ctx.ti.tryNumber;
});

export default dag({ dagId: 'killed_worker', schedule: null }, () => {
  fragile(process.env.UPDRAFT_TEST_PID_FILE ?? '/tmp/updraft-pids');
});
`;

export const DAILY_DAG = `
import { BashOperator, dag } from 'updraft';

export default dag({
  dagId: 'daily',
  schedule: '@daily',
  startDate: '2026-01-01',
  catchup: false,
}, () => {
  const a = new BashOperator({ taskId: 'a', bashCommand: 'echo "run for {{ ds }}"' });
  const b = new BashOperator({ taskId: 'b', bashCommand: 'test "{{ ds }}" != "2026-01-02" || test ! -f "$UPDRAFT_HOME/fail-day2"' });
  a.setDownstream(b);
});
`;

export const FAILING_DAG = `
import { dag, task } from 'updraft';

const boom = task('boom', (): void => { throw new Error('the warehouse is on fire'); });
const after = task('after', (): string => 'never');

export default dag({ dagId: 'failing', schedule: null }, () => {
  const b = boom();
  const a = after();
  b.setDownstream(a);
});
`;

export const SYNTAX_ERROR_DAG = `
import { dag } from 'updraft';
export default dag({ dagId: 'broken', schedule: null }, () => {
  const x = ;
});
`;

export const THROWING_DAG = `
throw new Error('cannot reach config server at import time');
`;

export const BARE_NUMBER_DAG = `
import { BashOperator, dag } from 'updraft';
export default dag({ dagId: 'bare_number', schedule: null, defaultArgs: { retryDelay: 300 as unknown as string } }, () => {
  new BashOperator({ taskId: 't', bashCommand: 'true' });
});
`;

export const CYCLE_DAG = `
import { EmptyOperator, dag } from 'updraft';
export default dag({ dagId: 'cyclic', schedule: null }, () => {
  const a = new EmptyOperator({ taskId: 'a' });
  const b = new EmptyOperator({ taskId: 'b' });
  const c = new EmptyOperator({ taskId: 'c' });
  a.setDownstream(b); b.setDownstream(c); c.setDownstream(a);
});
`;

/** A task that outlives any grace period: records its bash pid, then sleeps. */
export const SLOW_DAG = `
import { BashOperator, dag } from 'updraft';
export default dag({ dagId: 'slow', schedule: null, defaultArgs: { retries: 0 } }, () => {
  new BashOperator({ taskId: 'sleepy', bashCommand: 'echo $$ >> "$UPDRAFT_TEST_PID_FILE.bash"; exec sleep 120' });
});
`;
