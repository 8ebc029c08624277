import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { ExecutionApi, Executor, ExecutorEvents } from '../core/ports/executor.js';
import type { AttemptResult, ExecutionReply, ExecutionRequest, TerminalOutcome, Workload } from '../core/ports/execution-protocol.js';

/**
 * The conformance suite every Executor passes. It drives fixture workloads whose behaviour is chosen
 * by `workload.taskId`; each implementation under test runs them with a test double of its worker
 * (the local executor: test/fixtures/workers/fixture-worker.ts; in-process: fixture-run-attempt.ts):
 *
 * - `ok`      succeeds (after `conf.sleepMs` when given)
 * - `fail`    fails, retryable, with `conf.message` (default 'boom from the fixture')
 * - `sleep`   sleeps `conf.sleepMs` (default 60 s) with heartbeats, honouring abort, then succeeds
 * - `hang`    no heartbeats, never finishes, ignores abort
 * - `request` pulls XCom upstream/`conf.pullKey` (default 'return_value') and pushes it back as 'echo';
 *             a failed reply fails the attempt with the reply's error
 * - `exit`, `spawn-child`: worker-process only (process.exit(3); spawn `sleep 1000` and hang)
 */
export type FixtureTask = 'ok' | 'fail' | 'sleep' | 'hang' | 'request' | 'exit' | 'spawn-child';

export interface ConformanceSetup {
  parallelism: number;
}

export type MakeExecutor = (setup: ConformanceSetup) => Executor;

export const UPSTREAM_XCOM_VALUE = '"hello from upstream — 안녕"';

let workloadCounter = 0;

export function fixtureWorkload(taskId: FixtureTask, overrides: Partial<Workload> = {}): Workload {
  workloadCounter++;
  return {
    dagId: 'conformance', runId: `run_${workloadCounter}`, taskId, tryNumber: 1, maxTries: 2,
    fileloc: '/nonexistent/conformance.ts', dagVersionHash: 'v1',
    logicalDate: '2026-01-01T00:00:00.000Z', dataIntervalStart: '2026-01-01T00:00:00.000Z', dataIntervalEnd: '2026-01-02T00:00:00.000Z',
    runType: 'manual', conf: {}, logPath: '/dev/null', executionTimeoutMs: null, firstAttemptAt: null,
    isReschedule: false, prevLogicalDate: null,
    ...overrides,
  };
}

/** A test ExecutionApi: records every request; knows one upstream XCom. */
export class RecordingApi implements ExecutionApi {
  readonly requests: Array<{ workload: Workload; request: ExecutionRequest }> = [];

  async handle(workload: Workload, request: ExecutionRequest): Promise<ExecutionReply> {
    this.requests.push({ workload, request });
    await new Promise((resolve) => setImmediate(resolve));
    switch (request.op) {
      case 'xcom.pull':
        if (request.taskId === 'upstream' && request.key === 'return_value') return { ok: true, value: UPSTREAM_XCOM_VALUE };
        return {
          ok: false,
          error: { name: 'UpdraftError', code: 'UPDRAFT_ERR_XCOM_NOT_FOUND', message: `XCom "${request.key}" of task ${request.taskId} was never pushed`, stack: null },
        };
      default:
        return { ok: true, value: null };
    }
  }

  pushed(key: string): string[] {
    return this.requests.flatMap(({ request }) => (request.op === 'xcom.push' && request.key === key ? [request.value] : []));
  }
}

/** Records executor events and checks the contract as they arrive. */
export class EventRecorder implements ExecutorEvents {
  readonly started = new Map<string, { pid: number; hostname: string; at: Date }>();
  readonly finished = new Map<string, AttemptResult[]>();
  readonly heartbeats = new Map<string, number>();
  readonly violations: string[] = [];
  maxConcurrent = 0;
  private running = new Set<string>();
  private waiters: Array<() => void> = [];

  onStarted(attemptId: string, _workload: Workload, info: { pid: number; hostname: string; at: Date }): void {
    if (this.started.has(attemptId)) this.violations.push(`${attemptId} started twice`);
    if (this.finished.has(attemptId)) this.violations.push(`${attemptId} started after it finished`);
    this.started.set(attemptId, info);
    this.running.add(attemptId);
    this.maxConcurrent = Math.max(this.maxConcurrent, this.running.size);
    this.notify();
  }

  onHeartbeat(attemptId: string): void {
    this.heartbeats.set(attemptId, (this.heartbeats.get(attemptId) ?? 0) + 1);
  }

  onFinished(result: AttemptResult): void {
    const list = this.finished.get(result.attemptId) ?? [];
    list.push(result);
    if (list.length > 1) this.violations.push(`${result.attemptId} finished ${list.length} times`);
    this.finished.set(result.attemptId, list);
    this.running.delete(result.attemptId);
    this.notify();
  }

  async waitStarted(attemptId: string, timeoutMs = 20_000): Promise<{ pid: number; hostname: string; at: Date }> {
    await this.waitFor(() => this.started.has(attemptId), `${attemptId} to start`, timeoutMs);
    return this.started.get(attemptId)!;
  }

  async waitFinished(attemptId: string, timeoutMs = 20_000): Promise<AttemptResult> {
    await this.waitFor(() => this.finished.has(attemptId), `${attemptId} to finish`, timeoutMs);
    return this.finished.get(attemptId)![0]!;
  }

  async waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 100));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private notify(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }
}

export function failure(outcome: TerminalOutcome): Extract<TerminalOutcome, { state: 'failed' }> {
  assert.equal(outcome.state, 'failed', `expected a failed outcome, got ${JSON.stringify(outcome)}`);
  return outcome as Extract<TerminalOutcome, { state: 'failed' }>;
}

export interface Started {
  executor: Executor;
  events: EventRecorder;
  api: RecordingApi;
}

/** Makes and starts an executor, runs `body`, and always stops it. */
export async function withExecutor(make: MakeExecutor, setup: ConformanceSetup, body: (ctx: Started) => Promise<void>): Promise<void> {
  const executor = make(setup);
  const events = new EventRecorder();
  const api = new RecordingApi();
  await executor.start(events, api);
  try {
    await body({ executor, events, api });
  } finally {
    await executor.stop(0);
  }
  assert.deepEqual(events.violations, []);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function describeExecutorConformance(name: string, makeExecutor: MakeExecutor): void {
  describe(`Executor conformance: ${name}`, () => {
    it('runs a successful attempt: onStarted, then onFinished with success', () => withExecutor(makeExecutor, { parallelism: 2 }, async ({ executor, events }) => {
      executor.submit('a1', fixtureWorkload('ok'));
      const result = await events.waitFinished('a1');
      assert.deepEqual(result.outcome, { state: 'success' });
      const started = events.started.get('a1');
      assert.ok(started, 'onStarted was called');
      assert.equal(typeof started.pid, 'number');
      assert.ok(result.startedAt instanceof Date && result.endedAt >= result.startedAt);
      assert.equal(result.pid, started.pid);
      assert.equal(result.workload.taskId, 'ok');
    }));

    it('reports a failed attempt with the error and the retry decision of the task', () => withExecutor(makeExecutor, { parallelism: 1 }, async ({ executor, events }) => {
      executor.submit('f1', fixtureWorkload('fail', { conf: { message: 'the table does not exist' } }));
      const outcome = failure((await events.waitFinished('f1')).outcome);
      assert.equal(outcome.retryable, true);
      assert.equal(outcome.error.message, 'the table does not exist');
      assert.equal(outcome.error.code, 'UPDRAFT_ERR_TASK_FAILED');
    }));

    it('kills an attempt that exceeds its executionTimeout: failed, retryable, UPDRAFT_ERR_TASK_TIMEOUT', () => withExecutor(makeExecutor, { parallelism: 1 }, async ({ executor, events }) => {
      executor.submit('t1', fixtureWorkload('sleep', { executionTimeoutMs: 300, conf: { sleepMs: 30_000 } }));
      const outcome = failure((await events.waitFinished('t1')).outcome);
      assert.equal(outcome.error.code, 'UPDRAFT_ERR_TASK_TIMEOUT');
      assert.equal(outcome.retryable, true);
      assert.match(outcome.error.message, /executionTimeout of 300ms/);
      assert.match(outcome.error.message, /conformance\.sleep/);
    }));

    it('answers execution requests through the ExecutionApi (XCom round trip)', () => withExecutor(makeExecutor, { parallelism: 1 }, async ({ executor, events, api }) => {
      executor.submit('r1', fixtureWorkload('request'));
      assert.deepEqual((await events.waitFinished('r1')).outcome, { state: 'success' });
      assert.deepEqual(api.pushed('echo'), [UPSTREAM_XCOM_VALUE]);
      assert.equal(api.requests[0]?.workload.taskId, 'request');
    }));

    it('passes an { ok: false } reply back to the task as an error', () => withExecutor(makeExecutor, { parallelism: 1 }, async ({ executor, events, api }) => {
      executor.submit('r2', fixtureWorkload('request', { conf: { pullKey: 'missing' } }));
      const outcome = failure((await events.waitFinished('r2')).outcome);
      assert.match(outcome.error.message, /XCom "missing" of task upstream was never pushed/);
      assert.equal(outcome.error.code, 'UPDRAFT_ERR_XCOM_NOT_FOUND');
      assert.deepEqual(api.pushed('echo'), []);
    }));

    it('kill() ends a running attempt as failed', () => withExecutor(makeExecutor, { parallelism: 1 }, async ({ executor, events }) => {
      executor.submit('k1', fixtureWorkload('sleep', { conf: { sleepMs: 30_000 } }));
      await events.waitStarted('k1');
      executor.kill('k1', 'the DAG run exceeded its dagrunTimeout');
      const outcome = failure((await events.waitFinished('k1')).outcome);
      assert.match(outcome.error.message, /dagrunTimeout/);
    }));

    it('calls onFinished exactly once per submitted attempt, whatever happens', () => withExecutor(makeExecutor, { parallelism: 2 }, async ({ executor, events }) => {
      const ids = ['x-ok', 'x-fail', 'x-timeout', 'x-killed', 'x-queued-killed', 'x-request'];
      executor.submit('x-ok', fixtureWorkload('ok'));
      executor.submit('x-fail', fixtureWorkload('fail'));
      executor.submit('x-timeout', fixtureWorkload('sleep', { executionTimeoutMs: 200, conf: { sleepMs: 30_000 } }));
      executor.submit('x-killed', fixtureWorkload('sleep', { conf: { sleepMs: 30_000 } }));
      executor.submit('x-queued-killed', fixtureWorkload('ok'));
      executor.submit('x-request', fixtureWorkload('request'));
      executor.kill('x-queued-killed', 'test kill while queued');
      await events.waitStarted('x-killed');
      executor.kill('x-killed', 'test kill while running');
      executor.kill('x-killed', 'a second kill changes nothing');
      for (const id of ids) await events.waitFinished(id);
      await sleep(300);
      for (const id of ids) assert.equal(events.finished.get(id)?.length, 1, `${id} finished once`);
      assert.equal(events.started.has('x-queued-killed'), false);
      assert.equal(events.finished.get('x-queued-killed')![0]!.startedAt, null);
    }));

    it('never runs more than `parallelism` attempts at once, and runs them all', () => withExecutor(makeExecutor, { parallelism: 2 }, async ({ executor, events }) => {
      const sleepers = ['p0', 'p1', 'p2'];
      const quick = ['p3', 'p4', 'p5'];
      for (const id of sleepers) executor.submit(id, fixtureWorkload('sleep', { conf: { sleepMs: 60_000 } }));
      for (const id of quick) executor.submit(id, fixtureWorkload('ok'));
      assert.equal(executor.freeSlots(), 0);
      await events.waitFor(() => events.started.size === 2, 'two attempts to start');
      await sleep(300);
      assert.equal(events.started.size, 2, 'a third attempt does not start while two run');
      // FIFO: each kill frees a slot for the next sleeper, then for the quick ones.
      for (const id of sleepers) {
        await events.waitStarted(id);
        executor.kill(id, 'test');
      }
      for (const id of quick) assert.deepEqual((await events.waitFinished(id)).outcome, { state: 'success' });
      assert.equal(events.maxConcurrent, 2);
      await events.waitFor(() => executor.freeSlots() === 2, 'all slots to be free');
    }));

    it('stop(): queued attempts and those still running after the grace period finish as UPDRAFT_ERR_SHUTDOWN', async () => {
      const executor = makeExecutor({ parallelism: 1 });
      const events = new EventRecorder();
      await executor.start(events, new RecordingApi());
      executor.submit('s-running', fixtureWorkload('sleep', { conf: { sleepMs: 30_000 } }));
      executor.submit('s-queued', fixtureWorkload('ok'));
      await events.waitStarted('s-running');
      await executor.stop(200);
      const running = failure((await events.waitFinished('s-running', 0)).outcome);
      assert.equal(running.error.code, 'UPDRAFT_ERR_SHUTDOWN');
      assert.equal(running.retryable, true);
      const queued = await events.waitFinished('s-queued', 0);
      assert.equal(failure(queued.outcome).error.code, 'UPDRAFT_ERR_SHUTDOWN');
      assert.equal(queued.startedAt, null);
      assert.equal(executor.freeSlots(), 0);
      executor.submit('s-late', fixtureWorkload('ok'));
      assert.equal(failure((await events.waitFinished('s-late')).outcome).error.code, 'UPDRAFT_ERR_SHUTDOWN');
      assert.deepEqual(events.violations, []);
    });

    it('stop(): an attempt that finishes within the grace period keeps its own outcome', async () => {
      const executor = makeExecutor({ parallelism: 1 });
      const events = new EventRecorder();
      await executor.start(events, new RecordingApi());
      executor.submit('g1', fixtureWorkload('ok', { conf: { sleepMs: 200 } }));
      await events.waitStarted('g1');
      await executor.stop(10_000);
      assert.deepEqual((await events.waitFinished('g1', 0)).outcome, { state: 'success' });
      assert.deepEqual(events.violations, []);
    });
  });
}
