import { UpdraftError } from '../common/errors.js';
import { DAG_RUN_STATES, TASK_STATES, type DagRunState, type TaskState } from './states.js';

/**
 * Every allowed task instance state change (ADR: state changes only through transition
 * functions). Five kinds of edges make up the table:
 *
 * - the normal flow: none → scheduled → queued → running → success | failed | skipped |
 *   up_for_retry | up_for_reschedule; up_for_retry / up_for_reschedule → scheduled; a task the
 *   trigger rules settle: none | scheduled → skipped | upstream_failed; a worker that died or a
 *   shutdown before the attempt started: queued → failed | up_for_retry | scheduled; a queued
 *   attempt may also report its end before its start was recorded: queued → success | skipped |
 *   up_for_reschedule;
 * - clear: any state → none;
 * - mark success / failed by hand: any other state → success | failed;
 * - run one task by hand (`tasks run`, Airflow's ignore_ti_state): any state but queued and
 *   running → queued;
 * - the run timed out (dagrunTimeout): every unfinished state → skipped; the task left the DAG:
 *   none | scheduled | queued | up_for_retry | up_for_reschedule → removed.
 *
 * Never allowed, among others: running → scheduled | queued (a running attempt ends through its
 * result), finished → scheduled | running without a clear, and a state to itself.
 */
const NORMAL: Readonly<Record<TaskState, readonly TaskState[]>> = {
  none: ['scheduled', 'skipped', 'upstream_failed', 'removed'],
  scheduled: ['queued', 'skipped', 'upstream_failed', 'removed'],
  queued: ['running', 'success', 'failed', 'skipped', 'up_for_retry', 'up_for_reschedule', 'scheduled', 'removed'],
  running: ['success', 'failed', 'skipped', 'up_for_retry', 'up_for_reschedule'],
  success: [],
  failed: [],
  skipped: [],
  upstream_failed: [],
  up_for_retry: ['scheduled', 'skipped', 'removed'],
  up_for_reschedule: ['scheduled', 'skipped', 'removed'],
  removed: [],
};

const MANUAL_TARGETS: readonly TaskState[] = ['none', 'success', 'failed'];
const MANUAL_RUN_SOURCES: ReadonlySet<TaskState> = new Set<TaskState>([
  'none', 'scheduled', 'success', 'failed', 'skipped', 'upstream_failed', 'up_for_retry', 'up_for_reschedule', 'removed',
]);

function buildTaskTransitions(): Readonly<Record<TaskState, readonly TaskState[]>> {
  const table = {} as Record<TaskState, readonly TaskState[]>;
  for (const from of TASK_STATES) {
    const targets = new Set<TaskState>(NORMAL[from]);
    for (const to of MANUAL_TARGETS) targets.add(to);
    if (MANUAL_RUN_SOURCES.has(from)) targets.add('queued');
    targets.delete(from);
    // Listed in the order of TASK_STATES so the table reads the same everywhere.
    table[from] = Object.freeze(TASK_STATES.filter((to) => targets.has(to)));
  }
  return Object.freeze(table);
}

/** Allowed from → to (clear resets any state to 'none'; mark success/failed from any state). */
export const TASK_TRANSITIONS: Readonly<Record<TaskState, readonly TaskState[]>> = buildTaskTransitions();

export function canTransition(from: TaskState, to: TaskState): boolean {
  return TASK_TRANSITIONS[from]?.includes(to) ?? false;
}

/** Throws UPDRAFT_ERR_INTERNAL naming both states: a caller tried a change the state machine forbids. */
export function assertTransition(from: TaskState, to: TaskState, what: string): void {
  if (canTransition(from, to)) return;
  const allowed = TASK_TRANSITIONS[from] ?? [];
  throw new UpdraftError('UPDRAFT_ERR_INTERNAL',
    `${what}: a task instance cannot go from '${from}' to '${to}'; from '${from}' it may go to ${allowed.length === 0 ? 'nothing' : allowed.map((s) => `'${s}'`).join(', ')}`,
    { details: { from, to, what } });
}

/** States from which a TI may move to `to` — used as the compare-and-set guard in store.updateTaskInstance. */
export function sourcesOf(to: TaskState): TaskState[] {
  return TASK_STATES.filter((from) => TASK_TRANSITIONS[from].includes(to));
}

/**
 * DagRun changes: queued → running → success | failed; a finished run goes back to queued when
 * cleared, or to running when one of its tasks is marked or run by hand; running → queued when
 * cleared while running; a run may be marked success or failed from any other state.
 */
export const DAG_RUN_TRANSITIONS: Readonly<Record<DagRunState, readonly DagRunState[]>> = Object.freeze({
  queued: Object.freeze(['running', 'success', 'failed'] as const),
  running: Object.freeze(['queued', 'success', 'failed'] as const),
  success: Object.freeze(['queued', 'running', 'failed'] as const),
  failed: Object.freeze(['queued', 'running', 'success'] as const),
});

export function canTransitionDagRun(from: DagRunState, to: DagRunState): boolean {
  return DAG_RUN_TRANSITIONS[from]?.includes(to) ?? false;
}

export function assertDagRunTransition(from: DagRunState, to: DagRunState, what: string): void {
  if (canTransitionDagRun(from, to)) return;
  const allowed = DAG_RUN_TRANSITIONS[from] ?? [];
  throw new UpdraftError('UPDRAFT_ERR_INTERNAL',
    `${what}: a DAG run cannot go from '${from}' to '${to}'; from '${from}' it may go to ${allowed.length === 0 ? 'nothing' : allowed.map((s) => `'${s}'`).join(', ')}`,
    { details: { from, to, what } });
}

export function dagRunSourcesOf(to: DagRunState): DagRunState[] {
  return DAG_RUN_STATES.filter((from) => DAG_RUN_TRANSITIONS[from].includes(to));
}
