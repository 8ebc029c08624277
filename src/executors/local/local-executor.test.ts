import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { describeExecutorConformance, EventRecorder, failure, fixtureWorkload, RecordingApi, withExecutor } from '../conformance.js';
import { LocalExecutor, type LocalExecutorOptions } from './local-executor.js';

const workerEntry = fileURLToPath(new URL('../../../test/fixtures/workers/fixture-worker.ts', import.meta.url));

function make(options: Partial<LocalExecutorOptions> & { parallelism: number }): LocalExecutor {
  return new LocalExecutor({ workerEntry, heartbeatTimeoutMs: 5000, killGraceMs: 1000, warmWorkers: 1, ...options });
}

/**
 * Whether a process still exists. A killed grandchild whose parent died is re-parented to PID 1,
 * which in some containers never reaps it: a zombie has ended, so it counts as gone.
 */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function waitGone(pid: number, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return true;
}

describeExecutorConformance('LocalExecutor', ({ parallelism }) => make({ parallelism }));

describe('LocalExecutor', () => {
  it('reuses a warm worker process for consecutive attempts', () => withExecutor(() => make({ parallelism: 1 }), { parallelism: 1 }, async ({ executor, events }) => {
    executor.submit('a', fixtureWorkload('ok'));
    executor.submit('b', fixtureWorkload('ok'));
    await events.waitFinished('a');
    await events.waitFinished('b');
    assert.equal(events.started.get('a')!.pid, events.started.get('b')!.pid);
  }));

  it('replaces a worker after maxAttemptsPerWorker attempts, forking its successor ahead (at twice the budget at the latest)', () => withExecutor(() => make({ parallelism: 1, maxAttemptsPerWorker: 1 }), { parallelism: 1 }, async ({ executor, events }) => {
    for (const id of ['a', 'b', 'c']) {
      executor.submit(id, fixtureWorkload('ok'));
      await events.waitFinished(id);
    }
    const pids = ['a', 'b', 'c'].map((id) => events.started.get(id)!.pid);
    assert.notEqual(pids[0], pids[2], 'the worker was replaced within twice its budget');
    assert.equal(await waitGone(pids[0]!), true, 'the retired worker exited');
    assert.ok((executor as LocalExecutor).workerPids.length <= 2, 'at most one successor beside the working process');
  }));

  it('a worker that exits mid-attempt: failed, retryable, UPDRAFT_ERR_WORKER_DIED naming the exit code; the next attempt runs', () =>
    withExecutor(() => make({ parallelism: 1 }), { parallelism: 1 }, async ({ executor, events }) => {
      executor.submit('e1', fixtureWorkload('exit'));
      executor.submit('e2', fixtureWorkload('ok'));
      const outcome = failure((await events.waitFinished('e1')).outcome);
      assert.equal(outcome.error.code, 'UPDRAFT_ERR_WORKER_DIED');
      assert.equal(outcome.retryable, true);
      assert.match(outcome.error.message, /exited with code 3/);
      assert.match(outcome.error.message, /conformance\.exit/);
      assert.deepEqual((await events.waitFinished('e2')).outcome, { state: 'success' });
      assert.notEqual(events.started.get('e1')!.pid, events.started.get('e2')!.pid);
    }));

  it('a worker killed from outside (kill -9) is reported with the signal and replaced', () =>
    withExecutor(() => make({ parallelism: 1 }), { parallelism: 1 }, async ({ executor, events }) => {
      executor.submit('k1', fixtureWorkload('sleep', { conf: { sleepMs: 30_000 } }));
      const { pid } = await events.waitStarted('k1');
      process.kill(pid, 'SIGKILL');
      const outcome = failure((await events.waitFinished('k1')).outcome);
      assert.equal(outcome.error.code, 'UPDRAFT_ERR_WORKER_DIED');
      assert.match(outcome.error.message, /signal SIGKILL/);
      executor.submit('k2', fixtureWorkload('ok'));
      assert.deepEqual((await events.waitFinished('k2')).outcome, { state: 'success' });
    }));

  it('a worker that stops heartbeating is killed: UPDRAFT_ERR_WORKER_DIED', () =>
    withExecutor(() => make({ parallelism: 1, heartbeatTimeoutMs: 400, killGraceMs: 200 }), { parallelism: 1 }, async ({ executor, events }) => {
      executor.submit('h1', fixtureWorkload('hang'));
      const { pid } = await events.waitStarted('h1');
      const outcome = failure((await events.waitFinished('h1')).outcome);
      assert.equal(outcome.error.code, 'UPDRAFT_ERR_WORKER_DIED');
      assert.match(outcome.error.message, /no heartbeat for 400ms/);
      assert.equal(alive(pid), false, 'the silent worker is gone when the attempt is reported');
      executor.submit('h2', fixtureWorkload('ok'));
      assert.deepEqual((await events.waitFinished('h2')).outcome, { state: 'success' });
    }));

  it('killing an attempt kills the whole process group: the task\'s grandchild (sleep) is gone too', () =>
    withExecutor(() => make({ parallelism: 1 }), { parallelism: 1 }, async ({ executor, events, api }) => {
      executor.submit('g1', fixtureWorkload('spawn-child'));
      const { pid } = await events.waitStarted('g1');
      await events.waitFor(() => api.pushed('child_pid').length > 0, 'the fixture to report its child pid');
      const grandchild = Number(api.pushed('child_pid')[0]);
      assert.equal(alive(grandchild), true);
      executor.kill('g1', 'test');
      const outcome = failure((await events.waitFinished('g1')).outcome);
      assert.equal(outcome.retryable, false);
      assert.equal(alive(pid), false);
      assert.equal(await waitGone(grandchild), true, `grandchild ${grandchild} is gone`);
    }));

  it('a timeout kills the grandchildren too', () =>
    withExecutor(() => make({ parallelism: 1, killGraceMs: 300 }), { parallelism: 1 }, async ({ executor, events, api }) => {
      executor.submit('g2', fixtureWorkload('spawn-child', { executionTimeoutMs: 500 }));
      await events.waitFor(() => api.pushed('child_pid').length > 0, 'the fixture to report its child pid');
      const grandchild = Number(api.pushed('child_pid')[0]);
      assert.equal(failure((await events.waitFinished('g2')).outcome).error.code, 'UPDRAFT_ERR_TASK_TIMEOUT');
      assert.equal(await waitGone(grandchild), true);
    }));

  it('stop() resolves only when no worker process (nor its children) is alive', async () => {
    const executor = make({ parallelism: 3, warmWorkers: 2 });
    const events = new EventRecorder();
    const api = new RecordingApi();
    await executor.start(events, api);
    executor.submit('s1', fixtureWorkload('spawn-child'));
    executor.submit('s2', fixtureWorkload('hang'));
    executor.submit('s3', fixtureWorkload('ok'));
    await events.waitStarted('s1');
    await events.waitStarted('s2');
    await events.waitFinished('s3');
    await events.waitFor(() => api.pushed('child_pid').length > 0, 'the fixture to report its child pid');
    const grandchild = Number(api.pushed('child_pid')[0]);
    const pids = executor.workerPids;
    assert.equal(pids.length, 3);
    await executor.stop(100);
    for (const pid of pids) assert.equal(alive(pid), false, `worker ${pid} is gone`);
    assert.equal(await waitGone(grandchild), true, `grandchild ${grandchild} is gone`);
    assert.deepEqual(executor.workerPids, []);
    for (const id of ['s1', 's2']) assert.equal(failure(events.finished.get(id)![0]!.outcome).error.code, 'UPDRAFT_ERR_SHUTDOWN');
    assert.deepEqual(events.violations, []);
  });

  it('start() fails with a clear error when the worker entry cannot start, and leaves no process behind', async () => {
    const executor = new LocalExecutor({ parallelism: 2, workerEntry: '/nonexistent/worker-main.ts', warmWorkers: 2 });
    await assert.rejects(executor.start(new EventRecorder(), new RecordingApi()), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'UPDRAFT_ERR_WORKER_DIED');
      assert.match(error.message, /\/nonexistent\/worker-main\.ts/);
      assert.match(error.message, /Cannot find module|ERR_MODULE_NOT_FOUND/);
      return true;
    });
    assert.deepEqual(executor.workerPids, []);
  });

  it('queued attempts fail (not loop forever) when workers keep dying before they are ready', async () => {
    const executor = new LocalExecutor({ parallelism: 1, workerEntry: '/nonexistent/worker-main.ts', warmWorkers: 0 });
    const events = new EventRecorder();
    await executor.start(events, new RecordingApi());
    try {
      executor.submit('q1', fixtureWorkload('ok'));
      const outcome = failure((await events.waitFinished('q1')).outcome);
      assert.equal(outcome.error.code, 'UPDRAFT_ERR_WORKER_DIED');
      assert.match(outcome.error.message, /before it was ready, 3 times in a row/);
    } finally {
      await executor.stop(0);
    }
  });

  it('rejects a duplicate attempt id and bad options', () => withExecutor(() => make({ parallelism: 1 }), { parallelism: 1 }, async ({ executor, events }) => {
    executor.submit('d1', fixtureWorkload('ok'));
    assert.throws(() => executor.submit('d1', fixtureWorkload('ok')), /submitted twice/);
    await events.waitFinished('d1');
    assert.throws(() => make({ parallelism: 0 }), /parallelism is 0/);
  }));
});
