import { strict as assert } from 'node:assert';
import { it } from 'node:test';
import { isUpdraftError } from '../../common/errors.js';
import { DAY, T0, day, newTask, seedDag, seedRun, withStore, type MakeStore } from './fixtures.js';

export function runTests(makeStore: MakeStore): void {
  it('createDagRun stores the run and its task instances (state none) together', () => withStore(makeStore, async (store) => {
    await seedDag(store, 'etl');
    const before = Date.now();
    const conf = { target: '서울', nested: { list: [1, 'two', null, true] }, big: 12345678901 };
    const run = await store.createDagRun({
      dagId: 'etl', runId: 'manual__1', runType: 'manual', state: 'queued', logicalDate: T0,
      dataIntervalStart: new Date(T0.getTime() - DAY), dataIntervalEnd: T0, conf, dagVersionHash: 'h1',
      tasks: [newTask('a', { priorityWeight: 5, pool: 'p', poolSlots: 2, queue: 'q', maxTries: 3 }), newTask('b')],
    });
    assert.equal(typeof run.id, 'number');
    assert.deepEqual({ ...run, id: 0, queuedAt: null }, {
      id: 0, dagId: 'etl', runId: 'manual__1', runType: 'manual', state: 'queued', logicalDate: T0,
      dataIntervalStart: new Date(T0.getTime() - DAY), dataIntervalEnd: T0, conf, dagVersionHash: 'h1', queuedAt: null,
      startDate: null, endDate: null, backfillId: null,
    });
    assert.ok(run.queuedAt.getTime() >= before - 1000);
    assert.deepEqual(await store.getDagRun('etl', 'manual__1'), run);
    const tis = await store.listTaskInstances({ dagId: 'etl', runId: 'manual__1' });
    assert.deepEqual(tis.map((t) => [t.taskId, t.state, t.tryNumber, t.maxTries, t.pool, t.poolSlots, t.priorityWeight, t.queue]), [
      ['a', 'none', 0, 3, 'p', 2, 5, 'q'],
      ['b', 'none', 0, 1, 'default_pool', 1, 1, 'default'],
    ]);
    assert.ok(tis.every((t) => t.queuedAt === null && t.claimedBy === null && t.error === null && t.lastHeartbeatAt === null));

    const running = await seedRun(store, { dagId: 'etl', runId: 'running__1', logicalDate: day(1), state: 'running' });
    assert.ok(running.startDate !== null, 'a run created running has started');
  }));

  it('a duplicate run id or logical date is UPDRAFT_ERR_RUN_EXISTS and leaves nothing behind', () => withStore(makeStore, async (store) => {
    await seedDag(store, 'etl');
    await seedDag(store, 'other');
    await seedRun(store, { dagId: 'etl', runId: 'r1', logicalDate: day(0), tasks: [newTask('a')] });
    await assert.rejects(seedRun(store, { dagId: 'etl', runId: 'r1', logicalDate: day(5), tasks: [newTask('z')] }),
      (e) => isUpdraftError(e, 'UPDRAFT_ERR_RUN_EXISTS') && e.message.includes('r1'));
    await assert.rejects(seedRun(store, { dagId: 'etl', runId: 'r2', logicalDate: day(0), tasks: [newTask('z')] }),
      (e) => isUpdraftError(e, 'UPDRAFT_ERR_RUN_EXISTS') && e.message.includes(day(0).toISOString()));
    assert.equal(await store.getDagRun('etl', 'r2'), null);
    assert.equal(await store.getDagRunByLogicalDate('etl', day(5)), null);
    assert.deepEqual((await store.listTaskInstances({ dagId: 'etl' })).map((t) => `${t.runId}/${t.taskId}`), ['r1/a']);
    // The keys are per DAG.
    await seedRun(store, { dagId: 'other', runId: 'r1', logicalDate: day(0) });
  }));

  it('createDagRun is atomic: a failing task insert leaves no run', () => withStore(makeStore, async (store) => {
    await seedDag(store, 'etl');
    await assert.rejects(seedRun(store, { dagId: 'etl', runId: 'dup_tasks', tasks: [newTask('a'), newTask('a')] }));
    assert.equal(await store.getDagRun('etl', 'dup_tasks'), null);
    assert.deepEqual(await store.listTaskInstances({ dagId: 'etl' }), []);
    await assert.rejects(seedRun(store, { dagId: 'ghost', runId: 'r1' }), (e) => isUpdraftError(e, 'UPDRAFT_ERR_DAG_NOT_FOUND') && e.message.includes('ghost'));
  }));

  it('finds runs by logical date, filter, previous run; counts running runs', () => withStore(makeStore, async (store) => {
    await seedDag(store, 'etl');
    await seedDag(store, 'other');
    const backfill = await store.createBackfill({ dagId: 'etl', fromDate: day(0), toDate: day(1), maxActiveRuns: 2, rerunFailed: false });
    await seedRun(store, { dagId: 'etl', runId: 's0', logicalDate: day(0), runType: 'scheduled', state: 'success' });
    await seedRun(store, { dagId: 'etl', runId: 's1', logicalDate: day(1), runType: 'scheduled', state: 'running' });
    await seedRun(store, { dagId: 'etl', runId: 'b2', logicalDate: day(2), runType: 'backfill', state: 'running', backfillId: backfill.id });
    await seedRun(store, { dagId: 'etl', runId: 'm3', logicalDate: day(3), runType: 'manual', state: 'queued' });
    await seedRun(store, { dagId: 'other', runId: 'o1', logicalDate: day(1), state: 'running' });

    assert.equal((await store.getDagRunByLogicalDate('etl', day(2)))?.runId, 'b2');
    assert.equal(await store.getDagRunByLogicalDate('etl', new Date(day(2).getTime() + 1)), null);
    const ids = async (filter: Parameters<typeof store.listDagRuns>[0]): Promise<string[]> => (await store.listDagRuns(filter)).map((r) => r.runId);
    assert.deepEqual(await ids({ dagId: 'etl' }), ['s0', 's1', 'b2', 'm3']);
    assert.deepEqual(await ids({ dagId: 'etl', newestFirst: true, limit: 2 }), ['m3', 'b2']);
    assert.deepEqual(await ids({ dagId: 'etl', states: ['running', 'queued'] }), ['s1', 'b2', 'm3']);
    assert.deepEqual(await ids({ states: ['running'] }), ['s1', 'o1', 'b2'], 'oldest logical date first, then creation order');
    assert.deepEqual(await ids({ dagId: 'etl', runTypes: ['scheduled'] }), ['s0', 's1']);
    assert.deepEqual(await ids({ dagId: 'etl', logicalDateFrom: day(1), logicalDateTo: day(2) }), ['s1', 'b2'], 'bounds are inclusive');
    assert.deepEqual(await ids({ backfillId: backfill.id }), ['b2']);
    assert.deepEqual(await ids({ dagId: 'etl', states: [] }), []);
    assert.deepEqual(await ids({ dagId: 'etl', limit: 0 }), []);
    assert.equal((await store.listDagRuns()).length, 5);

    assert.equal(await store.countActiveRuns('etl'), 2);
    assert.equal(await store.countActiveRuns('nobody'), 0);
    assert.equal((await store.getPreviousDagRun('etl', day(2)))?.runId, 's1');
    assert.equal((await store.getPreviousDagRun('etl', new Date(day(2).getTime() + 1)))?.runId, 'b2');
    assert.equal(await store.getPreviousDagRun('etl', day(0)), null);
  }));

  it('updateDagRun sets only the given fields; deleteDagRun removes the run and its task instances', () => withStore(makeStore, async (store) => {
    await seedDag(store, 'etl');
    await seedRun(store, { dagId: 'etl', runId: 'r1', state: 'queued' });
    const started = new Date('2024-05-06T07:08:09.123Z');
    assert.equal(await store.updateDagRun('etl', 'r1', { state: 'running', startDate: started }), true);
    let run = await store.getDagRun('etl', 'r1');
    assert.deepEqual([run?.state, run?.startDate, run?.endDate, run?.dagVersionHash], ['running', started, null, 'h1']);
    assert.equal(await store.updateDagRun('etl', 'r1', { state: 'success', endDate: day(9), dagVersionHash: 'h2' }), true);
    run = await store.getDagRun('etl', 'r1');
    assert.deepEqual([run?.state, run?.startDate, run?.endDate, run?.dagVersionHash], ['success', started, day(9), 'h2']);
    assert.equal(await store.updateDagRun('etl', 'r1', { endDate: null }), true);
    assert.equal((await store.getDagRun('etl', 'r1'))?.endDate, null);
    assert.equal(await store.updateDagRun('etl', 'r1', {}), true);
    assert.equal(await store.updateDagRun('etl', 'ghost', { state: 'failed' }), false);
    assert.equal(await store.updateDagRun('etl', 'ghost', {}), false);

    await store.setXCom({ dagId: 'etl', runId: 'r1', taskId: 'a', key: 'k', value: '"v"' });
    await store.recordAttempt({ dagId: 'etl', runId: 'r1', taskId: 'a', tryNumber: 1, state: 'failed', startDate: null, endDate: null, durationMs: null, hostname: null, pid: null, error: 'x' });
    assert.equal(await store.deleteDagRun('etl', 'r1'), true);
    assert.equal(await store.getDagRun('etl', 'r1'), null);
    assert.deepEqual(await store.listTaskInstances({ dagId: 'etl' }), []);
    assert.deepEqual(await store.listXComs({ dagId: 'etl', runId: 'r1' }), []);
    assert.deepEqual(await store.listAttempts({ dagId: 'etl', runId: 'r1', taskId: 'a' }), []);
    assert.equal(await store.deleteDagRun('etl', 'r1'), false);
  }));
}
