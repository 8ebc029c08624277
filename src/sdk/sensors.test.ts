import { test, describe } from 'node:test';
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isUpdraftError } from '../common/errors.js';
import type { TaskContext } from './context.js';
import { FailTaskError, RescheduleTaskError, SkipTaskError } from './control-flow.js';
import { dag } from './dag.js';
import { BaseSensorOperator, type BaseSensorOperatorOptions } from './sensors/base-sensor-operator.js';
import { ExternalTaskSensor, type ExternalTaskSensorOptions } from './sensors/external-task-sensor.js';
import { FileSensor, type FileSensorOptions } from './sensors/file-sensor.js';
import { TimeDeltaSensor } from './sensors/time-delta-sensor.js';
import { makeTestContext } from './testing.js';

/** Pokes true from the n-th poke on (never when n is Infinity). */
class CountingSensor extends BaseSensorOperator {
  pokes = 0;
  readonly succeedAt: number;

  constructor(options: BaseSensorOperatorOptions & { succeedAt: number }) {
    super(options, ['succeedAt']);
    this.succeedAt = options.succeedAt;
  }

  poke(): boolean {
    this.pokes += 1;
    return this.pokes >= this.succeedAt;
  }
}

function inDag<T>(make: () => T): T {
  let made: T | undefined;
  dag({ dagId: 'sensors' }, () => { made = make(); });
  return made!;
}

describe('BaseSensorOperator', () => {
  test('resolved options, kind and defaults', () => {
    const s = inDag(() => new CountingSensor({ taskId: 's', succeedAt: 1 }));
    assert.equal(s.kind, 'sensor');
    assert.deepEqual({ ...s.sensor }, {
      mode: 'poke', pokeIntervalMs: 60_000, timeoutMs: 7 * 86_400_000, softFail: false, exponentialBackoff: false, maxWaitMs: null,
    });
    assert.throws(() => inDag(() => new CountingSensor({ taskId: 's', succeedAt: 1, mode: 'wait' as never })), /allowed modes are poke, reschedule/);
    assert.throws(() => inDag(() => new CountingSensor({ taskId: 's', succeedAt: 1, pokeInterval: 5 as never })),
      (e: unknown) => isUpdraftError(e, 'UPDRAFT_ERR_INVALID_DURATION'));
  });

  test('poke mode pokes until the condition holds', async () => {
    const s = inDag(() => new CountingSensor({ taskId: 's', succeedAt: 3, pokeInterval: '5ms' }));
    assert.equal(await s.execute(makeTestContext()), undefined);
    assert.equal(s.pokes, 3);
  });

  test('poke mode with exponential backoff capped by maxWait still succeeds', async () => {
    const s = inDag(() => new CountingSensor({ taskId: 's', succeedAt: 4, pokeInterval: '2ms', exponentialBackoff: true, maxWait: '5ms' }));
    await s.execute(makeTestContext());
    assert.equal(s.pokes, 4);
  });

  test('poke mode times out with UPDRAFT_ERR_SENSOR_TIMEOUT', async () => {
    const s = inDag(() => new CountingSensor({ taskId: 's', succeedAt: Infinity, pokeInterval: '5ms', timeout: '30ms' }));
    await assert.rejects(s.execute(makeTestContext()), (e: unknown) => {
      assert.ok(isUpdraftError(e, 'UPDRAFT_ERR_SENSOR_TIMEOUT'), String(e));
      assert.match((e as Error).message, /Sensor s timed out after .* \(timeout 30ms, counted from the first attempt\)/);
      return true;
    });
    assert.ok(s.pokes >= 2);
  });

  test('the timeout counts from the first attempt; softFail skips instead', async () => {
    const s = inDag(() => new CountingSensor({ taskId: 's', succeedAt: Infinity, pokeInterval: '1s', timeout: '1m', softFail: true }));
    const ctx = makeTestContext({ firstAttemptAt: new Date(Date.now() - 120_000) });
    await assert.rejects(s.execute(ctx), (e: unknown) => e instanceof SkipTaskError && /softFail/.test(e.message));
    assert.equal(s.pokes, 1);
  });

  test('reschedule mode pokes once and asks to be rescheduled', async () => {
    const s = inDag(() => new CountingSensor({ taskId: 's', succeedAt: Infinity, mode: 'reschedule', pokeInterval: '2m', timeout: '1h' }));
    const before = Date.now();
    await assert.rejects(s.execute(makeTestContext()), (e: unknown) => {
      assert.ok(e instanceof RescheduleTaskError);
      assert.ok(isUpdraftError(e, 'UPDRAFT_ERR_TASK_RESCHEDULED'));
      const at = e.rescheduleAt.getTime();
      assert.ok(at >= before + 120_000 && at <= Date.now() + 120_000, `rescheduleAt ${e.rescheduleAt.toISOString()}`);
      return true;
    });
    assert.equal(s.pokes, 1);
    const done = inDag(() => new CountingSensor({ taskId: 's', succeedAt: 1, mode: 'reschedule' }));
    assert.equal(await done.execute(makeTestContext()), undefined);
  });

  test('reschedule mode never reschedules past the timeout, then times out', async () => {
    const s = inDag(() => new CountingSensor({ taskId: 's', succeedAt: Infinity, mode: 'reschedule', pokeInterval: '1h', timeout: '10m' }));
    const first = new Date(Date.now() - 9 * 60_000);
    await assert.rejects(s.execute(makeTestContext({ firstAttemptAt: first })), (e: unknown) => {
      assert.ok(e instanceof RescheduleTaskError);
      assert.ok(e.rescheduleAt.getTime() <= first.getTime() + 10 * 60_000 + 1);
      return true;
    });
    await assert.rejects(s.execute(makeTestContext({ firstAttemptAt: new Date(Date.now() - 11 * 60_000) })),
      (e: unknown) => isUpdraftError(e, 'UPDRAFT_ERR_SENSOR_TIMEOUT'));
  });

  test('reschedule mode with exponential backoff grows the interval with elapsed time', async () => {
    const s = inDag(() => new CountingSensor({ taskId: 's', succeedAt: Infinity, mode: 'reschedule', pokeInterval: '1m', exponentialBackoff: true }));
    const waitFor = async (ctx: TaskContext): Promise<number> => {
      try {
        await s.execute(ctx);
      } catch (e) {
        if (e instanceof RescheduleTaskError) return e.rescheduleAt.getTime() - Date.now();
        throw e;
      }
      throw new Error('expected a reschedule');
    };
    const early = await waitFor(makeTestContext({ firstAttemptAt: new Date() }));
    const later = await waitFor(makeTestContext({ firstAttemptAt: new Date(Date.now() - 7 * 60_000) }));
    assert.ok(early <= 60_000 + 50, `first interval ${early}`);
    assert.ok(later >= 7 * 60_000, `after 7 minutes (3 pokes) the interval is 8m, got ${later}`);
  });

  test('abort stops a poking sensor', async () => {
    const s = inDag(() => new CountingSensor({ taskId: 's', succeedAt: Infinity, pokeInterval: '1h' }));
    const ctx = makeTestContext();
    const running = s.execute(ctx);
    setTimeout(() => ctx.abort(new Error('killed')), 10);
    await assert.rejects(running, /killed/);
  });
});

describe('TimeDeltaSensor', () => {
  test('succeeds once dataIntervalEnd + delta has passed', async () => {
    const s = inDag(() => new TimeDeltaSensor({ taskId: 'wait', delta: '1h', mode: 'reschedule' }));
    assert.equal(s.deltaMs, 3_600_000);
    assert.equal(await s.poke(makeTestContext({ dataIntervalEnd: new Date(Date.now() - 2 * 3_600_000) })), true);
    assert.equal(await s.poke(makeTestContext({ dataIntervalEnd: new Date(Date.now() - 30 * 60_000) })), false);
    await assert.rejects(s.execute(makeTestContext({ dataIntervalEnd: new Date() })), (e: unknown) => e instanceof RescheduleTaskError);
  });
});

describe('FileSensor', () => {
  const dir = mkdtempSync(join(tmpdir(), 'updraft-filesensor-'));
  const sensor = (options: Omit<FileSensorOptions, 'taskId'>): FileSensor => inDag(() => new FileSensor({ taskId: 'f', ...options }));

  test('plain paths, wildcards, directories, recursion, templated paths', async () => {
    try {
      const ctx = makeTestContext({ logicalDate: new Date('2024-05-06T00:00:00Z') });
      assert.equal(await sensor({ filepath: join(dir, 'data.csv') }).poke(ctx), false);
      writeFileSync(join(dir, 'data.csv'), 'x');
      assert.equal(await sensor({ filepath: join(dir, 'data.csv') }).poke(ctx), true);
      assert.equal(await sensor({ filepath: join(dir, '*.csv') }).poke(ctx), true);
      assert.equal(await sensor({ filepath: join(dir, 'dat?.csv') }).poke(ctx), true);
      assert.equal(await sensor({ filepath: join(dir, '*.json') }).poke(ctx), false);
      mkdirSync(join(dir, 'empty'));
      assert.equal(await sensor({ filepath: join(dir, 'empty') }).poke(ctx), false);
      mkdirSync(join(dir, 'deep', 'er'), { recursive: true });
      writeFileSync(join(dir, 'deep', 'er', 'part-1.parquet'), 'x');
      assert.equal(await sensor({ filepath: join(dir, 'deep') }).poke(ctx), true);
      assert.equal(await sensor({ filepath: join(dir, '*.parquet') }).poke(ctx), false);
      assert.equal(await sensor({ filepath: join(dir, '*.parquet'), recursive: true }).poke(ctx), true);
      writeFileSync(join(dir, 'export_20240506.done'), '');
      const templated = sensor({ filepath: (c) => join(dir, `export_${c.dsNodash}.done`) });
      assert.deepEqual(templated.templateFields, ['filepath']);
      assert.equal(await templated.poke(ctx), true);
      assert.equal(await templated.execute(ctx), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ExternalTaskSensor', () => {
  const sensor = (options: Omit<ExternalTaskSensorOptions, 'taskId'>): ExternalTaskSensor =>
    inDag(() => new ExternalTaskSensor({ taskId: 'ext', ...options }));

  test('asks for the other DAG at the logical date minus executionDelta', async () => {
    const s = sensor({ externalDagId: 'upstream_dag', externalTaskId: 'load', executionDelta: '1h' });
    const ctx = makeTestContext({ logicalDate: new Date('2024-01-02T00:00:00Z'), externalStates: { 'upstream_dag/load': 'running' } });
    assert.equal(await s.poke(ctx), false);
    assert.deepEqual(ctx.externalStateCalls, [{ dagId: 'upstream_dag', logicalDate: new Date('2024-01-01T23:00:00Z'), taskId: 'load' }]);
    const done = makeTestContext({ externalStates: { 'upstream_dag/load': 'success' } });
    assert.equal(await s.poke(done), true);
    assert.equal(await s.poke(makeTestContext()), false);
  });

  test('a failed state fails the sensor without retry, naming the state; softFail skips', async () => {
    const s = sensor({ externalDagId: 'other' });
    const ctx = makeTestContext({ externalStates: { other: 'failed' } });
    await assert.rejects(s.execute(ctx), (e: unknown) => e instanceof FailTaskError && /DAG other .* is in state "failed"/.test(e.message));
    const soft = sensor({ externalDagId: 'other', softFail: true, failedStates: ['failed', 'skipped'] });
    await assert.rejects(soft.execute(makeTestContext({ externalStates: { other: 'skipped' } })), (e: unknown) => e instanceof SkipTaskError);
    assert.throws(() => sensor({ externalDagId: 'x', allowedStates: ['success'], failedStates: ['success'] }), /both allowedStates and failedStates/);
  });
});
