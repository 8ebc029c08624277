// The scheduler's semantics (Airflow's meaning for trigger rules, branches, skips, retries, pools,
// maxActiveRuns, sensors, catchup) exercised through the real scheduler and store, on SQLite and
// on PostgreSQL. Task bodies run in process here; the local executor has its own tests below and
// in test/e2e.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeEngine, type Dialect, type TestEngine } from '../support/engine.js';
import { taskLogPath } from '../../src/logs/log-paths.js';
import { postgresService } from '../support/services.js';

const pg = await postgresService();

function intervals(file: string): Array<[number, number]> {
  return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => l.split(' ').map(Number) as [number, number]);
}
function maxOverlap(spans: Array<[number, number]>): number {
  let max = 0;
  for (const [s] of spans) max = Math.max(max, spans.filter(([a, b]) => a <= s && s < b).length);
  return max;
}

for (const dialect of ['sqlite', 'postgres'] as Dialect[]) {
  describe(`scheduler semantics on ${dialect}`, { skip: dialect === 'postgres' && 'skip' in pg ? pg.skip : false }, () => {
    let e: TestEngine;
    before(async () => { e = await makeEngine(dialect); });
    after(async () => { await e.close(); });

    test('branch follows one path, skips the other; the join runs with none_failed_min_one_success', async () => {
      await e.addDag('branch.ts', `
        import { EmptyOperator, branch, dag } from 'updraft';
        const pick = branch('pick', (): string => 'left');
        export default dag({ dagId: 'branchy', schedule: null }, () => {
          const p = pick();
          const left = new EmptyOperator({ taskId: 'left' });
          const right = new EmptyOperator({ taskId: 'right' });
          const rightChild = new EmptyOperator({ taskId: 'right_child' });
          const strictJoin = new EmptyOperator({ taskId: 'strict_join' });
          const join = new EmptyOperator({ taskId: 'join', triggerRule: 'none_failed_min_one_success' });
          p.setDownstream([left, right]);
          right.setDownstream(rightChild);
          strictJoin.setUpstream([left, right]);
          join.setUpstream([left, rightChild]);
        });`);
      const run = await e.trigger('branchy');
      assert.equal((await e.waitForRun('branchy', run.runId)).state, 'success');
      assert.deepEqual(await e.states('branchy', run.runId), {
        pick: 'success', left: 'success', right: 'skipped', right_child: 'skipped', strict_join: 'skipped', join: 'success',
      });
    });

    test('a failure marks downstream upstream_failed; all_done and one_failed still run; the run fails', async () => {
      await e.addDag('rules.ts', `
        import { EmptyOperator, dag, task } from 'updraft';
        const boom = task('boom', (): void => { throw new Error('boom'); });
        export default dag({ dagId: 'rules', schedule: null }, () => {
          const b = boom();
          const ok = new EmptyOperator({ taskId: 'ok' });
          const needsAll = new EmptyOperator({ taskId: 'needs_all' });
          const cleanup = new EmptyOperator({ taskId: 'cleanup', triggerRule: 'all_done' });
          const alert = new EmptyOperator({ taskId: 'alert', triggerRule: 'one_failed' });
          const onlyOnSuccess = new EmptyOperator({ taskId: 'only_on_success', triggerRule: 'all_success' });
          needsAll.setUpstream([b, ok]);
          cleanup.setUpstream([b, ok]);
          alert.setUpstream([b, ok]);
          onlyOnSuccess.setUpstream(needsAll);
        });`);
      const run = await e.trigger('rules');
      assert.equal((await e.waitForRun('rules', run.runId)).state, 'failed');
      assert.deepEqual(await e.states('rules', run.runId), {
        boom: 'failed', ok: 'success', needs_all: 'upstream_failed', cleanup: 'success', alert: 'success', only_on_success: 'upstream_failed',
      });
    });

    test('short circuit with a falsy result skips everything downstream', async () => {
      await e.addDag('sc.ts', `
        import { EmptyOperator, dag, shortCircuit } from 'updraft';
        const gate = shortCircuit('gate', (): boolean => false);
        export default dag({ dagId: 'short', schedule: null }, () => {
          const a = new EmptyOperator({ taskId: 'a' });
          const b = new EmptyOperator({ taskId: 'b', triggerRule: 'all_done' });
          gate().setDownstream(a);
          a.setDownstream(b);
        });`);
      const run = await e.trigger('short');
      assert.equal((await e.waitForRun('short', run.runId)).state, 'success');
      assert.deepEqual(await e.states('short', run.runId), { gate: 'success', a: 'skipped', b: 'skipped' });
    });

    test('retries: a task failing twice succeeds on its third try; every attempt is in history', async () => {
      const counter = join(e.dir, 'flaky-count');
      await e.addDag('flaky.ts', `
        import { dag, task } from 'updraft';
        import { existsSync, readFileSync, writeFileSync } from 'node:fs';
        const flaky = task({ taskId: 'flaky', retries: 2, retryDelay: '50ms' }, (): string => {
          const n = existsSync(${JSON.stringify(counter)}) ? Number(readFileSync(${JSON.stringify(counter)}, 'utf8')) : 0;
          writeFileSync(${JSON.stringify(counter)}, String(n + 1));
          if (n < 2) throw new Error('flaky failure ' + (n + 1));
          return 'ok';
        });
        export default dag({ dagId: 'flaky', schedule: null }, () => { flaky(); });`);
      const run = await e.trigger('flaky');
      assert.equal((await e.waitForRun('flaky', run.runId)).state, 'success');
      const ti = await e.store.getTaskInstance({ dagId: 'flaky', runId: run.runId, taskId: 'flaky' });
      assert.equal(ti?.tryNumber, 3);
      const attempts = await e.store.listAttempts({ dagId: 'flaky', runId: run.runId, taskId: 'flaky' });
      assert.deepEqual(attempts.map((a) => [a.tryNumber, a.state]), [[1, 'failed'], [2, 'failed'], [3, 'success']]);
      assert.match(attempts[0]!.error ?? '', /flaky failure 1/);
    });

    test('retries exhausted: the task fails after retries + 1 tries', async () => {
      await e.addDag('always_fails.ts', `
        import { dag, task } from 'updraft';
        const bad = task({ taskId: 'bad', retries: 1, retryDelay: '10ms' }, (): void => { throw new Error('nope'); });
        export default dag({ dagId: 'always_fails', schedule: null }, () => { bad(); });`);
      const run = await e.trigger('always_fails');
      assert.equal((await e.waitForRun('always_fails', run.runId)).state, 'failed');
      const ti = await e.store.getTaskInstance({ dagId: 'always_fails', runId: run.runId, taskId: 'bad' });
      assert.equal(ti?.state, 'failed');
      assert.equal(ti?.tryNumber, 2);
    });

    test('typed XCom: Date, bigint, Buffer and Map survive between tasks', async () => {
      await e.addDag('xcom.ts', `
        import { dag, task } from 'updraft';
        const make = task('make', () => ({ at: new Date('2026-01-02T03:04:05.678Z'), big: 2n ** 70n, bytes: Buffer.from('héllo'), m: new Map([['k', 1]]) }));
        const check = task('check', (v: { at: Date; big: bigint; bytes: Buffer; m: Map<string, number> }): string => {
          if (!(v.at instanceof Date) || v.at.toISOString() !== '2026-01-02T03:04:05.678Z') throw new Error('date mangled');
          if (v.big !== 2n ** 70n) throw new Error('bigint mangled');
          if (!Buffer.isBuffer(v.bytes) || v.bytes.toString() !== 'héllo') throw new Error('buffer mangled');
          if (!(v.m instanceof Map) || v.m.get('k') !== 1) throw new Error('map mangled');
          return 'intact';
        });
        export default dag({ dagId: 'xcom_types', schedule: null }, () => { check(make()); });`);
      const run = await e.trigger('xcom_types');
      assert.equal((await e.waitForRun('xcom_types', run.runId)).state, 'success', JSON.stringify(await e.states('xcom_types', run.runId)));
    });

    test('a pool with one slot runs its tasks one at a time', async () => {
      await e.store.setPool({ name: 'single', slots: 1, description: null });
      const spans = join(e.dir, 'pool-spans');
      await e.addDag('pool.ts', `
        import { dag, task } from 'updraft';
        import { appendFileSync } from 'node:fs';
        const work = task({ taskId: 'work', pool: 'single' }, async (): Promise<void> => {
          const start = Date.now();
          await new Promise((r) => setTimeout(r, 150));
          appendFileSync(${JSON.stringify(spans)}, start + ' ' + Date.now() + '\\n');
        });
        export default dag({ dagId: 'pooled', schedule: null }, () => { work(); work(); work(); });`);
      const run = await e.trigger('pooled');
      assert.equal((await e.waitForRun('pooled', run.runId)).state, 'success');
      const s = intervals(spans);
      assert.equal(s.length, 3);
      assert.equal(maxOverlap(s), 1, `pool slots exceeded: ${JSON.stringify(s)}`);
    });

    test('maxActiveRuns = 1 runs triggered runs one after another', async () => {
      const spans = join(e.dir, 'run-spans');
      await e.addDag('serial.ts', `
        import { dag, task } from 'updraft';
        import { appendFileSync } from 'node:fs';
        const work = task('work', async (): Promise<void> => {
          const start = Date.now();
          await new Promise((r) => setTimeout(r, 100));
          appendFileSync(${JSON.stringify(spans)}, start + ' ' + Date.now() + '\\n');
        });
        export default dag({ dagId: 'serial', schedule: null, maxActiveRuns: 1 }, () => { work(); });`);
      const runs = [];
      for (let i = 0; i < 3; i++) runs.push(await e.trigger('serial', {}, new Date(Date.UTC(2026, 0, 1 + i))));
      for (const r of runs) assert.equal((await e.waitForRun('serial', r.runId)).state, 'success');
      assert.equal(maxOverlap(intervals(spans)), 1);
    });

    test('conf overrides params and is validated at trigger time', async () => {
      await e.addDag('params.ts', `
        import { dag, task, getContext, param } from 'updraft';
        const echo = task('echo', (): string => String(getContext().params.n));
        export default dag({ dagId: 'params', schedule: null, params: { n: param({ default: 1, type: 'integer', minimum: 0 }) } }, () => { echo(); });`);
      await assert.rejects(e.trigger('params', { n: -5 }), (err: Error & { code?: string }) => err.code === 'UPDRAFT_ERR_PARAMS_INVALID' && /-5/.test(err.message));
      const run = await e.trigger('params', { n: 7 });
      assert.equal((await e.waitForRun('params', run.runId)).state, 'success');
      const xcom = await e.store.getXCom({ dagId: 'params', runId: run.runId, taskId: 'echo', key: 'return_value' });
      assert.match(xcom?.value ?? '', /7/);
    });

    test('a sensor in reschedule mode frees its slot between pokes and succeeds when the file appears', async () => {
      const marker = join(e.dir, 'marker');
      const logPaths = new URL('../../src/logs/log-paths.ts', import.meta.url).pathname;
      // produce writes the file only once the sensor has poked and been rescheduled (read from its log)
      await e.addDag('sensor.ts', `
        import { FileSensor, dag, getContext, task } from 'updraft';
        import { existsSync, readFileSync, writeFileSync } from 'node:fs';
        import { taskLogPath } from ${JSON.stringify(logPaths)};
        const produce = task('produce', async (): Promise<void> => {
          const log = taskLogPath(${JSON.stringify(join(e.dir, 'logs'))}, { dagId: 'sensing', runId: getContext().runId, taskId: 'wait', tryNumber: 1 });
          for (let i = 0; i < 600 && !(existsSync(log) && /UP_FOR_RESCHEDULE/.test(readFileSync(log, 'utf8'))); i++) await new Promise((r) => setTimeout(r, 50));
          writeFileSync(${JSON.stringify(marker)}, 'x');
        });
        export default dag({ dagId: 'sensing', schedule: null }, () => {
          produce();
          new FileSensor({ taskId: 'wait', filepath: ${JSON.stringify(marker)}, mode: 'reschedule', pokeInterval: '100ms', timeout: '1m' });
        });`);
      const run = await e.trigger('sensing');
      assert.equal((await e.waitForRun('sensing', run.runId)).state, 'success');
      const ti = await e.store.getTaskInstance({ dagId: 'sensing', runId: run.runId, taskId: 'wait' });
      assert.equal(ti?.state, 'success');
      assert.equal(ti?.tryNumber, 1, 'reschedules do not use up tries');
      const log = readFileSync(taskLogPath(join(e.dir, 'logs'), { dagId: 'sensing', runId: run.runId, taskId: 'wait', tryNumber: 1 }), 'utf8');
      const pokes = log.match(/Poking for file/g) ?? [];
      assert.ok(pokes.length >= 2, `the sensor poked, was rescheduled, and poked again:\n${log}`);
      assert.match(log, /UP_FOR_RESCHEDULE/);
    });

    test('clear reruns a failed task and its downstream; the run succeeds after', async () => {
      const flag = join(e.dir, 'clear-flag');
      await e.addDag('clearable.ts', `
        import { EmptyOperator, dag, task } from 'updraft';
        import { existsSync } from 'node:fs';
        const check = task('check', (): void => { if (!existsSync(${JSON.stringify(flag)})) throw new Error('not yet'); });
        export default dag({ dagId: 'clearable', schedule: null }, () => { check().setDownstream(new EmptyOperator({ taskId: 'after' })); });`);
      const run = await e.trigger('clearable');
      assert.equal((await e.waitForRun('clearable', run.runId)).state, 'failed');
      const { writeFileSync } = await import('node:fs');
      writeFileSync(flag, '');
      const { clearTaskInstances } = await import('../../src/scheduler/operations.js');
      const cleared = await clearTaskInstances(e.store, { dagId: 'clearable', runId: run.runId, taskRegex: '^check$', downstream: true });
      assert.deepEqual(cleared.map((t) => t.taskId).sort(), ['after', 'check']);
      e.scheduler.touchRun('clearable', run.runId);
      assert.equal((await e.waitForRun('clearable', run.runId)).state, 'success');
      assert.equal((await e.store.getTaskInstance({ dagId: 'clearable', runId: run.runId, taskId: 'check' }))?.tryNumber, 2);
    });
  });
}

describe('catchup creates runs for missed intervals (sqlite)', () => {
  for (const catchup of [true, false]) {
    test(`catchup: ${catchup}`, async () => {
      const e = await makeEngine('sqlite', { scheduler: { createScheduledRuns: true } });
      try {
        const start = new Date();
        start.setUTCHours(0, 0, 0, 0);
        start.setTime(start.getTime() - 3 * 86_400_000);
        await e.addDag('daily.ts', `
          import { EmptyOperator, dag } from 'updraft';
          export default dag({ dagId: 'catchup', schedule: '@daily', startDate: ${JSON.stringify(start.toISOString())}, catchup: ${catchup} }, () => {
            new EmptyOperator({ taskId: 'noop' });
          });`);
        const runs = await (await import('../support/cli.js')).eventually(async () => {
          const r = await e.store.listDagRuns({ dagId: 'catchup' });
          return r.length >= (catchup ? 3 : 1) ? r : null;
        }, 'scheduled runs');
        assert.ok(runs !== null && runs.every((r) => r.runType === 'scheduled'));
        const today = new Date();
        today.setUTCHours(0, 0, 0, 0);
        const latest = runs!.map((r) => r.dataIntervalEnd.getTime()).sort().at(-1);
        assert.equal(latest, today.getTime(), 'the newest run is for the last complete interval');
        assert.equal(runs!.length, catchup ? 3 : 1);
      } finally {
        await e.close();
      }
    });
  }
});

describe('local executor in the scheduler (sqlite)', () => {
  test('executionTimeout kills the task process and fails the attempt', async () => {
    const e = await makeEngine('sqlite', { executor: 'local' });
    try {
      await e.addDag('slow.ts', `
        import { BashOperator, dag } from 'updraft';
        export default dag({ dagId: 'slow', schedule: null }, () => {
          new BashOperator({ taskId: 'sleepy', bashCommand: 'sleep 60', executionTimeout: '1s' });
        });`);
      const run = await e.trigger('slow');
      assert.equal((await e.waitForRun('slow', run.runId, 60_000)).state, 'failed');
      const ti = await e.store.getTaskInstance({ dagId: 'slow', runId: run.runId, taskId: 'sleepy' });
      assert.match(ti?.error ?? '', /UPDRAFT_ERR_TASK_TIMEOUT/);
    } finally {
      await e.close();
    }
  });
});
