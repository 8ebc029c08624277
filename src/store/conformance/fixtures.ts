import type { DagSpec, TaskSpec } from '../../core/dag-spec.js';
import type { DagRun, MetadataStore, NewTaskInstance, TaskInstanceKey } from '../../core/ports/metadata-store.js';
import type { DagRunState, RunType } from '../../core/states.js';

/** What a conformance suite needs from the database under test. */
export interface StoreHandle {
  /** A store on a fresh, empty (not yet migrated) database. */
  store: MetadataStore;
  /** Closes every store opened here and removes the database. */
  cleanup(): Promise<void>;
  /** Runs raw SQL on the same database through another connection (to fake a newer schema). */
  execSql?(text: string): Promise<void>;
  /** A second, independent store instance on the same database (concurrency tests). */
  openAnother?(): Promise<MetadataStore>;
}

export type MakeStore = () => Promise<StoreHandle>;

/** Runs `fn` on a freshly made store; migrates first unless told not to. */
export async function withStore(makeStore: MakeStore, fn: (store: MetadataStore, handle: StoreHandle) => Promise<void>,
  options: { migrate?: boolean } = {}): Promise<void> {
  const handle = await makeStore();
  try {
    if (options.migrate !== false) await handle.store.migrate();
    await fn(handle.store, handle);
  } finally {
    await handle.cleanup();
  }
}

export function taskSpec(taskId: string, overrides: Partial<TaskSpec> = {}): TaskSpec {
  return {
    taskId, operator: '@task', kind: 'taskflow', upstream: [], downstream: [], groups: [], owner: 'updraft',
    retries: 0, retryDelayMs: 300_000, retryExponentialBackoff: false, maxRetryDelayMs: null, executionTimeoutMs: null,
    dependsOnPast: false, triggerRule: 'all_success', pool: 'default_pool', poolSlots: 1, priorityWeight: 1, queue: 'default',
    email: [], emailOnFailure: false, emailOnRetry: false, params: {}, doc: null, sensor: null,
    ignoreDownstreamTriggerRules: true, templateFields: [], ...overrides,
  };
}

export function dagSpec(dagId: string, taskIds: readonly string[] = ['a', 'b'], overrides: Partial<DagSpec> = {}): DagSpec {
  return {
    specVersion: 1, dagId, fileloc: `/dags/${dagId}.ts`, schedule: { kind: 'cron', expression: '0 0 * * *', preset: '@daily' },
    startDate: '2024-01-01T00:00:00.000Z', endDate: null, timezone: 'UTC', catchup: false, maxActiveRuns: 16, maxActiveTasks: 16,
    dagrunTimeoutMs: null, params: {}, tags: ['한국어', 'test'], description: '설명 description', doc: null,
    tasks: taskIds.map((id) => taskSpec(id)), ...overrides,
  };
}

export function newTask(taskId: string, overrides: Partial<NewTaskInstance> = {}): NewTaskInstance {
  return { taskId, pool: 'default_pool', poolSlots: 1, priorityWeight: 1, queue: 'default', maxTries: 1, ...overrides };
}

export const T0 = new Date('2024-01-01T00:00:00.000Z');
export const DAY = 86_400_000;

export function day(n: number): Date {
  return new Date(T0.getTime() + n * DAY);
}

/** Stores a DAG (version hash `h1` unless given) defined in `/dags/<dagId>.ts`. */
export async function seedDag(store: MetadataStore, dagId: string, options: { hash?: string; fileloc?: string; taskIds?: string[] } = {}): Promise<void> {
  const spec = dagSpec(dagId, options.taskIds ?? ['a', 'b']);
  await store.upsertDag({
    spec, versionHash: options.hash ?? 'h1', fileloc: options.fileloc ?? spec.fileloc, isPausedOnCreate: false, parsedAt: T0,
  });
}

export interface SeedRun {
  dagId: string;
  runId: string;
  logicalDate?: Date;
  state?: DagRunState;
  runType?: RunType;
  tasks?: NewTaskInstance[];
  backfillId?: number | null;
  conf?: Record<string, unknown>;
}

/** Creates a run (running, manual, at T0, tasks a and b unless given). */
export async function seedRun(store: MetadataStore, options: SeedRun): Promise<DagRun> {
  const logicalDate = options.logicalDate ?? T0;
  return store.createDagRun({
    dagId: options.dagId, runId: options.runId, runType: options.runType ?? 'manual', state: options.state ?? 'running', logicalDate,
    dataIntervalStart: new Date(logicalDate.getTime() - DAY), dataIntervalEnd: logicalDate, conf: options.conf ?? {},
    dagVersionHash: 'h1', backfillId: options.backfillId ?? null, tasks: options.tasks ?? [newTask('a'), newTask('b')],
  });
}

export function tiKey(dagId: string, runId: string, taskId: string): TaskInstanceKey {
  return { dagId, runId, taskId };
}

export function deferred(): { promise: Promise<void>; resolve(): void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
