import { strict as assert } from 'node:assert';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { decodeXCom } from '../common/xcom-codec.js';
import type { ExecutorMessage, WorkerMessage } from '../core/ports/execution-protocol.js';
import { FakeScheduler, alive, eventually, makeWorkload, readLog } from './test-support.js';

const WORKER = fileURLToPath(new URL('./worker-main.ts', import.meta.url));

const DAG_SOURCE = `
import { dag, task, BashOperator, getContext } from 'updraft';
import { spawn } from 'node:child_process';

export default dag({ dagId: 'rt' }, () => {
  task('slow', async () => {
    console.log('slow task says hi');
    await new Promise((resolve) => setTimeout(resolve, 400));
    return { at: new Date('2026-01-01T00:00:00Z') };
  })();
  task('pull', async () => {
    const value = await getContext().xcomPull('slow');
    return value;
  })();
  task('stray', async () => {
    setTimeout(() => { throw new Error('stray timer error'); }, 20);
    await new Promise((resolve) => setTimeout(resolve, 60_000));
  })();
  task('spawner', async () => {
    const child = spawn('sleep', ['1000'], { detached: true, stdio: 'ignore' });
    await getContext().xcomPush('child_pid', child.pid);
    await new Promise((resolve) => setTimeout(resolve, 60_000));
  })();
  new BashOperator({ taskId: 'bash_sleep', bashCommand: 'echo started; sleep 1000' });
});
`;

let dir: string;
let file: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'updraft-worker-'));
  file = join(dir, 'worker_dag.ts');
  writeFileSync(file, DAG_SOURCE);
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Harness {
  child: ChildProcess;
  messages: WorkerMessage[];
  scheduler: FakeScheduler;
  exited: Promise<number | null>;
  send(message: ExecutorMessage): void;
}

function startWorker(scheduler = new FakeScheduler()): Harness {
  const child = fork(WORKER, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, UPDRAFT_WORKER_HEARTBEAT_MS: '50' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const messages: WorkerMessage[] = [];
  const workloads = new Map<string, ReturnType<typeof makeWorkload>>();
  const harness: Harness = {
    child, messages, scheduler,
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
    send(message) {
      if (message.type === 'run') workloads.set(message.attemptId, message.workload);
      child.send(message);
    },
  };
  child.on('message', (raw) => {
    const message = raw as WorkerMessage;
    messages.push(message);
    if (message.type === 'request') {
      const workload = workloads.get(message.attemptId)!;
      scheduler.channelFor(workload).request(message.request).then(
        (value) => child.connected && child.send({ type: 'reply', attemptId: message.attemptId, requestId: message.requestId, reply: { ok: true, value } }),
        (error: Error) => child.connected && child.send({
          type: 'reply', attemptId: message.attemptId, requestId: message.requestId,
          reply: { ok: false, error: { name: error.name, message: error.message, code: null, stack: null } },
        }),
      );
    }
  });
  return harness;
}

const of = <T extends WorkerMessage['type']>(h: Harness, type: T, attemptId?: string) =>
  h.messages.filter((m): m is Extract<WorkerMessage, { type: T }> => m.type === type && (attemptId === undefined || (m as { attemptId?: string }).attemptId === attemptId));

describe('worker-main over a real fork', () => {
  it('says ready, runs attempts one after another: started (or its start with finished, when quick), heartbeats, requests, finished', async () => {
    const h = startWorker();
    try {
      await eventually(() => of(h, 'ready')[0], 'ready');
      assert.equal(of(h, 'ready')[0]?.pid, h.child.pid);
      const workload = makeWorkload(dir, file, 'slow');
      h.send({ type: 'run', attemptId: 'a1', workload });
      const finished = await eventually(() => of(h, 'finished', 'a1')[0], 'finished a1');
      assert.deepEqual(finished.outcome, { state: 'success' });
      assert.ok(finished.durationMs >= 400);
      const started = of(h, 'started', 'a1')[0];
      assert.equal(started?.pid, h.child.pid);
      assert.equal(typeof started?.hostname, 'string');
      assert.ok(of(h, 'heartbeat', 'a1').length >= 2, 'heartbeats while running');
      assert.ok(h.messages.indexOf(started!) < h.messages.indexOf(of(h, 'heartbeat', 'a1')[0]!));
      assert.match(readLog(workload), /\[stdout\] slow task says hi/);
      // The same process runs the next attempt, which pulls the first one's XCom through IPC.
      const pull = makeWorkload(dir, file, 'pull');
      h.send({ type: 'run', attemptId: 'a2', workload: pull });
      const second = await eventually(() => of(h, 'finished', 'a2')[0], 'finished a2');
      assert.deepEqual(second.outcome, { state: 'success' });
      // A quick attempt reports its start with its end, not in a 'started' message of its own.
      const reported = of(h, 'started', 'a2')[0] ?? second.started;
      assert.equal(reported?.pid, h.child.pid);
      assert.equal(typeof reported?.hostname, 'string');
      assert.equal(second.started === undefined, of(h, 'started', 'a2').length === 1, 'the start is reported exactly once');
      assert.equal(finished.started, undefined, 'the slow attempt reported its start on its own');
      const pushed = h.scheduler.xcoms.get(`${pull.runId}/pull/return_value`);
      assert.deepEqual(decodeXCom(pushed!), { at: new Date('2026-01-01T00:00:00Z') });
      h.send({ type: 'shutdown' });
      assert.equal(await h.exited, 0);
    } finally {
      h.child.kill('SIGKILL');
    }
  });

  it('an uncaught error in task code fails the attempt (retryable), then the worker retires', async () => {
    const h = startWorker();
    try {
      await eventually(() => of(h, 'ready')[0], 'ready');
      const workload = makeWorkload(dir, file, 'stray');
      h.send({ type: 'run', attemptId: 's1', workload });
      const finished = await eventually(() => of(h, 'finished', 's1')[0], 'finished s1');
      assert.ok(finished.outcome.state === 'failed');
      assert.equal(finished.outcome.retryable, true);
      assert.match(finished.outcome.error.message, /uncaught exception in task code: stray timer error/);
      assert.match(readLog(workload), /stray timer error/);
      assert.equal(await h.exited, 0);
    } finally {
      h.child.kill('SIGKILL');
    }
  });

  it('exits when its parent goes away, killing what the task started', async () => {
    const h = startWorker();
    try {
      await eventually(() => of(h, 'ready')[0], 'ready');
      h.send({ type: 'run', attemptId: 'p1', workload: makeWorkload(dir, file, 'spawner') });
      const sleeperKey = `${makeWorkload(dir, file, 'spawner').runId}/spawner/child_pid`;
      const sleeperPid = Number(decodeXCom(await eventually(() => h.scheduler.xcoms.get(sleeperKey), 'child pid')));
      assert.ok(alive(sleeperPid));
      const workerPid = h.child.pid!;
      h.child.disconnect();
      await h.exited;
      assert.equal(alive(workerPid), false, 'the worker is gone');
      await eventually(() => !alive(sleeperPid), 'the detached child is gone', 5000);
    } finally {
      h.child.kill('SIGKILL');
    }
  });

  it('shutdown during a bash attempt stops the command and reports the attempt', async () => {
    const h = startWorker();
    try {
      await eventually(() => of(h, 'ready')[0], 'ready');
      const workload = makeWorkload(dir, file, 'bash_sleep');
      h.send({ type: 'run', attemptId: 'b1', workload });
      await eventually(() => /\[task\] started/.test(safeRead(workload.logPath)), 'bash started');
      h.send({ type: 'shutdown' });
      const finished = await eventually(() => of(h, 'finished', 'b1')[0], 'finished b1');
      assert.ok(finished.outcome.state === 'failed');
      assert.equal(finished.outcome.error.code, 'UPDRAFT_ERR_SHUTDOWN');
      assert.equal(await h.exited, 0);
      assert.match(readLog(workload), /Stopping the bash command/);
    } finally {
      h.child.kill('SIGKILL');
    }
  });
});

function safeRead(path: string): string {
  try {
    return readLog({ logPath: path } as ReturnType<typeof makeWorkload>);
  } catch {
    return '';
  }
}
