import { strict as assert } from 'node:assert';
import { it } from 'node:test';
import { isUpdraftError } from '../../common/errors.js';
import { T0, dagSpec, day, newTask, seedDag, seedRun, tiKey, withStore, type MakeStore } from './fixtures.js';

export function dagTests(makeStore: MakeStore): void {
  it('upsertDag creates a DAG with its spec and records a version per hash, keeping isPaused', () => withStore(makeStore, async (store) => {
    const v1 = dagSpec('etl', ['extract', 'load']);
    const parsed = new Date('2024-02-03T04:05:06.789Z');
    assert.deepEqual(await store.upsertDag({ spec: v1, versionHash: 'h1', fileloc: '/dags/etl.ts', isPausedOnCreate: true, parsedAt: parsed }),
      { created: true, versionChanged: true });
    let dag = await store.getDag('etl');
    assert.ok(dag);
    assert.deepEqual(dag.spec, v1);
    assert.equal(dag.isPaused, true);
    assert.equal(dag.isActive, true);
    assert.equal(dag.versionHash, 'h1');
    assert.equal(dag.fileloc, '/dags/etl.ts');
    assert.equal(dag.lastParsedAt.getTime(), parsed.getTime());
    assert.equal(dag.lastAutomatedIntervalStart, null);
    assert.equal(dag.nextRunAfter, null);

    assert.deepEqual(await store.upsertDag({ spec: v1, versionHash: 'h1', fileloc: '/dags/etl.ts', isPausedOnCreate: true, parsedAt: parsed }),
      { created: false, versionChanged: false });

    await store.setDagPaused('etl', false);
    const v2 = dagSpec('etl', ['extract', 'transform', 'load']);
    assert.deepEqual(await store.upsertDag({ spec: v2, versionHash: 'h2', fileloc: '/dags/moved.ts', isPausedOnCreate: true, parsedAt: T0 }),
      { created: false, versionChanged: true });
    dag = await store.getDag('etl');
    assert.ok(dag);
    assert.equal(dag.isPaused, false, 'isPausedOnCreate applies only when the DAG is created');
    assert.equal(dag.versionHash, 'h2');
    assert.equal(dag.fileloc, '/dags/moved.ts');
    assert.deepEqual(dag.spec, v2);
    const old = await store.getDagVersion('etl', 'h1');
    assert.ok(old);
    assert.deepEqual(old.spec, v1);
    assert.equal(old.createdAt.getTime(), parsed.getTime());
    assert.deepEqual((await store.getDagVersion('etl', 'h2'))?.spec, v2);
    assert.equal(await store.getDagVersion('etl', 'nope'), null);
    assert.equal(await store.getDag('missing'), null);

    // Going back to an earlier version is a change too, and reuses the stored version.
    assert.deepEqual(await store.upsertDag({ spec: v1, versionHash: 'h1', fileloc: '/dags/etl.ts', isPausedOnCreate: true, parsedAt: T0 }),
      { created: false, versionChanged: true });
    assert.equal((await store.getDagVersion('etl', 'h1'))?.createdAt.getTime(), parsed.getTime());
  }));

  it('deactivates DAGs that leave their file or whose file is gone, and reactivates them on upsert', () => withStore(makeStore, async (store) => {
    await seedDag(store, 'a1', { fileloc: '/dags/a.ts' });
    await seedDag(store, 'a2', { fileloc: '/dags/a.ts' });
    await seedDag(store, 'b1', { fileloc: '/dags/b.ts' });
    await seedDag(store, 'c1', { fileloc: '/dags/c.ts' });
    assert.deepEqual(await store.deactivateMissingDags('/dags/a.ts', ['a1']), ['a2']);
    assert.deepEqual(await store.deactivateMissingDags('/dags/a.ts', ['a1']), [], 'already inactive');
    assert.deepEqual((await store.listDags({ onlyActive: true })).map((d) => d.dagId), ['a1', 'b1', 'c1']);
    assert.deepEqual((await store.listDags()).map((d) => d.dagId), ['a1', 'a2', 'b1', 'c1']);
    assert.equal((await store.getDag('a2'))?.isActive, false);

    assert.deepEqual(await store.deactivateDagsNotInFiles(['/dags/a.ts', '/dags/c.ts']), ['b1']);
    assert.deepEqual((await store.listDags({ onlyActive: true })).map((d) => d.dagId), ['a1', 'c1']);
    assert.deepEqual(await store.deactivateMissingDags('/dags/c.ts', []), ['c1']);

    await seedDag(store, 'b1', { fileloc: '/dags/b.ts' });
    assert.equal((await store.getDag('b1'))?.isActive, true);
    assert.deepEqual(await store.deactivateDagsNotInFiles([]), ['a1', 'b1']);
    assert.deepEqual(await store.listDags({ onlyActive: true }), []);
  }));

  it('setDagPaused and setDagSchedulingInfo change only what they are given', () => withStore(makeStore, async (store) => {
    await seedDag(store, 'd');
    await store.setDagPaused('d', true);
    assert.equal((await store.getDag('d'))?.isPaused, true);
    await assert.rejects(store.setDagPaused('ghost', true), (e) => isUpdraftError(e, 'UPDRAFT_ERR_DAG_NOT_FOUND') && e.message.includes('ghost'));

    await store.setDagSchedulingInfo('d', { lastAutomatedIntervalStart: day(1), lastAutomatedIntervalEnd: day(2), nextRunAfter: day(3) });
    let dag = await store.getDag('d');
    assert.deepEqual([dag?.lastAutomatedIntervalStart, dag?.lastAutomatedIntervalEnd, dag?.nextRunAfter], [day(1), day(2), day(3)]);
    await store.setDagSchedulingInfo('d', { nextRunAfter: null });
    dag = await store.getDag('d');
    assert.deepEqual([dag?.lastAutomatedIntervalStart, dag?.lastAutomatedIntervalEnd, dag?.nextRunAfter], [day(1), day(2), null]);
    await store.setDagSchedulingInfo('d', {});
    assert.equal((await store.getDag('d'))?.isPaused, true);
  }));

  it('deleteDag removes the DAG with its versions, runs, task instances, attempts, XComs and backfills, and nothing else', () => withStore(makeStore, async (store) => {
    for (const dagId of ['doomed', 'kept']) {
      await seedDag(store, dagId);
      await store.upsertDag({ spec: dagSpec(dagId, ['a']), versionHash: 'h2', fileloc: `/dags/${dagId}.ts`, isPausedOnCreate: false, parsedAt: T0 });
      const backfill = await store.createBackfill({ dagId, fromDate: day(0), toDate: day(2), maxActiveRuns: 1, rerunFailed: false });
      await seedRun(store, { dagId: dagId, runId: 'r1', backfillId: backfill.id });
      await seedRun(store, { dagId: dagId, runId: 'r2', logicalDate: day(1), tasks: [newTask('a')] });
      await store.recordAttempt({ dagId, runId: 'r1', taskId: 'a', tryNumber: 1, state: 'success', startDate: T0, endDate: T0, durationMs: 1, hostname: 'h', pid: 1, error: null });
      await store.setXCom({ dagId, runId: 'r1', taskId: 'a', key: 'return_value', value: '1' });
    }
    const doomedBackfill = (await store.listDagRuns({ dagId: 'doomed', runTypes: ['manual'] }))[0]?.backfillId;
    assert.equal(typeof doomedBackfill, 'number');

    assert.deepEqual(await store.deleteDag('doomed'), { deleted: true });
    assert.equal(await store.getDag('doomed'), null);
    assert.equal(await store.getDagVersion('doomed', 'h1'), null);
    assert.equal(await store.getDagVersion('doomed', 'h2'), null);
    assert.deepEqual(await store.listDagRuns({ dagId: 'doomed' }), []);
    assert.deepEqual(await store.listTaskInstances({ dagId: 'doomed' }), []);
    assert.deepEqual(await store.listAttempts(tiKey('doomed', 'r1', 'a')), []);
    assert.equal(await store.getXCom({ dagId: 'doomed', runId: 'r1', taskId: 'a', key: 'return_value' }), null);
    assert.equal(await store.getBackfill(doomedBackfill!), null);

    assert.ok(await store.getDag('kept'));
    assert.equal((await store.listDagRuns({ dagId: 'kept' })).length, 2);
    assert.equal((await store.listTaskInstances({ dagId: 'kept' })).length, 3);
    assert.equal((await store.listAttempts(tiKey('kept', 'r1', 'a'))).length, 1);
    assert.ok(await store.getXCom({ dagId: 'kept', runId: 'r1', taskId: 'a', key: 'return_value' }));
    assert.ok(await store.getDagVersion('kept', 'h1'));

    assert.deepEqual(await store.deleteDag('doomed'), { deleted: false });
  }));
}
