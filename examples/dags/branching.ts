import { EmptyOperator, branch, dag, getContext, task } from 'updraft';

const pick = branch('pick_path', (): string => {
  const { logicalDate } = getContext();
  return logicalDate.getUTCDay() === 0 || logicalDate.getUTCDay() === 6 ? 'weekend' : 'weekday';
});

const report = task('report', (): string => `report for ${getContext().ds}`);

/** Branching: only the chosen path runs; the join still runs because of its trigger rule. */
export default dag({
  dagId: 'example_branching',
  schedule: '0 6 * * *',
  timezone: 'Europe/Berlin',
  startDate: '2026-01-01',
  tags: ['example', 'branching'],
}, () => {
  const choice = pick();
  const weekday = new EmptyOperator({ taskId: 'weekday' });
  const weekend = new EmptyOperator({ taskId: 'weekend' });
  const join = new EmptyOperator({ taskId: 'join', triggerRule: 'none_failed_min_one_success' });
  choice.setDownstream([weekday, weekend]);
  join.setUpstream([weekday, weekend]);
  join.setDownstream(report());
});
