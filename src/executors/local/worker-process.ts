import { fork, type ChildProcess } from 'node:child_process';
import type { Logger } from '../../common/logger.js';
import type { ExecutorMessage, WorkerMessage } from '../../core/ports/execution-protocol.js';
import { signalGroup, trackGroup, untrackGroup } from '../../common/process-group.js';

export interface WorkerProcessOptions {
  entry: string;
  execArgv: readonly string[];
  env: NodeJS.ProcessEnv;
  logger: Logger;
  onMessage(message: WorkerMessage): void;
  onExit(exit: WorkerExit): void;
}

export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be spawned at all. */
  spawnError: Error | null;
}

const STDERR_TAIL_CHARS = 4000;

/**
 * One forked task worker process: the leader of its own process group, talking the execution
 * protocol over IPC. Knows how to end itself and everything it spawned; the pool logic lives in
 * LocalExecutor.
 */
export class WorkerProcess {
  readonly pid: number;
  private readonly child: ChildProcess;
  private readonly logger: Logger;
  private stderrTail = '';
  private exitInfo: WorkerExit | null = null;
  private termTimer: NodeJS.Timeout | null = null;
  private killTimer: NodeJS.Timeout | null = null;
  private readonly exitWaiters: Array<() => void> = [];

  constructor(private readonly options: WorkerProcessOptions) {
    this.logger = options.logger;
    this.child = fork(options.entry, [], {
      execArgv: [...options.execArgv],
      env: options.env,
      // Own process group: a signal to -pid reaches the task's children too.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    // pid is undefined only when spawn failed; 'error' follows and is handled below.
    this.pid = this.child.pid ?? -1;
    if (this.pid > 0) trackGroup(this.pid);
    this.child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      this.logger.debug('worker stdout', { pid: this.pid, text: text.trimEnd() });
    });
    this.child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL_CHARS);
      this.logger.warn('worker stderr', { pid: this.pid, text: text.trimEnd() });
    });
    this.child.on('message', (message: unknown) => {
      if (message === null || typeof message !== 'object' || typeof (message as { type?: unknown }).type !== 'string') {
        this.logger.warn('ignoring a malformed message from a worker', { pid: this.pid, message });
        return;
      }
      options.onMessage(message as WorkerMessage);
    });
    this.child.on('error', (error) => {
      if (this.child.pid === undefined) this.finishExit({ code: null, signal: null, spawnError: error });
      else this.logger.warn('worker process error', { pid: this.pid, error: error.message });
    });
    this.child.on('exit', (code, signal) => {
      // Kill the rest of the group first: a grandchild holding our stdout/stderr pipes would keep
      // them open. Then let the pipes drain (messages sent just before exiting, a crash trace on
      // stderr) before declaring the process gone; a short fallback covers pipes that never close.
      if (this.pid > 0) signalGroup(this.pid, 'SIGKILL');
      const done = (): void => {
        clearTimeout(fallback);
        this.finishExit({ code, signal, spawnError: null });
      };
      const fallback = setTimeout(done, 500);
      let pending = 1 + (this.child.connected ? 1 : 0);
      const settle = (): void => {
        if (--pending === 0) done();
      };
      if (this.child.connected) this.child.once('disconnect', settle);
      this.child.once('close', settle);
    });
  }

  get exited(): boolean {
    return this.exitInfo !== null;
  }

  /** Last lines the process wrote on stderr (crash traces), for failure messages. */
  get lastStderr(): string {
    return this.stderrTail.trim();
  }

  /** Sends a message; false when the channel is already closed (the exit handler will follow). */
  send(message: ExecutorMessage): boolean {
    if (this.exitInfo !== null || !this.child.connected) return false;
    try {
      this.child.send(message, (error) => {
        if (error !== null && error !== undefined) this.logger.debug('send to worker failed', { pid: this.pid, error: error.message });
      });
      return true;
    } catch (error) {
      this.logger.debug('send to worker failed', { pid: this.pid, error: (error as Error).message });
      return false;
    }
  }

  /** SIGTERM to the whole group now, SIGKILL after `graceMs`. Idempotent. */
  terminate(graceMs: number): void {
    if (this.exitInfo !== null || this.killTimer !== null) return;
    if (this.termTimer !== null) {
      clearTimeout(this.termTimer);
      this.termTimer = null;
    }
    signalGroup(this.pid, 'SIGTERM');
    this.killTimer = setTimeout(() => signalGroup(this.pid, 'SIGKILL'), graceMs);
  }

  /** Asks the worker to exit on its own; terminates it when it has not after `graceMs`. */
  shutdown(graceMs: number): void {
    if (this.exitInfo !== null || this.termTimer !== null || this.killTimer !== null) return;
    this.send({ type: 'shutdown' });
    this.termTimer = setTimeout(() => {
      this.termTimer = null;
      this.terminate(graceMs);
    }, graceMs);
  }

  /** Resolves once the process has exited and its group was cleaned up. */
  waitExit(): Promise<void> {
    if (this.exitInfo !== null) return Promise.resolve();
    return new Promise((resolve) => this.exitWaiters.push(resolve));
  }

  private finishExit(exit: WorkerExit): void {
    if (this.exitInfo !== null) return;
    this.exitInfo = exit;
    if (this.termTimer !== null) clearTimeout(this.termTimer);
    if (this.killTimer !== null) clearTimeout(this.killTimer);
    if (this.pid > 0) {
      // Whatever the task left running in the group (a bash child, its sleep) goes with it.
      signalGroup(this.pid, 'SIGKILL');
      untrackGroup(this.pid);
    }
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
    this.options.onExit(exit);
    for (const resolve of this.exitWaiters.splice(0)) resolve();
  }
}
