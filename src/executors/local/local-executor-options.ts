import { UpdraftError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { WorkerExit } from './worker-process.js';

export interface LocalExecutorOptions {
  /** Most attempts running at once (= most worker processes alive). */
  parallelism: number;
  /** Absolute path of the worker entry module (the runtime's worker-main), given by the composition root. */
  workerEntry: string;
  /** Node flags for the workers; default ['--import', 'tsx'] so TypeScript DAG files load. */
  execArgv?: string[];
  /** Environment of the workers; default this process's. */
  env?: NodeJS.ProcessEnv;
  /** A running attempt whose worker sends nothing for this long is killed (UPDRAFT_ERR_WORKER_DIED). Default 30000. */
  heartbeatTimeoutMs?: number;
  /** Between SIGTERM and SIGKILL. Default 5000. */
  killGraceMs?: number;
  /** A worker is replaced after this many attempts (bounds leaks in user code). Default 1000: forking and loading a worker costs over half a second of CPU, so at 100 recycling took most of a no-op fan-out's CPU. */
  maxAttemptsPerWorker?: number;
  /** Workers forked by start(), so the first tasks do not wait for a process to boot. Default min(2, parallelism). */
  warmWorkers?: number;
  logger?: Logger;
}

export interface ResolvedOptions {
  readonly parallelism: number;
  readonly workerEntry: string;
  readonly execArgv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly heartbeatTimeoutMs: number;
  readonly killGraceMs: number;
  readonly maxAttemptsPerWorker: number;
  readonly warmWorkers: number;
}

function positiveInt(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `LocalExecutor ${what} is ${JSON.stringify(value)}; it must be a whole number ≥ 1`);
  }
  return value;
}

function nonNegative(value: number, what: string): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `LocalExecutor ${what} is ${JSON.stringify(value)}; it must be a number of milliseconds ≥ 0`);
  }
  return value;
}

export function resolveOptions(options: LocalExecutorOptions): ResolvedOptions {
  const parallelism = positiveInt(options.parallelism, 'parallelism');
  const warmWorkers = options.warmWorkers ?? Math.min(2, parallelism);
  if (!Number.isInteger(warmWorkers) || warmWorkers < 0) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `LocalExecutor warmWorkers is ${JSON.stringify(warmWorkers)}; it must be a whole number ≥ 0`);
  }
  if (options.workerEntry === '') {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', 'LocalExecutor workerEntry is empty; give the absolute path of the worker entry module');
  }
  return Object.freeze({
    parallelism,
    workerEntry: options.workerEntry,
    execArgv: Object.freeze([...(options.execArgv ?? ['--import', 'tsx'])]),
    env: options.env ?? process.env,
    heartbeatTimeoutMs: positiveInt(options.heartbeatTimeoutMs ?? 30_000, 'heartbeatTimeoutMs'),
    killGraceMs: nonNegative(options.killGraceMs ?? 5000, 'killGraceMs'),
    maxAttemptsPerWorker: positiveInt(options.maxAttemptsPerWorker ?? 1000, 'maxAttemptsPerWorker'),
    warmWorkers: Math.min(warmWorkers, parallelism),
  });
}

export function describeExit(exit: WorkerExit): string {
  if (exit.spawnError !== null) return `could not be started (${exit.spawnError.message})`;
  if (exit.signal !== null) {
    const hint = exit.signal === 'SIGKILL' ? ' (killed by the OS — out of memory? — or by a user)' : '';
    return `was killed by signal ${exit.signal}${hint}`;
  }
  return `exited with code ${exit.code ?? 'unknown'}`;
}

export function withStderr(message: string, stderr: string): string {
  return stderr === '' ? message : `${message}\nLast output of the worker on stderr:\n${stderr}`;
}
