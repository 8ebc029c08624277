import { strict as assert } from 'node:assert';
import { it } from 'node:test';
import { fixtureRunAttempt } from '../../../test/fixtures/workers/fixture-run-attempt.js';
import { describeExecutorConformance, failure, fixtureWorkload, withExecutor } from '../conformance.js';
import { InProcessExecutor } from './in-process-executor.js';

describeExecutorConformance('InProcessExecutor', ({ parallelism }) =>
  new InProcessExecutor({ runAttempt: fixtureRunAttempt, parallelism, killGraceMs: 200, heartbeatIntervalMs: 50 }));

const make = ({ parallelism }: { parallelism: number }): InProcessExecutor =>
  new InProcessExecutor({ runAttempt: fixtureRunAttempt, parallelism, killGraceMs: 200, heartbeatIntervalMs: 50 });

it('InProcessExecutor: an attempt that ignores the abort signal is still reported after killGraceMs, and its slot is freed', () =>
  withExecutor(make, { parallelism: 1 }, async ({ executor, events }) => {
    executor.submit('h1', fixtureWorkload('hang', { executionTimeoutMs: 100 }));
    executor.submit('h2', fixtureWorkload('ok'));
    const outcome = failure((await events.waitFinished('h1')).outcome);
    assert.equal(outcome.error.code, 'UPDRAFT_ERR_TASK_TIMEOUT');
    assert.deepEqual((await events.waitFinished('h2')).outcome, { state: 'success' });
  }));

it('InProcessExecutor: aborts the signal on timeout with the timeout error as its reason', async () => {
  let reason: unknown;
  const executor = new InProcessExecutor({
    runAttempt: async (_workload, _channel, { signal }) => {
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      reason = signal.reason;
      return { outcome: { state: 'success' }, durationMs: 0 };
    },
  });
  await withExecutor(() => executor, { parallelism: 1 }, async ({ events }) => {
    executor.submit('a1', fixtureWorkload('sleep', { executionTimeoutMs: 50 }));
    assert.equal(failure((await events.waitFinished('a1')).outcome).error.code, 'UPDRAFT_ERR_TASK_TIMEOUT');
    assert.equal((reason as { code?: string }).code, 'UPDRAFT_ERR_TASK_TIMEOUT');
  });
});

it('InProcessExecutor: a runAttempt that throws is reported as a failed, retryable attempt', async () => {
  const executor = new InProcessExecutor({ runAttempt: async () => { throw new Error('runtime bug'); } });
  await withExecutor(() => executor, { parallelism: 1 }, async ({ events }) => {
    executor.submit('e1', fixtureWorkload('ok'));
    const outcome = failure((await events.waitFinished('e1')).outcome);
    assert.match(outcome.error.message, /runtime bug/);
    assert.equal(outcome.retryable, true);
  });
});

it('InProcessExecutor: heartbeats while an attempt runs', () =>
  withExecutor(make, { parallelism: 1 }, async ({ executor, events }) => {
    executor.submit('hb', fixtureWorkload('ok', { conf: { sleepMs: 300 } }));
    await events.waitFinished('hb');
    assert.ok((events.heartbeats.get('hb') ?? 0) >= 2);
  }));
