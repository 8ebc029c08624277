import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { isUpdraftError } from '../common/errors.js';
import { TRIGGER_RULES, type TaskState, type TriggerRule } from './states.js';
import { evaluateTriggerRule, summarizeUpstream, type TriggerDecision } from './trigger-rules.js';

// Short names for upstream states in the tables.
const S: TaskState = 'success';
const F: TaskState = 'failed';
const UF: TaskState = 'upstream_failed';
const K: TaskState = 'skipped';
const RM: TaskState = 'removed';
const R: TaskState = 'running';
const N: TaskState = 'none';
const Q: TaskState = 'queued';
const UR: TaskState = 'up_for_retry';
const RS: TaskState = 'up_for_reschedule';

const decide = (rule: TriggerRule, states: TaskState[]): TriggerDecision => evaluateTriggerRule(rule, summarizeUpstream(states));

/** rule → [upstream states, decision] — Airflow 2's trigger_rule_dep.py with flag_upstream_failed. */
const TABLE: Record<TriggerRule, Array<[TaskState[], TriggerDecision]>> = {
  all_success: [
    [[S, S], 'run'],
    [[S, R], 'wait'],
    [[S, N], 'wait'],
    [[S, UR], 'wait'],
    [[S, F], 'upstream_failed'],
    [[R, F], 'upstream_failed'], // does not wait for the others
    [[S, UF], 'upstream_failed'],
    [[S, K], 'skip'], // skips cascade
    [[R, K], 'skip'],
    [[F, K], 'upstream_failed'], // a failure wins over a skip
    [[S, RM], 'wait'], // a removed upstream is not a success (Airflow)
  ],
  all_failed: [
    [[F, F], 'run'],
    [[F, UF], 'run'],
    [[UF, UF], 'run'],
    [[F, R], 'wait'],
    [[F, S], 'skip'],
    [[R, S], 'skip'], // does not wait
    [[F, K], 'skip'], // skips cascade
  ],
  all_done: [
    [[S, F, UF, K, RM], 'run'],
    [[F, F], 'run'],
    [[S, R], 'wait'],
    [[S, UR], 'wait'],
    [[K, RS], 'wait'],
    [[S, Q], 'wait'],
  ],
  all_skipped: [
    [[K, K], 'run'],
    [[K, R], 'wait'],
    [[K, S], 'skip'],
    [[K, F], 'skip'],
    [[K, UF], 'skip'],
    [[R, S], 'skip'],
  ],
  one_success: [
    [[S, R], 'run'], // does not wait for the others
    [[S, F], 'run'],
    [[S, K], 'run'],
    [[F, R], 'wait'],
    [[R, R], 'wait'],
    [[F, F], 'upstream_failed'], // all done, none succeeded
    [[F, K], 'upstream_failed'],
    [[UF, K], 'upstream_failed'],
    [[K, K], 'skip'], // all done and all skipped
  ],
  one_failed: [
    [[F, R], 'run'],
    [[UF, R], 'run'],
    [[S, F], 'run'],
    [[S, R], 'wait'],
    [[S, S], 'skip'],
    [[S, K], 'skip'],
    [[K, K], 'skip'],
  ],
  one_done: [
    [[S, R], 'run'],
    [[F, R], 'run'],
    [[K, R], 'wait'],
    [[UF, R], 'wait'], // upstream_failed is neither success nor failed
    [[K, K], 'skip'],
    [[UF, K], 'skip'],
  ],
  none_failed: [
    [[S, K], 'run'],
    [[K, K], 'run'],
    [[S, S], 'run'],
    [[S, R], 'wait'],
    [[S, F], 'upstream_failed'],
    [[R, UF], 'upstream_failed'],
  ],
  none_failed_min_one_success: [
    [[S, K], 'run'],
    [[S, S], 'run'],
    [[K, K], 'skip'],
    [[S, R], 'wait'],
    [[K, R], 'wait'],
    [[F, K], 'upstream_failed'],
    [[UF, S], 'upstream_failed'],
  ],
  none_skipped: [
    [[S, F], 'run'],
    [[S, UF], 'run'],
    [[S, S], 'run'],
    [[S, R], 'wait'],
    [[K, R], 'skip'], // does not wait
    [[S, K], 'skip'],
  ],
  always: [
    [[F, F], 'run'],
    [[R, N], 'run'],
    [[K], 'run'],
    [[UF, S], 'run'],
  ],
};

describe('evaluateTriggerRule', () => {
  for (const rule of TRIGGER_RULES) {
    test(`${rule}`, () => {
      for (const [states, expected] of TABLE[rule]) {
        assert.equal(decide(rule, states), expected, `${rule} with upstream [${states.join(', ')}]`);
      }
    });
  }

  test('a task with no upstream runs, whatever its rule', () => {
    for (const rule of TRIGGER_RULES) assert.equal(decide(rule, []), 'run', rule);
  });

  test('a single upstream, every finished state × every rule', () => {
    const expected: Record<TriggerRule, Record<'success' | 'failed' | 'upstream_failed' | 'skipped', TriggerDecision>> = {
      all_success: { success: 'run', failed: 'upstream_failed', upstream_failed: 'upstream_failed', skipped: 'skip' },
      all_failed: { success: 'skip', failed: 'run', upstream_failed: 'run', skipped: 'skip' },
      all_done: { success: 'run', failed: 'run', upstream_failed: 'run', skipped: 'run' },
      all_skipped: { success: 'skip', failed: 'skip', upstream_failed: 'skip', skipped: 'run' },
      one_success: { success: 'run', failed: 'upstream_failed', upstream_failed: 'upstream_failed', skipped: 'skip' },
      one_failed: { success: 'skip', failed: 'run', upstream_failed: 'run', skipped: 'skip' },
      one_done: { success: 'run', failed: 'run', upstream_failed: 'skip', skipped: 'skip' },
      none_failed: { success: 'run', failed: 'upstream_failed', upstream_failed: 'upstream_failed', skipped: 'run' },
      none_failed_min_one_success: { success: 'run', failed: 'upstream_failed', upstream_failed: 'upstream_failed', skipped: 'skip' },
      none_skipped: { success: 'run', failed: 'run', upstream_failed: 'run', skipped: 'skip' },
      always: { success: 'run', failed: 'run', upstream_failed: 'run', skipped: 'run' },
    };
    for (const rule of TRIGGER_RULES) {
      for (const state of ['success', 'failed', 'upstream_failed', 'skipped'] as const) {
        assert.equal(decide(rule, [state]), expected[rule][state], `${rule} with upstream [${state}]`);
      }
    }
  });

  test('every rule waits while its only upstream is unfinished (except always)', () => {
    const unfinished: TaskState[] = [N, 'scheduled', Q, R, UR, RS];
    for (const rule of TRIGGER_RULES) {
      for (const state of unfinished) {
        assert.equal(decide(rule, [state]), rule === 'always' ? 'run' : 'wait', `${rule} with upstream [${state}]`);
      }
    }
  });

  test('an unknown rule from a corrupt spec is refused', () => {
    assert.throws(() => evaluateTriggerRule('all_good' as TriggerRule, summarizeUpstream([S])),
      (e: unknown) => isUpdraftError(e, 'UPDRAFT_ERR_UNKNOWN_TRIGGER_RULE') && e.message.includes('all_good'));
  });
});

describe('summarizeUpstream', () => {
  test('counts finished states; unfinished ones count only in total', () => {
    assert.deepEqual(summarizeUpstream([S, S, F, UF, K, RM, R, N, Q, UR, RS, 'scheduled']), {
      total: 12, success: 2, failed: 1, upstreamFailed: 1, skipped: 1, removed: 1, done: 6,
    });
    assert.deepEqual(summarizeUpstream([]), { total: 0, success: 0, failed: 0, upstreamFailed: 0, skipped: 0, removed: 0, done: 0 });
  });

  test('takes any iterable', () => {
    const states = new Map<string, TaskState>([['a', S], ['b', K]]);
    assert.equal(summarizeUpstream(states.values()).done, 2);
  });
});
