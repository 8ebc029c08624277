// Test helpers for src/runtime tests (not imported by library code).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExecutionRequest, Workload } from '../core/ports/execution-protocol.js';
import type { AttemptChannel } from './attempt-channel.js';
import { errorFromReply } from './attempt-channel.js';

/**
 * A test double of the scheduler side of the execution channel: XComs in a Map keyed
 * `runId/taskId/key`, variables and connections from tables.
 */
export class FakeScheduler {
  readonly xcoms = new Map<string, string>();
  readonly requests: Array<{ taskId: string; request: ExecutionRequest }> = [];
  variables: Record<string, string> = {};
  connections: Record<string, Record<string, unknown>> = {};
  states: Record<string, string> = {};

  channelFor(workload: Pick<Workload, 'runId' | 'taskId' | 'dagId'>): AttemptChannel {
    return {
      request: async (request) => {
        this.requests.push({ taskId: workload.taskId, request });
        switch (request.op) {
          case 'xcom.push':
            if (request.value.length > 10_000) {
              throw errorFromReply({ name: 'UpdraftError', message: `XCom "${request.key}" is too large`, code: 'UPDRAFT_ERR_XCOM_TOO_LARGE', stack: null });
            }
            this.xcoms.set(`${workload.runId}/${workload.taskId}/${request.key}`, request.value);
            return null;
          case 'xcom.pull':
            return this.xcoms.get(`${request.runId ?? workload.runId}/${request.taskId}/${request.key}`) ?? null;
          case 'variable.get':
            return this.variables[request.key] ?? null;
          case 'connection.get':
            return this.connections[request.connId] ?? null;
          case 'dagrun.state':
            return this.states[`${request.dagId}/${request.taskId ?? ''}`] ?? null;
          default: {
            const exhaustive: never = request;
            throw new Error(`unknown request ${JSON.stringify(exhaustive)}`);
          }
        }
      },
    };
  }
}

export function makeWorkload(dir: string, fileloc: string, taskId: string, overrides: Partial<Workload> = {}): Workload {
  const runId = overrides.runId ?? 'manual__2026-01-01T00:00:00+00:00';
  const tryNumber = overrides.tryNumber ?? 1;
  return {
    dagId: 'rt',
    runId,
    taskId,
    tryNumber,
    maxTries: 2,
    fileloc,
    dagVersionHash: '',
    logicalDate: '2026-01-01T00:00:00.000Z',
    dataIntervalStart: '2026-01-01T00:00:00.000Z',
    dataIntervalEnd: '2026-01-02T00:00:00.000Z',
    runType: 'manual',
    conf: {},
    logPath: join(dir, 'logs', `dag_id=${overrides.dagId ?? 'rt'}`, `run_id=${runId}`, `task_id=${taskId}`, `attempt=${tryNumber}.log`),
    executionTimeoutMs: null,
    firstAttemptAt: null,
    isReschedule: false,
    prevLogicalDate: null,
    ...overrides,
  };
}

export function readLog(workload: Workload): string {
  return readFileSync(workload.logPath, 'utf8');
}

/** True while a process exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

export async function eventually<T>(check: () => T | null | undefined | false, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
