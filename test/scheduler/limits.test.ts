// Scheduler limits and run-level rules: dependsOnPast, dagrunTimeout, maxActiveTasks, priority
// weight, the XCom size limit — on SQLite (the same code paths run on PostgreSQL in scheduling.test.ts).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeEngine, type TestEngine } from '../support/engine.js';

describe('scheduler limits (sqlite)', () => {
  let e: TestEngine;
  before(async () => { e = await makeEngine('sqlite'); });
  after(async () => { await e.close(); });

  test('dependsOnPast: a task waits for its own success in the previous run; the run deadlocks after a failure', async () => {
    const flag = join(e.dir, 'fail-first');
    const { writeFileSync, rmSync } = await import('node:fs');
    writeFileSync(flag, '');
    await e.addDag('dop.ts', `
      import { dag, task } from 'updraft';
      import { existsSync } from 'node:fs';
      const step = task({ taskId: 'step', dependsOnPast: true }, (): void => { if (existsSync(${JSON.stringify(flag)})) throw new Error('flag set'); });
      export default dag({ dagId: 'dop', schedule: '@daily', startDate: '2026-01-01' }, () => { step(); });`);
    const first = await e.trigger('dop', {}, new Date('2026-01-01T00:00:00Z'));
    assert.equal((await e.waitForRun('dop', first.runId)).state, 'failed');
    rmSync(flag);
    const second = await e.trigger('dop', {}, new Date('2026-01-02T00:00:00Z'));
    const done = await e.waitForRun('dop', second.runId);
    assert.equal(done.state, 'failed', 'the previous run failed, so the task can never run');
    assert.equal((await e.states('dop', second.runId)).step, 'none');
  });

  test('dagrunTimeout fails a run that takes too long and stops its tasks', async () => {
    await e.addDag('slow_run.ts', `
      import { dag, task } from 'updraft';
      const slow = task('slow', async (): Promise<void> => { await new Promise((r) => setTimeout(r, 1500)); });
      const after = task('after', (): void => undefined);
      export default dag({ dagId: 'slow_run', schedule: null, dagrunTimeout: '300ms' }, () => { slow().setDownstream(after()); });`);
    const run = await e.trigger('slow_run');
    e.scheduler.requestFullPass();
    const done = await e.waitForRun('slow_run', run.runId);
    assert.equal(done.state, 'failed');
    const states = await e.states('slow_run', run.runId);
    assert.equal(states.after, 'skipped');
  });

  test('maxActiveTasks caps concurrent task instances of a DAG', async () => {
    const spans = join(e.dir, 'mat-spans');
    await e.addDag('mat.ts', `
      import { dag, task } from 'updraft';
      import { appendFileSync } from 'node:fs';
      const work = task('work', async (): Promise<void> => {
        const start = Date.now();
        await new Promise((r) => setTimeout(r, 150));
        appendFileSync(${JSON.stringify(spans)}, start + ' ' + Date.now() + '\\n');
      });
      export default dag({ dagId: 'mat', schedule: null, maxActiveTasks: 2 }, () => { work(); work(); work(); work(); });`);
    const run = await e.trigger('mat');
    assert.equal((await e.waitForRun('mat', run.runId)).state, 'success');
    const s = readFileSync(spans, 'utf8').trim().split('\n').map((l) => l.split(' ').map(Number) as [number, number]);
    const overlap = Math.max(...s.map(([t]) => s.filter(([a, b]) => a <= t && t < b).length));
    assert.ok(overlap <= 2, `at most 2 at once, saw ${overlap}`);
  });

  test('with one slot, the task with the higher (downstream-summed) priority weight goes first', async () => {
    await e.store.setPool({ name: 'one', slots: 1, description: null });
    const order = join(e.dir, 'order');
    await e.addDag('prio.ts', `
      import { dag, task } from 'updraft';
      import { appendFileSync } from 'node:fs';
      const mk = (id: string, weight: number) => task({ taskId: id, pool: 'one', priorityWeight: weight }, (): void => { appendFileSync(${JSON.stringify(order)}, id + '\\n'); });
      export default dag({ dagId: 'prio', schedule: null }, () => { mk('low', 1)(); mk('high', 10)(); mk('mid', 5)(); });`);
    const run = await e.trigger('prio');
    assert.equal((await e.waitForRun('prio', run.runId)).state, 'success');
    assert.deepEqual(readFileSync(order, 'utf8').trim().split('\n'), ['high', 'mid', 'low']);
  });

  test('a paused DAG makes no progress, even on a manual run, until it is unpaused', async () => {
    await e.addDag('pausable.ts', `
      import { EmptyOperator, dag } from 'updraft';
      export default dag({ dagId: 'pausable', schedule: null }, () => { new EmptyOperator({ taskId: 'a' }).setDownstream(new EmptyOperator({ taskId: 'b' })); });`);
    await e.store.setDagPaused('pausable', true);
    e.scheduler.requestFullPass();
    const run = await e.trigger('pausable');
    await new Promise((r) => setTimeout(r, 500));
    await e.scheduler.idle();
    assert.deepEqual(await e.states('pausable', run.runId), { a: 'none', b: 'none' });
    await e.store.setDagPaused('pausable', false);
    e.scheduler.requestFullPass();
    assert.equal((await e.waitForRun('pausable', run.runId)).state, 'success');
  });

  test('an XCom above [core] max_xcom_size fails the task with a clear error', async () => {
    await e.addDag('big.ts', `
      import { dag, task } from 'updraft';
      const big = task('big', (): string => 'x'.repeat(2 * 1024 * 1024));
      export default dag({ dagId: 'big_xcom', schedule: null }, () => { big(); });`);
    const run = await e.trigger('big_xcom');
    assert.equal((await e.waitForRun('big_xcom', run.runId)).state, 'failed');
    const ti = await e.store.getTaskInstance({ dagId: 'big_xcom', runId: run.runId, taskId: 'big' });
    assert.match(ti?.error ?? '', /UPDRAFT_ERR_XCOM_TOO_LARGE|max_xcom_size/);
  });
});
