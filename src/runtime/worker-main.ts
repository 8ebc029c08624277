// The task worker process. The local executor forks it (`execArgv: ['--import', 'tsx']`) and talks
// to it over IPC with the execution protocol (src/core/ports/execution-protocol.ts): one attempt at
// a time, many attempts per process. It never opens the metadata database; everything goes
// through the executor. A worker never outlives its parent: when the IPC channel closes, the running
// attempt is aborted, whatever it started is killed, and the process exits.
import { hostname } from 'node:os';
import { UpdraftError, toError } from '../common/errors.js';
import type { ExecutionReply, ExecutionRequest, ExecutorMessage, WorkerMessage, Workload } from '../core/ports/execution-protocol.js';
import { errorFromReply, serializeTaskError, type AttemptChannel } from './attempt-channel.js';
import { killDescendants } from './process-tree.js';
import { runAttempt } from './run-attempt.js';

const HOSTNAME = hostname();
/** How long an attempt runs before the worker reports its start (see run()). */
const STARTED_REPORT_DELAY_MS = 10;
const HEARTBEAT_MS = positiveNumber(process.env.UPDRAFT_WORKER_HEARTBEAT_MS, 5000);
/** After aborting for a shutdown or a lost parent, how long the task gets to stop its children. */
const STOP_GRACE_MS = 1000;
/** After an uncaught error, how long to wait for a `run` the executor may have sent already. */
const RETIRE_WAIT_MS = 100;

function positiveNumber(text: string | undefined, fallback: number): number {
  const value = Number(text);
  return text !== undefined && text !== '' && Number.isFinite(value) && value > 0 ? value : fallback;
}

interface Running {
  attemptId: string;
  controller: AbortController;
  pending: Map<number, { resolve(value: unknown): void; reject(error: Error): void }>;
  done: Promise<void>;
}

let running: Running | null = null;
let nextRequestId = 0;
let exiting = false;
/** Set when user code threw outside any await (uncaught): finish the attempt, then leave. */
let retire = false;

function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected || process.send === undefined) return resolve();
    try {
      process.send(message, undefined, {}, () => resolve());
    } catch {
      resolve();
    }
  });
}

function exitNow(code: number): never {
  killDescendants('SIGKILL');
  process.exit(code);
}

async function stop(reason: string, code: number): Promise<void> {
  if (exiting) return;
  exiting = true;
  const current = running;
  if (current !== null) {
    current.controller.abort(new UpdraftError('UPDRAFT_ERR_SHUTDOWN', `The attempt was interrupted: ${reason}`));
    // Let the task stop its own children (BashOperator signals its process group), but not for long.
    await Promise.race([current.done, new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS))]);
  }
  exitNow(code);
}

function channelFor(attemptId: string, pending: Running['pending']): AttemptChannel {
  return {
    request(request: ExecutionRequest): Promise<unknown> {
      const requestId = ++nextRequestId;
      return new Promise((resolve, reject) => {
        if (!process.connected) {
          reject(new UpdraftError('UPDRAFT_ERR_SHUTDOWN', `cannot send ${request.op} request: the executor is gone`));
          return;
        }
        pending.set(requestId, { resolve, reject });
        void send({ type: 'request', attemptId, requestId, request });
      });
    },
  };
}

async function run(attemptId: string, workload: Workload): Promise<void> {
  if (running !== null) {
    // The executor runs one attempt per worker; a second one is refused rather than interleaved.
    await send({
      type: 'finished', attemptId, durationMs: 0,
      outcome: {
        state: 'failed', retryable: true,
        error: serializeTaskError(new UpdraftError('UPDRAFT_ERR_INTERNAL', `worker ${process.pid} is already running attempt ${running.attemptId}`)),
      },
    });
    return;
  }
  const controller = new AbortController();
  const pending: Running['pending'] = new Map();
  let markDone!: () => void;
  const current: Running = { attemptId, controller, pending, done: new Promise((resolve) => { markDone = resolve; }) };
  running = current;
  // Reported once the attempt has run a little: most no-op and quick tasks end first, and their
  // 'finished' carries the start instead (one message and one scheduler wake-up fewer each).
  let startReported = false;
  const startReport = setTimeout(() => {
    startReported = true;
    void send({ type: 'started', attemptId, pid: process.pid, hostname: HOSTNAME });
  }, STARTED_REPORT_DELAY_MS);
  const heartbeat = setInterval(() => void send({ type: 'heartbeat', attemptId }), HEARTBEAT_MS);
  let failed: boolean;
  try {
    const { outcome, durationMs } = await runAttempt(workload, channelFor(attemptId, pending), {
      signal: controller.signal,
      captureProcessOutput: true,
    });
    failed = outcome.state === 'failed';
    clearInterval(heartbeat);
    clearTimeout(startReport);
    await send({ type: 'finished', attemptId, outcome, durationMs, ...(startReported ? {} : { started: { pid: process.pid, hostname: HOSTNAME } }) });
  } finally {
    clearInterval(heartbeat);
    clearTimeout(startReport);
    for (const { reject } of pending.values()) reject(new UpdraftError('UPDRAFT_ERR_SHUTDOWN', 'the attempt is over'));
    pending.clear();
    running = null;
    markDone();
  }
  // A failed attempt may leave children behind (code that threw before it could stop them): they
  // must not run on beside the next attempt. Only then, because the scan reads all of /proc.
  if (failed) killDescendants('SIGKILL');
  if (retire && !exiting) {
    await new Promise((resolve) => setTimeout(resolve, RETIRE_WAIT_MS));
    if (running === null) exitNow(0);
  }
}

function onReply(message: Extract<ExecutorMessage, { type: 'reply' }>): void {
  const current = running;
  if (current === null || current.attemptId !== message.attemptId) return;
  const waiter = current.pending.get(message.requestId);
  if (waiter === undefined) return;
  current.pending.delete(message.requestId);
  const reply: ExecutionReply = message.reply;
  if (reply.ok) waiter.resolve(reply.value);
  else waiter.reject(errorFromReply(reply.error));
}

/** An error thrown by user code outside any awaited promise fails the attempt instead of killing us silently. */
function onUncaught(error: unknown, kind: string): void {
  const current = running;
  if (current === null || current.controller.signal.aborted) {
    // Nothing to attribute it to: the process state is unknown, leave (the executor respawns).
    process.stderr.write(`updraft worker ${process.pid}: ${kind} outside a task attempt: ${toError(error).stack ?? String(error)}\n`);
    exitNow(1);
  }
  retire = true;
  const cause = toError(error);
  const wrapped = new UpdraftError('UPDRAFT_ERR_TASK_FAILED', `${kind} in task code: ${cause.message}`, { cause });
  wrapped.stack = `${wrapped.name}: ${wrapped.message}\nCaused by: ${cause.stack ?? cause.message}`;
  current.controller.abort(wrapped);
}

process.on('uncaughtException', (error) => onUncaught(error, 'uncaught exception'));
process.on('unhandledRejection', (reason) => onUncaught(reason, 'unhandled promise rejection'));

process.on('message', (raw: unknown) => {
  const message = raw as ExecutorMessage;
  if (message === null || typeof message !== 'object') return;
  switch (message.type) {
    case 'run':
      if (exiting) return;
      void run(message.attemptId, message.workload);
      return;
    case 'reply':
      onReply(message);
      return;
    case 'shutdown':
      void stop('the executor asked the worker to shut down', 0);
      return;
    default: {
      const unknown: never = message;
      process.stderr.write(`updraft worker ${process.pid}: ignoring unknown message ${JSON.stringify(unknown)}\n`);
    }
  }
});

// The parent died (or closed the channel): nobody can receive results any more.
process.on('disconnect', () => void stop('the executor process is gone', 0));

// SIGTERM from the executor (kill, timeout): abort the attempt so the task stops its children.
process.on('SIGTERM', () => void stop('the worker received SIGTERM', 0));

if (process.send === undefined) {
  process.stderr.write('updraft worker: not started with an IPC channel (fork it from the local executor)\n');
  process.exit(2);
}
void send({ type: 'ready', pid: process.pid });
