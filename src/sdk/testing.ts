import { decodeXCom, encodeXCom } from '../common/xcom-codec.js';
import type { TaskContext, TaskLogger, TaskServices, XComPullOptions } from './context.js';

/**
 * A TaskContext for unit tests of operators and task functions, without a scheduler or database.
 * XCom values go through the real codec (so what survives here survives in production), log lines
 * are recorded, and externalState answers from a table.
 */
export interface TestLogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
}

export interface TestContextOptions extends Partial<Omit<TaskContext, 'services' | 'log'>> {
  /** Initial XCom values: `{ extract: 42 }` or `{ extract: { return_value: 42, rows: 3 } }` when keys matter. */
  xcoms?: Record<string, unknown>;
  /** Answers for services.externalState, keyed `dagId` or `dagId/taskId` (any logical date). */
  externalStates?: Record<string, string | null>;
  variables?: Record<string, string>;
  connections?: Record<string, Record<string, unknown>>;
  /** Give keys in `xcoms` as `{ taskId: { key: value } }` instead of return values. */
  xcomsByKey?: boolean;
}

export interface TestTaskContext extends TaskContext {
  /** Every line the task logged, in order. */
  readonly logLines: TestLogLine[];
  /** Stored XComs by `taskId/key`, encoded as they would be in the database. */
  readonly xcomStore: Map<string, string>;
  /** Decoded XCom value, or undefined. */
  xcomValue(taskId: string, key?: string): unknown;
  /** Aborts ctx.signal, as a timeout or shutdown would. */
  abort(reason?: unknown): void;
  /** Calls to services.externalState, in order. */
  readonly externalStateCalls: { dagId: string; logicalDate: Date; taskId: string | undefined }[];
  readonly maskedValues: string[];
}

export function makeTestContext(partial: TestContextOptions = {}): TestTaskContext {
  const {
    xcoms = {}, externalStates = {}, variables = {}, connections = {}, xcomsByKey = false, ...overrides
  } = partial;
  const logicalDate = overrides.logicalDate ?? new Date('2024-01-01T00:00:00Z');
  const dataIntervalStart = overrides.dataIntervalStart ?? logicalDate;
  const dataIntervalEnd = overrides.dataIntervalEnd ?? new Date(dataIntervalStart.getTime() + 86_400_000);
  const dagId = overrides.dagId ?? 'test_dag';
  const taskId = overrides.taskId ?? 'test_task';
  const iso = logicalDate.toISOString();
  const runId = overrides.runId ?? `manual__${iso}`;
  const ds = iso.slice(0, 10);
  const ts = `${iso.slice(0, 19)}+00:00`;

  const xcomStore = new Map<string, string>();
  for (const [producer, value] of Object.entries(xcoms)) {
    if (xcomsByKey) {
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) xcomStore.set(`${producer}/${key}`, encodeXCom(item));
    } else {
      xcomStore.set(`${producer}/return_value`, encodeXCom(value));
    }
  }
  const logLines: TestLogLine[] = [];
  const log: TaskLogger = {
    debug: (message) => logLines.push({ level: 'debug', message }),
    info: (message) => logLines.push({ level: 'info', message }),
    warn: (message) => logLines.push({ level: 'warn', message }),
    error: (message) => logLines.push({ level: 'error', message }),
  };
  const controller = new AbortController();
  const externalStateCalls: TestTaskContext['externalStateCalls'] = [];
  const maskedValues: string[] = [];
  const services: TaskServices = {
    async xcomPush(key, value) {
      xcomStore.set(`${taskId}/${key}`, encodeXCom(value));
    },
    async xcomPull(fromTaskId: string, options?: XComPullOptions) {
      const text = xcomStore.get(`${fromTaskId}/${options?.key ?? 'return_value'}`);
      return text === undefined ? undefined : decodeXCom(text);
    },
    async getVariable(key) {
      return variables[key];
    },
    async getConnection(connId) {
      return connections[connId];
    },
    async externalState(externalDagId, date, externalTaskId) {
      externalStateCalls.push({ dagId: externalDagId, logicalDate: date, taskId: externalTaskId });
      const key = externalTaskId === undefined ? externalDagId : `${externalDagId}/${externalTaskId}`;
      return externalStates[key] ?? null;
    },
    mask(value) {
      maskedValues.push(value);
    },
  };
  const params = overrides.params ?? {};
  const conf = overrides.conf ?? {};
  const ctx: TestTaskContext = {
    dagId,
    taskId,
    runId,
    logicalDate,
    dataIntervalStart,
    dataIntervalEnd,
    ds,
    dsNodash: ds.replaceAll('-', ''),
    ts,
    tsNodash: ts.slice(0, 19).replaceAll('-', '').replaceAll(':', ''),
    params,
    conf,
    dagRun: overrides.dagRun ?? { dagId, runId, runType: 'manual', logicalDate, dataIntervalStart, dataIntervalEnd, conf },
    ti: overrides.ti ?? { dagId, taskId, runId, tryNumber: 1, maxTries: 1 },
    prevLogicalDate: overrides.prevLogicalDate ?? null,
    firstAttemptAt: overrides.firstAttemptAt ?? new Date(),
    isReschedule: overrides.isReschedule ?? false,
    log,
    signal: overrides.signal ?? controller.signal,
    services,
    xcomPush: (key, value) => services.xcomPush(key, value),
    xcomPull: async <T>(fromTaskId: string, options?: XComPullOptions) => (await services.xcomPull(fromTaskId, options)) as T | undefined,
    logLines,
    xcomStore,
    xcomValue: (fromTaskId, key = 'return_value') => {
      const text = xcomStore.get(`${fromTaskId}/${key}`);
      return text === undefined ? undefined : decodeXCom(text);
    },
    abort: (reason?: unknown) => controller.abort(reason),
    externalStateCalls,
    maskedValues,
  };
  return ctx;
}
