import { FINISHED_TASK_STATES, type TaskState } from '../core/states.js';
import { evaluateTriggerRule, summarizeUpstream } from '../core/trigger-rules.js';
import { deriveRunState } from '../core/run-state.js';
import type { CompiledSpec } from './spec-cache.js';
import type { RunTaskView } from './run-task-view.js';

export interface RunEvaluationInput {
  compiled: CompiledSpec;
  /** The run's task instances, with what changed since the run was last evaluated. */
  view: RunTaskView;
  now: Date;
  /** States of the same tasks in the previous run (dependsOnPast); null when there is no previous run. */
  previousRun: ReadonlyMap<string, TaskState> | null;
  /** When the run started and its timeout (dagrunTimeout), to fail runs that took too long. */
  runStartedAt: Date | null;
  dagrunTimeoutMs: number | null;
}

export interface RunEvaluation {
  /** none → scheduled: a new try. */
  schedule: string[];
  /** up_for_retry whose delay passed → scheduled: a new try. */
  retry: string[];
  /** up_for_reschedule whose time came → scheduled: the same try continues. */
  resume: string[];
  skip: string[];
  upstreamFailed: string[];
  /** Set when the run is over: its final state and why. */
  runState: 'success' | 'failed' | null;
  reason: string | null;
  /** Unfinished tasks to stop because the run timed out. */
  timedOut: boolean;
  /** Earliest future time at which this run needs another look (retry or reschedule due). */
  nextWakeAt: Date | null;
}

const ACTIVE: ReadonlySet<TaskState> = new Set<TaskState>(['scheduled', 'queued', 'running', 'up_for_retry', 'up_for_reschedule']);

/**
 * Decides what should happen next in one run. Pure: it reads states and returns decisions; the
 * scheduler applies them through compare-and-set updates. Trigger rules are evaluated to a fixpoint
 * (a work list: a task whose state is decided puts its downstream tasks back on it), so skips and
 * upstream failures cascade in one pass. With `view.changed` set, only the changed tasks and their
 * downstream tasks are looked at, and the run's end is read from the state counts; a run that
 * looks finished or stuck that way should be evaluated again on a full view before it is ended
 * (a task blocked by dependsOnPast is only seen on a full view).
 */
export function evaluateRun(input: RunEvaluationInput): RunEvaluation {
  const { compiled, now, view } = input;
  const overlay = new Map<string, TaskState>();
  const counts = new Map(view.counts);
  const stateOf = (id: string): TaskState => overlay.get(id) ?? view.tis.get(id)?.state ?? 'none';
  const move = (id: string, to: TaskState): void => {
    const from = stateOf(id);
    counts.set(from, (counts.get(from) ?? 1) - 1);
    counts.set(to, (counts.get(to) ?? 0) + 1);
    overlay.set(id, to);
  };
  const out: RunEvaluation = {
    schedule: [], retry: [], resume: [], skip: [], upstreamFailed: [], runState: null, reason: null, timedOut: false, nextWakeAt: null,
  };

  if (input.dagrunTimeoutMs !== null && input.runStartedAt !== null
    && now.getTime() - input.runStartedAt.getTime() > input.dagrunTimeoutMs) {
    const unfinished = [...view.tis.values()].filter((ti) => !FINISHED_TASK_STATES.has(ti.state)).map((ti) => ti.taskId);
    if (unfinished.length > 0) {
      out.timedOut = true;
      out.skip.push(...unfinished);
      out.runState = 'failed';
      out.reason = `run exceeded dagrunTimeout of ${input.dagrunTimeoutMs} ms`;
      return out;
    }
  }

  for (const taskId of view.waiting) {
    const ti = view.tis.get(taskId);
    if (ti === undefined || (ti.state !== 'up_for_retry' && ti.state !== 'up_for_reschedule')) continue;
    const due = ti.nextAttemptAt === null || ti.nextAttemptAt.getTime() <= now.getTime();
    if (due) {
      (ti.state === 'up_for_retry' ? out.retry : out.resume).push(ti.taskId);
      move(ti.taskId, 'scheduled');
    } else if (out.nextWakeAt === null || ti.nextAttemptAt!.getTime() < out.nextWakeAt.getTime()) {
      out.nextWakeAt = ti.nextAttemptAt;
    }
  }

  const work: string[] = [];
  const onList = new Set<string>();
  const enlist = (id: string): void => {
    if (onList.has(id)) return;
    onList.add(id);
    work.push(id);
  };
  if (view.changed === null) {
    for (const task of compiled.spec.tasks) enlist(task.taskId);
  } else {
    for (const id of view.changed) {
      enlist(id);
      for (const down of compiled.tasks.get(id)?.downstream ?? []) enlist(down);
    }
  }
  let blockedOutside = false;
  for (let i = 0; i < work.length; i++) {
    const taskId = work[i]!;
    onList.delete(taskId);
    const task = compiled.tasks.get(taskId);
    // A task without a task instance in this run (not in the run's DAG version) never runs.
    if (task === undefined || !view.tis.has(taskId) || stateOf(taskId) !== 'none') continue;
    const decision = evaluateTriggerRule(task.triggerRule, summarizeUpstream(task.upstream.map(stateOf)));
    let decided: TaskState | null = null;
    switch (decision) {
      case 'wait':
        break;
      case 'skip':
        decided = 'skipped';
        out.skip.push(taskId);
        break;
      case 'upstream_failed':
        decided = 'upstream_failed';
        out.upstreamFailed.push(taskId);
        break;
      case 'run': {
        if (task.dependsOnPast && input.previousRun !== null) {
          const previous = input.previousRun.get(taskId);
          if (previous !== undefined && previous !== 'success' && previous !== 'skipped') {
            if (!FINISHED_TASK_STATES.has(previous)) blockedOutside = true;
            break;
          }
        }
        decided = 'scheduled';
        out.schedule.push(taskId);
        break;
      }
      default: {
        const exhaustive: never = decision;
        throw new Error(`unknown trigger decision ${String(exhaustive)}`);
      }
    }
    if (decided !== null) {
      move(taskId, decided);
      for (const down of task.downstream) enlist(down);
    }
  }

  let unfinished = 0;
  let active = 0;
  for (const [state, n] of counts) {
    if (!FINISHED_TASK_STATES.has(state)) unfinished += n;
    if (ACTIVE.has(state)) active += n;
  }
  if (unfinished === 0) {
    const states = new Map([...view.tis.keys()].map((id) => [id, stateOf(id)]));
    const finished = deriveRunState(states, compiled.leaves);
    if (finished !== null) {
      out.runState = finished;
      out.reason = finished === 'failed' ? 'a leaf task failed or its upstream failed' : null;
      return out;
    }
  }
  if (active === 0 && !blockedOutside) {
    const stuck = [...view.tis.keys()].filter((id) => stateOf(id) === 'none');
    out.runState = 'failed';
    out.reason = `deadlock: no task can run (waiting forever: ${stuck.join(', ')})`;
  }
  return out;
}
