import { strict as assert } from 'node:assert';
import { it } from 'node:test';
import { T0, day, newTask, seedDag, seedRun, tiKey, withStore, type MakeStore } from './fixtures.js';

export function taskInstanceTests(makeStore: MakeStore): void {
  it('updateTaskInstance is a compare-and-set on fromStates', () => withStore(makeStore, async (store) => {
    await seedDag(store, 'etl');
    await seedRun(store, { dagId: 'etl', runId: 'r1' });
    const key = tiKey('etl', 'r1', 'a');
    assert.equal(await store.updateTaskInstance(key, { state: 'queued' }, ['scheduled']), null);
    assert.equal((await store.getTaskInstance(key))?.state, 'none', 'a failed precondition changes nothing');
    assert.equal(await store.updateTaskInstance(key, { state: 'queued' }, []), null);

    const at = new Date('2024-03-04T05:06:07.089Z');
    const updated = await store.updateTaskInstance(key, {
      state: 'running', tryNumber: 1, startDate: at, hostname: 'worker-1', pid: 4242, lastHeartbeatAt: at,
      queuedAt: at, firstAttemptAt: at, nextAttemptAt: at, claimedBy: 'sched-1', error: '실패 failure', durationMs: 86_400_000 * 40,
    }, ['none', 'scheduled']);
    assert.ok(updated);
    assert.deepEqual(updated, await store.getTaskInstance(key));
    assert.deepEqual(
      [updated.state, updated.tryNumber, updated.startDate, updated.hostname, updated.pid, updated.lastHeartbeatAt, updated.queuedAt,
        updated.firstAttemptAt, updated.nextAttemptAt, updated.claimedBy, updated.error, updated.durationMs, updated.endDate, updated.maxTries],
      ['running', 1, at, 'worker-1', 4242, at, at, at, at, 'sched-1', '실패 failure', 86_400_000 * 40, null, 1]);

    // Omitted fromStates: any state; null clears; undefined leaves alone.
    const cleared = await store.updateTaskInstance(key, { state: 'success', endDate: at, error: null, nextAttemptAt: null, hostname: undefined });
    assert.deepEqual([cleared?.state, cleared?.endDate, cleared?.error, cleared?.nextAttemptAt, cleared?.hostname], ['success', at, null, null, 'worker-1']);
    // An empty patch reads the row when the precondition holds.
    assert.equal((await store.updateTaskInstance(key, {}, ['success']))?.state, 'success');
    assert.equal(await store.updateTaskInstance(key, {}, ['failed']), null);
    assert.equal(await store.updateTaskInstance(tiKey('etl', 'r1', 'ghost'), { state: 'failed' }), null);
  }));

  it('updateTaskInstances applies one patch to many rows, each guarded by fromStates', () => withStore(makeStore, async (store) => {
    await seedDag(store, 'etl');
    await seedRun(store, { dagId: 'etl', runId: 'r1', tasks: ['a', 'b', 'c', 'd'].map((t) => newTask(t)) });
    await seedRun(store, { dagId: 'etl', runId: 'r2', logicalDate: day(1), tasks: [newTask('a')] });
    await store.updateTaskInstance(tiKey('etl', 'r1', 'c'), { state: 'running' });
    assert.equal(await store.updateTaskInstances('etl', 'r1', ['a', 'b', 'c', 'ghost'], { state: 'skipped', endDate: T0 }, ['none']), 2);
    const states = Object.fromEntries((await store.listTaskInstances({ dagId: 'etl', runId: 'r1' })).map((t) => [t.taskId, t.state]));
    assert.deepEqual(states, { a: 'skipped', b: 'skipped', c: 'running', d: 'none' });
    assert.equal((await store.getTaskInstance(tiKey('etl', 'r2', 'a')))?.state, 'none', 'other runs are untouched');
    assert.equal(await store.updateTaskInstances('etl', 'r1', ['d'], { state: 'scheduled' }), 1);
    assert.equal(await store.updateTaskInstances('etl', 'r1', [], { state: 'scheduled' }), 0);
    assert.equal(await store.updateTaskInstances('etl', 'r1', ['d'], { state: 'queued' }, []), 0);
  }));

  it('ensureTaskInstances adds missing task instances and leaves existing ones alone', () => withStore(makeStore, async (store) => {
    await seedDag(store, 'etl');
    await seedRun(store, { dagId: 'etl', runId: 'r1', tasks: [newTask('a')] });
    await store.updateTaskInstance(tiKey('etl', 'r1', 'a'), { state: 'success', tryNumber: 1 });
    await store.ensureTaskInstances('etl', 'r1', [newTask('a', { maxTries: 9 }), newTask('b', { priorityWeight: 7 })]);
    await store.ensureTaskInstances('etl', 'r1', [newTask('a'), newTask('b')]);
    const tis = await store.listTaskInstances({ dagId: 'etl', runId: 'r1' });
    assert.deepEqual(tis.map((t) => [t.taskId, t.state, t.tryNumber, t.maxTries, t.priorityWeight]), [['a', 'success', 1, 1, 1], ['b', 'none', 0, 1, 7]]);
    await store.ensureTaskInstances('etl', 'r1', []);
  }));

  it('listTaskInstances filters by dag, run, task ids and states', () => withStore(makeStore, async (store) => {
    await seedDag(store, 'etl');
    await seedDag(store, 'other');
    await seedRun(store, { dagId: 'etl', runId: 'r1', tasks: ['a', 'b', 'c'].map((t) => newTask(t)) });
    await seedRun(store, { dagId: 'etl', runId: 'r2', logicalDate: day(1), tasks: [newTask('a')] });
    await seedRun(store, { dagId: 'other', runId: 'r1', tasks: [newTask('a')] });
    await store.updateTaskInstance(tiKey('etl', 'r1', 'b'), { state: 'failed' });
    const keys = async (filter: Parameters<typeof store.listTaskInstances>[0]): Promise<string[]> =>
      (await store.listTaskInstances(filter)).map((t) => `${t.dagId}/${t.runId}/${t.taskId}`);
    assert.deepEqual(await keys({ dagId: 'etl' }), ['etl/r1/a', 'etl/r1/b', 'etl/r1/c', 'etl/r2/a']);
    assert.deepEqual(await keys({ dagId: 'etl', runId: 'r1', taskIds: ['a', 'c', 'zz'] }), ['etl/r1/a', 'etl/r1/c']);
    assert.deepEqual(await keys({ states: ['failed'] }), ['etl/r1/b']);
    assert.deepEqual(await keys({ runId: 'r1', states: ['none'] }), ['etl/r1/a', 'etl/r1/c', 'other/r1/a']);
    assert.deepEqual(await keys({ dagId: 'etl', taskIds: [] }), []);
    assert.deepEqual(await keys({}), ['etl/r1/a', 'etl/r1/b', 'etl/r1/c', 'etl/r2/a', 'other/r1/a']);
  }));

  it('poolUsage and activeTaskCounts count queued and running task instances', () => withStore(makeStore, async (store) => {
    await seedDag(store, 'etl');
    await seedDag(store, 'other');
    await seedRun(store, { dagId: 'etl', runId: 'r1', tasks: [newTask('a', { pool: 'p1', poolSlots: 3 }), newTask('b', { pool: 'p1', poolSlots: 2 }), newTask('c'), newTask('d', { pool: 'p2' })] });
    await seedRun(store, { dagId: 'other', runId: 'r1', tasks: [newTask('a', { pool: 'p1', poolSlots: 4 })] });
    assert.deepEqual(await store.poolUsage(), new Map());
    assert.deepEqual(await store.activeTaskCounts(), new Map());
    await store.updateTaskInstance(tiKey('etl', 'r1', 'a'), { state: 'queued' });
    await store.updateTaskInstance(tiKey('etl', 'r1', 'b'), { state: 'running' });
    await store.updateTaskInstance(tiKey('etl', 'r1', 'c'), { state: 'running' });
    await store.updateTaskInstance(tiKey('etl', 'r1', 'd'), { state: 'success' });
    await store.updateTaskInstance(tiKey('other', 'r1', 'a'), { state: 'queued' });
    assert.deepEqual(await store.poolUsage(), new Map([['p1', 9], ['default_pool', 1]]));
    assert.deepEqual(await store.activeTaskCounts(), new Map([['etl', 3], ['other', 1]]));
  }));

  it('listStaleTaskInstances returns queued/running task instances whose heartbeat is older than the cut-off', () => withStore(makeStore, async (store) => {
    await seedDag(store, 'etl');
    await seedRun(store, { dagId: 'etl', runId: 'r1', tasks: ['old_running', 'old_queued', 'fresh', 'old_done', 'no_beat'].map((t) => newTask(t)) });
    const old = new Date(T0.getTime() - 60_000);
    await store.updateTaskInstance(tiKey('etl', 'r1', 'old_running'), { state: 'running', lastHeartbeatAt: old });
    await store.updateTaskInstance(tiKey('etl', 'r1', 'old_queued'), { state: 'queued', lastHeartbeatAt: new Date(old.getTime() + 1) });
    await store.updateTaskInstance(tiKey('etl', 'r1', 'fresh'), { state: 'running', lastHeartbeatAt: T0 });
    await store.updateTaskInstance(tiKey('etl', 'r1', 'old_done'), { state: 'success', lastHeartbeatAt: old });
    await store.updateTaskInstance(tiKey('etl', 'r1', 'no_beat'), { state: 'running' });
    const stale = await store.listStaleTaskInstances(T0);
    assert.deepEqual(stale.map((t) => t.taskId).sort(), ['old_queued', 'old_running']);
    assert.deepEqual(await store.listStaleTaskInstances(old), []);
  }));

  it('recordAttempt keeps one row per try (updated when recorded again) and listAttempts returns them in order', () => withStore(makeStore, async (store) => {
    await seedDag(store, 'etl');
    await seedRun(store, { dagId: 'etl', runId: 'r1' });
    const key = tiKey('etl', 'r1', 'a');
    const base = { ...key, startDate: T0, endDate: null, durationMs: null, hostname: 'h1', pid: 10, error: null };
    await store.recordAttempt({ ...base, tryNumber: 2, state: 'running' });
    await store.recordAttempt({ ...base, tryNumber: 1, state: 'failed', endDate: day(1), durationMs: 5, error: 'boom' });
    await store.recordAttempt({ ...base, tryNumber: 2, state: 'success', endDate: day(2), durationMs: 7 });
    assert.deepEqual(await store.listAttempts(key), [
      { ...base, tryNumber: 1, state: 'failed', endDate: day(1), durationMs: 5, error: 'boom' },
      { ...base, tryNumber: 2, state: 'success', endDate: day(2), durationMs: 7 },
    ]);
    assert.deepEqual(await store.listAttempts(tiKey('etl', 'r1', 'b')), []);
  }));
}
