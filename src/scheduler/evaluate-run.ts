import type { TaskInstance } from '../core/ports/metadata-store.js';
import { FINISHED_TASK_STATES, type TaskState } from '../core/states.js';
import { evaluateTriggerRule, summarizeUpstream } from '../core/trigger-rules.js';
import { deriveRunState } from '../core/run-state.js';
import type { CompiledSpec } from './spec-cache.js';

export interface RunEvaluationInput {
  compiled: CompiledSpec;
  tis: readonly TaskInstance[];
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
 * so skips and upstream failures cascade in one pass.
 */
export function evaluateRun(input: RunEvaluationInput): RunEvaluation {
  const { compiled, now } = input;
  const states = new Map<string, TaskState>();
  const byId = new Map<string, TaskInstance>();
  for (const ti of input.tis) {
    states.set(ti.taskId, ti.state);
    byId.set(ti.taskId, ti);
  }
  const out: RunEvaluation = {
    schedule: [], retry: [], resume: [], skip: [], upstreamFailed: [], runState: null, reason: null, timedOut: false, nextWakeAt: null,
  };

  if (input.dagrunTimeoutMs !== null && input.runStartedAt !== null
    && now.getTime() - input.runStartedAt.getTime() > input.dagrunTimeoutMs) {
    const unfinished = [...states].filter(([, s]) => !FINISHED_TASK_STATES.has(s)).map(([id]) => id);
    if (unfinished.length > 0) {
      out.timedOut = true;
      out.skip.push(...unfinished);
      out.runState = 'failed';
      out.reason = `run exceeded dagrunTimeout of ${input.dagrunTimeoutMs} ms`;
      return out;
    }
  }

  for (const ti of input.tis) {
    if ((ti.state === 'up_for_retry' || ti.state === 'up_for_reschedule')) {
      const due = ti.nextAttemptAt === null || ti.nextAttemptAt.getTime() <= now.getTime();
      if (due) {
        (ti.state === 'up_for_retry' ? out.retry : out.resume).push(ti.taskId);
        states.set(ti.taskId, 'scheduled');
      } else if (out.nextWakeAt === null || ti.nextAttemptAt!.getTime() < out.nextWakeAt.getTime()) {
        out.nextWakeAt = ti.nextAttemptAt;
      }
    }
  }

  let blockedOutside = false;
  let changed = true;
  while (changed) {
    changed = false;
    for (const task of compiled.spec.tasks) {
      if (states.get(task.taskId) !== 'none') continue;
      const decision = evaluateTriggerRule(task.triggerRule, summarizeUpstream(task.upstream.map((id) => states.get(id) ?? 'none')));
      switch (decision) {
        case 'wait':
          break;
        case 'skip':
          states.set(task.taskId, 'skipped');
          out.skip.push(task.taskId);
          changed = true;
          break;
        case 'upstream_failed':
          states.set(task.taskId, 'upstream_failed');
          out.upstreamFailed.push(task.taskId);
          changed = true;
          break;
        case 'run': {
          if (task.dependsOnPast && input.previousRun !== null) {
            const previous = input.previousRun.get(task.taskId);
            if (previous !== undefined && previous !== 'success' && previous !== 'skipped') {
              if (!FINISHED_TASK_STATES.has(previous)) blockedOutside = true;
              break;
            }
          }
          states.set(task.taskId, 'scheduled');
          out.schedule.push(task.taskId);
          changed = true;
          break;
        }
        default: {
          const exhaustive: never = decision;
          throw new Error(`unknown trigger decision ${String(exhaustive)}`);
        }
      }
    }
  }

  const finished = deriveRunState(states, compiled.leaves);
  if (finished !== null) {
    out.runState = finished;
    out.reason = finished === 'failed' ? 'a leaf task failed or its upstream failed' : null;
    return out;
  }
  const anyActive = [...states.values()].some((s) => ACTIVE.has(s));
  if (!anyActive && !blockedOutside) {
    const stuck = [...states].filter(([, s]) => s === 'none').map(([id]) => id);
    out.runState = 'failed';
    out.reason = `deadlock: no task can run (waiting forever: ${stuck.join(', ')})`;
  }
  return out;
}
