import { UpdraftError } from '../common/errors.js';
import { TRIGGER_RULES, type TaskState, type TriggerRule } from './states.js';

/** Counts of a task's direct upstream task instances by state. */
export interface UpstreamSummary {
  total: number;
  success: number;
  failed: number;
  upstreamFailed: number;
  skipped: number;
  removed: number;
  /** finished = success+failed+upstreamFailed+skipped+removed */
  done: number;
}

/**
 * What the scheduler does with a task instance in state 'none': leave it ('wait'), schedule it
 * ('run'), or finish it without running ('skip', 'upstream_failed').
 */
export type TriggerDecision = 'wait' | 'run' | 'skip' | 'upstream_failed';

export function summarizeUpstream(states: Iterable<TaskState>): UpstreamSummary {
  const summary: UpstreamSummary = { total: 0, success: 0, failed: 0, upstreamFailed: 0, skipped: 0, removed: 0, done: 0 };
  for (const state of states) {
    summary.total++;
    switch (state) {
      case 'success': summary.success++; break;
      case 'failed': summary.failed++; break;
      case 'upstream_failed': summary.upstreamFailed++; break;
      case 'skipped': summary.skipped++; break;
      case 'removed': summary.removed++; break;
      case 'none': case 'scheduled': case 'queued': case 'running': case 'up_for_retry': case 'up_for_reschedule':
        continue;
      default: {
        const unknown: never = state;
        throw new UpdraftError('UPDRAFT_ERR_INTERNAL', `unknown task state ${JSON.stringify(unknown)}`);
      }
    }
    summary.done++;
  }
  return summary;
}

/**
 * Airflow 2's TriggerRuleDep with flag_upstream_failed (what its scheduler uses): first whether the
 * upstream states already settle the task as skipped or upstream_failed — some rules decide that
 * before every upstream is done — then whether the rule is met. A task with no upstream runs.
 */
export function evaluateTriggerRule(rule: TriggerRule, upstream: UpstreamSummary): TriggerDecision {
  const { total, success, failed, upstreamFailed, skipped, done } = upstream;
  if (total === 0 || rule === 'always') return 'run';
  const allDone = done >= total;
  const anyFailed = failed > 0 || upstreamFailed > 0;
  const met = (passed: boolean): TriggerDecision => (passed ? 'run' : 'wait');
  switch (rule) {
    case 'all_success':
      if (anyFailed) return 'upstream_failed';
      if (skipped > 0) return 'skip';
      return met(success === total);
    case 'all_failed':
      if (success > 0 || skipped > 0) return 'skip';
      return met(failed + upstreamFailed === total);
    case 'all_done':
      return met(allDone);
    case 'all_skipped':
      if (success > 0 || anyFailed) return 'skip';
      return met(skipped === total);
    case 'one_success':
      if (allDone && done === skipped) return 'skip';
      if (allDone && success === 0) return 'upstream_failed';
      return met(success > 0);
    case 'one_failed':
      if (allDone && !anyFailed) return 'skip';
      return met(anyFailed);
    case 'one_done':
      if (allDone && success + failed === 0) return 'skip';
      return met(success + failed > 0);
    case 'none_failed':
      if (anyFailed) return 'upstream_failed';
      return met(success + skipped === total);
    case 'none_failed_min_one_success':
      if (anyFailed) return 'upstream_failed';
      if (skipped === total) return 'skip';
      return met(success + skipped === total);
    case 'none_skipped':
      if (skipped > 0) return 'skip';
      return met(allDone);
    default: {
      const unknown: never = rule;
      throw new UpdraftError('UPDRAFT_ERR_UNKNOWN_TRIGGER_RULE', `unknown trigger rule ${JSON.stringify(unknown)}; allowed: ${TRIGGER_RULES.join(', ')}`);
    }
  }
}
