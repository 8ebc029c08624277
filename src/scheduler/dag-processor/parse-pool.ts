import { fork, type ChildProcess } from 'node:child_process';
import { UpdraftError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { ParsedDag, ParseRequestMessage, ParseWorkerMessage } from '../../core/ports/parse-protocol.js';
import { signalGroup, trackGroup, untrackGroup } from '../../common/process-group.js';

export interface ParsePoolOptions {
  /** Absolute path of the parse worker entry (the runtime's parse-main). */
  entry: string;
  execArgv: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** Parse workers alive at most. */
  size: number;
  timeoutMs: number;
  /** A worker is replaced after parsing this many files (ES modules are never unloaded). */
  recycleAfter: number;
  logger: Logger;
}

/** The result for one file. A failure here is the file's fault (it becomes an import error). */
export type ParseOutcome =
  | { ok: true; dags: ParsedDag[] }
  | { ok: false; kind: 'error' | 'timeout' | 'crash'; message: string; stack: string | null };

interface Job {
  readonly file: string;
  readonly version: string;
  readonly requestId: number;
  resolve(outcome: ParseOutcome): void;
  reject(error: Error): void;
}

interface ParseWorker {
  readonly child: ChildProcess;
  readonly pid: number;
  state: 'starting' | 'idle' | 'busy' | 'retiring';
  job: Job | null;
  /** Decided by the pool (timeout, shutdown) before the process is gone. */
  verdict: ParseOutcome | Error | null;
  parsed: number;
  timer: NodeJS.Timeout | null;
  stderr: string;
  exited: boolean;
  exitWaiters: Array<() => void>;
}

const MAX_START_FAILURES = 3;
const STDERR_TAIL_CHARS = 4000;
const RETIRE_GRACE_MS = 2000;

function formatSeconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

/**
 * A pool of long-lived DAG-parse worker processes, each parsing one file at a time. A file that
 * hangs (an infinite loop at import) or kills its worker costs that worker, never the pool.
 */
export class ParsePool {
  private readonly workers = new Set<ParseWorker>();
  private readonly queue: Job[] = [];
  private nextRequestId = 0;
  private startFailures = 0;
  private stopped = false;
  private readonly logger: Logger;

  constructor(private readonly options: ParsePoolOptions) {
    this.logger = options.logger;
  }

  parse(file: string, version: string): Promise<ParseOutcome> {
    if (this.stopped) return Promise.reject(new UpdraftError('UPDRAFT_ERR_SHUTDOWN', `not parsing ${file}: the DAG processor is stopping`));
    return new Promise((resolve, reject) => {
      this.queue.push({ file, version, requestId: ++this.nextRequestId, resolve, reject });
      this.pump();
    });
  }

  /** Pids of the parse workers alive now (diagnostics and tests). */
  get workerPids(): number[] {
    return [...this.workers].map((w) => w.pid);
  }

  /** Fails queued and running parses (UPDRAFT_ERR_SHUTDOWN) and ends every worker. */
  async stop(): Promise<void> {
    this.stopped = true;
    const shutdown = new UpdraftError('UPDRAFT_ERR_SHUTDOWN', 'the DAG processor is stopping');
    for (const job of this.queue.splice(0)) job.reject(shutdown);
    const waits: Array<Promise<void>> = [];
    for (const worker of this.workers) {
      if (worker.job !== null && worker.verdict === null) worker.verdict = shutdown;
      this.end(worker, 'SIGTERM');
      waits.push(new Promise((resolve) => (worker.exited ? resolve() : worker.exitWaiters.push(resolve))));
    }
    await Promise.all(waits);
  }

  private pump(): void {
    if (this.stopped) return;
    while (this.queue.length > 0) {
      const idle = [...this.workers].find((w) => w.state === 'idle');
      if (idle === undefined) break;
      this.dispatch(idle, this.queue.shift()!);
    }
    let starting = 0;
    let live = 0;
    for (const worker of this.workers) {
      if (worker.state === 'starting') starting++;
      if (worker.state !== 'retiring') live++;
    }
    const toFork = Math.min(this.queue.length - starting, this.options.size - live);
    for (let i = 0; i < toFork; i++) this.spawn();
  }

  private spawn(): void {
    const child = fork(this.options.entry, [], {
      execArgv: [...this.options.execArgv],
      env: this.options.env ?? process.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    const worker: ParseWorker = {
      child, pid: child.pid ?? -1, state: 'starting', job: null, verdict: null, parsed: 0, timer: null, stderr: '', exited: false, exitWaiters: [],
    };
    this.workers.add(worker);
    if (worker.pid > 0) trackGroup(worker.pid);
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      this.logger.debug('parse worker stdout', { pid: worker.pid, file: worker.job?.file, text: text.trimEnd() });
    });
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      worker.stderr = (worker.stderr + text).slice(-STDERR_TAIL_CHARS);
      this.logger.debug('parse worker stderr', { pid: worker.pid, file: worker.job?.file, text: text.trimEnd() });
    });
    child.on('message', (message: ParseWorkerMessage) => this.onMessage(worker, message));
    child.on('error', (error) => {
      if (child.pid === undefined) this.onExit(worker, `could not be started (${error.message})`);
    });
    child.on('exit', (code, signal) => {
      // Anything the DAG file spawned dies with its worker.
      signalGroup(worker.pid, 'SIGKILL');
      const how = signal !== null ? `was killed by signal ${signal}` : `exited with code ${code ?? 'unknown'}`;
      // Let stderr drain (the crash trace) before reporting; a short fallback for pipes held open.
      const fallback = setTimeout(() => this.onExit(worker, how), 500);
      child.once('close', () => {
        clearTimeout(fallback);
        this.onExit(worker, how);
      });
    });
  }

  private dispatch(worker: ParseWorker, job: Job): void {
    worker.state = 'busy';
    worker.job = job;
    worker.timer = setTimeout(() => {
      worker.verdict = {
        ok: false, kind: 'timeout', stack: null,
        message: `DAG file ${job.file} timed out after ${formatSeconds(this.options.timeoutMs)} s (infinite loop or a slow import?); [core] dag_file_processor_timeout is ${formatSeconds(this.options.timeoutMs)} s`,
      };
      this.logger.warn('DAG file timed out; killing its parse worker', { file: job.file, pid: worker.pid, timeoutMs: this.options.timeoutMs });
      // A worker stuck in a loop cannot run a SIGTERM handler anyway.
      this.end(worker, 'SIGKILL');
    }, this.options.timeoutMs);
    const message: ParseRequestMessage = { type: 'parse', requestId: job.requestId, file: job.file, version: job.version };
    try {
      worker.child.send(message);
    } catch (error) {
      worker.verdict = new UpdraftError('UPDRAFT_ERR_INTERNAL', `could not send ${job.file} to parse worker ${worker.pid}: ${(error as Error).message}`);
      this.end(worker, 'SIGKILL');
    }
  }

  private onMessage(worker: ParseWorker, message: ParseWorkerMessage): void {
    if (message === null || typeof message !== 'object') return;
    if (message.type === 'ready') {
      if (worker.state !== 'starting') return;
      worker.state = 'idle';
      this.startFailures = 0;
      this.pump();
      return;
    }
    if (message.type !== 'parsed') return;
    const job = worker.job;
    if (job === null || job.requestId !== message.requestId || worker.verdict !== null) return;
    if (worker.timer !== null) clearTimeout(worker.timer);
    worker.timer = null;
    worker.job = null;
    worker.parsed++;
    if (message.ok) {
      if (!Array.isArray(message.dags)) {
        job.resolve({ ok: false, kind: 'error', stack: null, message: `the parse worker returned a malformed answer for ${job.file}` });
      } else {
        job.resolve({ ok: true, dags: message.dags });
      }
    } else {
      job.resolve({ ok: false, kind: 'error', message: String(message.message), stack: message.stack ?? null });
    }
    if (worker.parsed >= this.options.recycleAfter || this.stopped) {
      this.logger.debug('recycling a parse worker', { pid: worker.pid, parsed: worker.parsed });
      this.end(worker, 'SIGTERM');
    } else {
      worker.state = 'idle';
    }
    this.pump();
  }

  /** Takes the worker out of service and signals its group; it is forgotten once it has exited. */
  private end(worker: ParseWorker, signal: NodeJS.Signals): void {
    if (worker.exited) return;
    const wasRetiring = worker.state === 'retiring';
    worker.state = 'retiring';
    if (worker.timer !== null) clearTimeout(worker.timer);
    worker.timer = null;
    if (worker.child.connected) worker.child.disconnect();
    signalGroup(worker.pid, signal);
    if (signal !== 'SIGKILL' && !wasRetiring) {
      setTimeout(() => {
        if (!worker.exited) signalGroup(worker.pid, 'SIGKILL');
      }, RETIRE_GRACE_MS).unref();
    }
  }

  private onExit(worker: ParseWorker, how: string): void {
    if (worker.exited) return;
    worker.exited = true;
    if (worker.timer !== null) clearTimeout(worker.timer);
    this.workers.delete(worker);
    if (worker.pid > 0) untrackGroup(worker.pid);
    const stderr = worker.stderr.trim();
    const job = worker.job;
    if (job !== null) {
      worker.job = null;
      const verdict = worker.verdict;
      if (verdict instanceof Error) job.reject(verdict);
      else if (verdict !== null) job.resolve(verdict);
      else {
        job.resolve({
          ok: false, kind: 'crash', stack: null,
          message: `DAG file ${job.file} made its parse worker exit: the process ${how} while importing it (process.exit() at import time, or out of memory)${stderr === '' ? '' : `\n${stderr}`}`,
        });
      }
    } else if (worker.state === 'starting' && !this.stopped) {
      this.startFailures++;
      this.logger.error('a DAG parse worker exited before it was ready', { pid: worker.pid, entry: this.options.entry, how, stderr });
      if (this.startFailures >= MAX_START_FAILURES) {
        this.startFailures = 0;
        const error = new UpdraftError('UPDRAFT_ERR_INTERNAL',
          `the DAG parse worker (${this.options.entry}) ${how} before it was ready, ${MAX_START_FAILURES} times in a row${stderr === '' ? '' : `:\n${stderr}`}`);
        for (const queued of this.queue.splice(0)) queued.reject(error);
      }
    }
    for (const resolve of worker.exitWaiters.splice(0)) resolve();
    this.pump();
  }
}
