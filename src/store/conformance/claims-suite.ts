import { strict as assert } from 'node:assert';
import { it } from 'node:test';
import type { MetadataStore, NewTaskInstance, TaskInstance } from '../../core/ports/metadata-store.js';
import { T0, day, newTask, seedDag, seedRun, withStore, type MakeStore } from './fixtures.js';

async function schedule(store: MetadataStore, dagId: string, runId: string): Promise<void> {
  const ids = (await store.listTaskInstances({ dagId, runId })).map((t) => t.taskId);
  await store.updateTaskInstances(dagId, runId, ids, { state: 'scheduled' }, ['none']);
}

const names = (tis: readonly TaskInstance[]): string[] => tis.map((t) => `${t.runId}/${t.taskId}`);

export function claimTests(makeStore: MakeStore): void {
  it('claims scheduled task instances of running runs, best priority first, then oldest run, then task id', () => withStore(makeStore, async (store) => {
    await seedDag(store, 'etl');
    const tasks = [newTask('low', { priorityWeight: 1 }), newTask('high', { priorityWeight: 10 }), newTask('mid_b', { priorityWeight: 5 }), newTask('mid_a', { priorityWeight: 5 })];
    await seedRun(store, { dagId: 'etl', runId: 'newer', logicalDate: day(2), tasks });
    await seedRun(store, { dagId: 'etl', runId: 'older', logicalDate: day(1), tasks });
    await seedRun(store, { dagId: 'etl', runId: 'queued_run', logicalDate: day(0), state: 'queued', tasks });
    await seedRun(store, { dagId: 'etl', runId: 'done_run', logicalDate: day(3), state: 'success', tasks });
    for (const run of ['newer', 'older', 'queued_run', 'done_run']) await schedule(store, 'etl', run);
    await store.updateTaskInstance({ dagId: 'etl', runId: 'older', taskId: 'low' }, { state: 'none' });

    const now = new Date('2024-06-01T12:00:00.000Z');
    const first = await store.claimScheduledTaskInstances({ schedulerId: 'sched-A', limit: 5, poolFreeSlots: new Map(), now });
    assert.deepEqual(names(first), ['older/high', 'newer/high', 'older/mid_a', 'older/mid_b', 'newer/mid_a']);
    for (const ti of first) {
      assert.equal(ti.state, 'queued');
      assert.equal(ti.claimedBy, 'sched-A');
      assert.deepEqual(ti.queuedAt, now);
      assert.deepEqual(await store.getTaskInstance(ti), ti);
    }
    const rest = await store.claimScheduledTaskInstances({ schedulerId: 'sched-B', limit: 10, poolFreeSlots: new Map(), now });
    assert.deepEqual(names(rest), ['newer/mid_b', 'newer/low'], 'only running runs; only scheduled task instances');
    assert.deepEqual(await store.claimScheduledTaskInstances({ schedulerId: 'sched-B', limit: 10, poolFreeSlots: new Map(), now }), []);
    assert.equal((await store.listTaskInstances({ runId: 'queued_run', states: ['scheduled'] })).length, 4);
    assert.deepEqual(await store.claimScheduledTaskInstances({ schedulerId: 'x', limit: 0, poolFreeSlots: new Map(), now }), []);
  }));

  it('respects the free slots of each pool, counting poolSlots; pools not in the map have no limit', () => withStore(makeStore, async (store) => {
    await seedDag(store, 'etl');
    const tasks: NewTaskInstance[] = [
      newTask('p1_big', { pool: 'p1', poolSlots: 3, priorityWeight: 100 }),
      newTask('p1_a', { pool: 'p1', poolSlots: 1, priorityWeight: 90 }),
      newTask('p1_b', { pool: 'p1', poolSlots: 1, priorityWeight: 80 }),
      newTask('p1_c', { pool: 'p1', poolSlots: 1, priorityWeight: 70 }),
      newTask('full_a', { pool: 'full', priorityWeight: 60 }),
      newTask('free_a', { pool: 'unlisted', poolSlots: 50, priorityWeight: 50 }),
      newTask('free_b', { pool: 'unlisted', poolSlots: 50, priorityWeight: 40 }),
    ];
    await seedRun(store, { dagId: 'etl', runId: 'r1', tasks });
    await schedule(store, 'etl', 'r1');
    const claimed = await store.claimScheduledTaskInstances({
      schedulerId: 's', limit: 10, poolFreeSlots: new Map([['p1', 2], ['full', 0]]), now: T0,
    });
    assert.deepEqual(claimed.map((t) => t.taskId), ['p1_a', 'p1_b', 'free_a', 'free_b'], 'a 3-slot task does not fit in 2 free slots; smaller ones behind it do');
    const left = (await store.listTaskInstances({ dagId: 'etl', states: ['scheduled'] })).map((t) => t.taskId).sort();
    assert.deepEqual(left, ['full_a', 'p1_big', 'p1_c']);

    const next = await store.claimScheduledTaskInstances({ schedulerId: 's', limit: 10, poolFreeSlots: new Map([['p1', 3], ['full', 1]]), now: T0 });
    assert.deepEqual(next.map((t) => t.taskId), ['p1_big', 'full_a']);
  }));

  it('pool limits hold across pages when the limit is smaller than the candidates', () => withStore(makeStore, async (store) => {
    await seedDag(store, 'etl');
    const tasks: NewTaskInstance[] = [];
    for (let i = 0; i < 30; i++) tasks.push(newTask(`small_${String(i).padStart(2, '0')}`, { pool: i % 2 === 0 ? 'even' : 'odd', priorityWeight: 100 - i }));
    await seedRun(store, { dagId: 'etl', runId: 'r1', tasks });
    await schedule(store, 'etl', 'r1');
    const claimed = await store.claimScheduledTaskInstances({ schedulerId: 's', limit: 6, poolFreeSlots: new Map([['even', 1]]), now: T0 });
    assert.deepEqual(claimed.map((t) => t.taskId), ['small_00', 'small_01', 'small_03', 'small_05', 'small_07', 'small_09']);
  }));

  it('claims only the DAGs asked for', () => withStore(makeStore, async (store) => {
    for (const dagId of ['a', 'b', 'c']) {
      await seedDag(store, dagId);
      await seedRun(store, { dagId: dagId, runId: 'r1' });
      await schedule(store, dagId, 'r1');
    }
    const claimed = await store.claimScheduledTaskInstances({ schedulerId: 's', limit: 10, poolFreeSlots: new Map(), dagIds: ['a', 'c'], now: T0 });
    assert.deepEqual(claimed.map((t) => t.dagId).sort(), ['a', 'a', 'c', 'c']);
    assert.deepEqual(await store.claimScheduledTaskInstances({ schedulerId: 's', limit: 10, poolFreeSlots: new Map(), dagIds: [], now: T0 }), []);
  }));

  it('concurrent claims never queue a task instance twice (one store, and two stores on one database)', () => withStore(makeStore, async (store, handle) => {
    await seedDag(store, 'etl');
    const taskIds = Array.from({ length: 50 }, (_, i) => `t${String(i).padStart(3, '0')}`);
    for (let r = 0; r < 4; r++) {
      await seedRun(store, { dagId: 'etl', runId: `r${r}`, logicalDate: day(r), tasks: taskIds.map((id, i) => newTask(id, { priorityWeight: i % 7 })) });
      await schedule(store, 'etl', `r${r}`);
    }
    const other = handle.openAnother === undefined ? store : await handle.openAnother();
    const claimers = [
      { store, id: 'sched-1' }, { store, id: 'sched-2' }, { store: other, id: 'sched-3' }, { store: other, id: 'sched-4' },
    ];
    const seen = new Map<string, string>();
    const loop = async (claimer: { store: MetadataStore; id: string }): Promise<number> => {
      let total = 0;
      for (;;) {
        const batch = await claimer.store.claimScheduledTaskInstances({ schedulerId: claimer.id, limit: 7, poolFreeSlots: new Map(), now: T0 });
        if (batch.length === 0) return total;
        for (const ti of batch) {
          const key = `${ti.runId}/${ti.taskId}`;
          assert.equal(seen.get(key), undefined, `${key} was claimed by ${seen.get(key)} and again by ${claimer.id}`);
          seen.set(key, claimer.id);
          assert.equal(ti.claimedBy, claimer.id);
        }
        total += batch.length;
      }
    };
    const totals = await Promise.all(claimers.map(loop));
    assert.equal(totals.reduce((a, b) => a + b, 0), 200);
    assert.equal(seen.size, 200);
    const tis = await store.listTaskInstances({ dagId: 'etl' });
    assert.ok(tis.every((t) => t.state === 'queued' && seen.get(`${t.runId}/${t.taskId}`) === t.claimedBy));
  }));
}
