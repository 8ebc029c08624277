// The scheduler keeps each run's task instances between passes (src/scheduler/run-task-cache.ts).
// These tests pin what that must not change: a task's start is recorded even when its 'started'
// and 'finished' reports are written together, changes made outside the scheduler (clear) are
// honoured, and the cache is off while a second scheduler shares the database.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '../../src/common/logger.js';
import { InProcessExecutor } from '../../src/executors/in-process/in-process-executor.js';
import { runAttempt } from '../../src/runtime/run-attempt.js';
import { createExecutionApi } from '../../src/scheduler/execution-api.js';
import { clearTaskInstances } from '../../src/scheduler/operations.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { eventually } from '../support/cli.js';
import { makeEngine, type TestEngine } from '../support/engine.js';

describe('run cache (sqlite, local executor)', () => {
  let e: TestEngine;
  before(async () => { e = await makeEngine('sqlite', { executor: 'local', scheduler: { safetyNetMs: 60_000 } }); });
  after(async () => { await e.close(); });

  test('a quick task and a slow one both record start, pid and host; the slow one shows running meanwhile', async () => {
    const release = join(e.dir, 'release-slow');
    await e.addDag('starts.ts', `
      import { existsSync } from 'node:fs';
      import { EmptyOperator, dag, task } from 'updraft';
      const slow = task('slow', async (): Promise<void> => {
        while (!existsSync(${JSON.stringify(release)})) await new Promise((r) => setTimeout(r, 20));
      });
      export default dag({ dagId: 'starts', schedule: null }, () => {
        new EmptyOperator({ taskId: 'quick' }).setDownstream(slow());
      });`);
    const run = await e.trigger('starts');
    const running = await eventually(async () => {
      const ti = await e.store.getTaskInstance({ dagId: 'starts', runId: run.runId, taskId: 'slow' });
      return ti?.state === 'running' ? ti : null;
    }, 'the slow task to show running', 20_000, 20);
    assert.ok(running !== null && running.startDate !== null && running.pid !== null && running.hostname !== null);
    writeFileSync(release, '');
    assert.equal((await e.waitForRun('starts', run.runId)).state, 'success');
    for (const taskId of ['quick', 'slow']) {
      const ti = (await e.store.getTaskInstance({ dagId: 'starts', runId: run.runId, taskId }))!;
      assert.equal(ti.state, 'success');
      assert.ok(ti.startDate !== null && ti.endDate !== null, `${taskId} has start and end dates`);
      assert.ok(ti.startDate.getTime() <= ti.endDate.getTime(), `${taskId} starts before it ends`);
      assert.ok(ti.pid !== null && ti.pid !== process.pid, `${taskId} ran in a worker process`);
      assert.ok(ti.hostname !== null && ti.firstAttemptAt !== null);
      const [attempt] = await e.store.listAttempts({ dagId: 'starts', runId: run.runId, taskId });
      assert.ok(attempt?.startDate !== null && attempt?.startDate !== undefined, `${taskId}'s attempt records its start`);
    }
  });

  test('a task cleared while its run is running runs again (the CLI wakes the scheduler for a full pass)', async () => {
    const release = join(e.dir, 'release-gate');
    await e.addDag('cleared.ts', `
      import { existsSync } from 'node:fs';
      import { EmptyOperator, dag, task } from 'updraft';
      const gate = task('gate', async (): Promise<void> => {
        while (!existsSync(${JSON.stringify(release)})) await new Promise((r) => setTimeout(r, 20));
      });
      export default dag({ dagId: 'cleared', schedule: null }, () => {
        const first = new EmptyOperator({ taskId: 'first' });
        first.setDownstream(gate());
        new EmptyOperator({ taskId: 'other' });
      });`);
    const run = await e.trigger('cleared');
    await eventually(async () => ((await e.states('cleared', run.runId)).gate === 'running' ? true : null), 'the gate to run', 20_000, 20);
    const cleared = await clearTaskInstances(e.store, { dagId: 'cleared', runId: run.runId, taskRegex: '^other$' });
    assert.deepEqual(cleared.map((ti) => ti.taskId), ['other']);
    e.scheduler.requestFullPass();
    const again = await eventually(async () => {
      const ti = await e.store.getTaskInstance({ dagId: 'cleared', runId: run.runId, taskId: 'other' });
      return ti?.state === 'success' && ti.tryNumber === 2 ? ti : null;
    }, 'the cleared task to run a second time', 20_000, 20);
    assert.equal(again?.tryNumber, 2);
    assert.ok(!existsSync(release), 'the run was still running when the cleared task ran again');
    writeFileSync(release, '');
    assert.equal((await e.waitForRun('cleared', run.runId)).state, 'success');
  });
});

describe('run cache with two schedulers (sqlite)', () => {
  let e: TestEngine;
  before(async () => { e = await makeEngine('sqlite', { scheduler: { heartbeatMs: 200 } }); });
  after(async () => { await e.close(); });

  test('is off while another scheduler heartbeats on the same database, and on again once it stopped', async () => {
    assert.equal(e.scheduler.runCacheEnabled, true, 'alone, the scheduler uses its run cache');
    const executor = new InProcessExecutor({ parallelism: 1, runAttempt: (w, ch, o) => runAttempt(w, ch, { signal: o.signal, captureProcessOutput: false }) });
    const api = createExecutionApi({ store: e.store, maxXcomSize: 1_048_576, getVariable: async () => undefined, getConnection: async () => undefined });
    const second = new Scheduler({
      store: e.store, executor, api, logger: silentLogger, baseLogFolder: join(e.dir, 'logs2'), createScheduledRuns: false, heartbeatMs: 200,
    });
    await second.start();
    try {
      await eventually(async () => (e.scheduler.runCacheEnabled ? null : true), 'the first scheduler to notice the second', 5_000, 20);
      await e.addDag('shared.ts', `
        import { EmptyOperator, dag } from 'updraft';
        export default dag({ dagId: 'shared', schedule: null }, () => {
          const a = new EmptyOperator({ taskId: 'a' });
          const b = new EmptyOperator({ taskId: 'b' });
          const c = new EmptyOperator({ taskId: 'c' });
          a.setDownstream([b, c]);
          new EmptyOperator({ taskId: 'd' }).setUpstream([b, c]);
        });`);
      const run = await e.trigger('shared');
      assert.equal((await e.waitForRun('shared', run.runId, 20_000)).state, 'success');
    } finally {
      await second.stop(1000);
    }
    await eventually(async () => (e.scheduler.runCacheEnabled ? true : null), 'the cache to come back on', 5_000, 20);
  });
});
