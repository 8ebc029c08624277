import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { isUpdraftError } from '../common/errors.js';
import { DAG_RUN_STATES, FINISHED_TASK_STATES, TASK_STATES, type TaskState } from './states.js';
import {
  DAG_RUN_TRANSITIONS, TASK_TRANSITIONS, assertDagRunTransition, assertTransition, canTransition, canTransitionDagRun,
  dagRunSourcesOf, sourcesOf,
} from './transitions.js';

describe('task instance transitions', () => {
  test('the normal flow', () => {
    const flow: Array<[TaskState, TaskState]> = [
      ['none', 'scheduled'], ['scheduled', 'queued'], ['queued', 'running'],
      ['running', 'success'], ['running', 'failed'], ['running', 'skipped'], ['running', 'up_for_retry'], ['running', 'up_for_reschedule'],
      ['up_for_retry', 'scheduled'], ['up_for_reschedule', 'scheduled'],
      ['none', 'skipped'], ['none', 'upstream_failed'], ['none', 'removed'],
      ['scheduled', 'skipped'], ['scheduled', 'upstream_failed'],
      ['queued', 'failed'], ['queued', 'up_for_retry'], ['queued', 'scheduled'],
    ];
    for (const [from, to] of flow) assert.equal(canTransition(from, to), true, `${from} → ${to}`);
  });

  test('forbidden changes', () => {
    const forbidden: Array<[TaskState, TaskState]> = [
      ['running', 'scheduled'], ['running', 'queued'], ['running', 'upstream_failed'], ['running', 'removed'],
      ['none', 'running'], ['scheduled', 'running'], ['none', 'up_for_retry'],
      ['success', 'scheduled'], ['failed', 'running'], ['skipped', 'upstream_failed'], ['success', 'skipped'],
      ['up_for_retry', 'running'], ['up_for_reschedule', 'running'],
    ];
    for (const [from, to] of forbidden) assert.equal(canTransition(from, to), false, `${from} → ${to}`);
  });

  test('no state moves to itself', () => {
    for (const state of TASK_STATES) assert.equal(canTransition(state, state), false, state);
  });

  test('clear resets any state to none', () => {
    for (const state of TASK_STATES) if (state !== 'none') assert.equal(canTransition(state, 'none'), true, state);
  });

  test('mark success / failed from any finished state (and from the others too)', () => {
    for (const state of TASK_STATES) {
      if (state !== 'success') assert.equal(canTransition(state, 'success'), true, `${state} → success`);
      if (state !== 'failed') assert.equal(canTransition(state, 'failed'), true, `${state} → failed`);
    }
  });

  test('a finished task goes back to work only through none, or queued when run by hand', () => {
    for (const state of FINISHED_TASK_STATES) {
      for (const to of ['scheduled', 'running', 'up_for_retry', 'up_for_reschedule'] as TaskState[]) {
        assert.equal(canTransition(state, to), false, `${state} → ${to}`);
      }
      assert.equal(canTransition(state, 'queued'), true, `${state} → queued`);
    }
  });

  test('the table covers every state and only names real states', () => {
    assert.deepEqual(Object.keys(TASK_TRANSITIONS).sort(), [...TASK_STATES].sort());
    for (const targets of Object.values(TASK_TRANSITIONS)) for (const to of targets) assert.ok(TASK_STATES.includes(to));
    assert.ok(Object.isFrozen(TASK_TRANSITIONS));
    assert.ok(Object.isFrozen(TASK_TRANSITIONS.running));
  });

  test('sourcesOf is the table read backwards', () => {
    for (const to of TASK_STATES) {
      const sources = sourcesOf(to);
      for (const from of TASK_STATES) assert.equal(sources.includes(from), canTransition(from, to), `${from} → ${to}`);
    }
    assert.deepEqual(sourcesOf('running'), ['queued']);
    assert.deepEqual(sourcesOf('upstream_failed'), ['none', 'scheduled']);
    assert.ok(!sourcesOf('scheduled').includes('running'));
    assert.deepEqual(sourcesOf('scheduled'), ['none', 'queued', 'up_for_retry', 'up_for_reschedule']);
  });

  test('assertTransition names both states', () => {
    assert.doesNotThrow(() => assertTransition('queued', 'running', 'start attempt'));
    assert.throws(() => assertTransition('running', 'scheduled', 'requeue'), (e: unknown) =>
      isUpdraftError(e, 'UPDRAFT_ERR_INTERNAL') && e.message.includes("'running'") && e.message.includes("'scheduled'")
      && e.message.startsWith('requeue:'));
  });
});

describe('DAG run transitions', () => {
  test('queued → running → success | failed; cleared runs go back to queued', () => {
    for (const [from, to] of [['queued', 'running'], ['running', 'success'], ['running', 'failed'], ['success', 'queued'], ['failed', 'queued']] as const) {
      assert.equal(canTransitionDagRun(from, to), true, `${from} → ${to}`);
    }
  });

  test('no run state moves to itself, and the table is complete', () => {
    for (const state of DAG_RUN_STATES) assert.equal(canTransitionDagRun(state, state), false, state);
    assert.deepEqual(Object.keys(DAG_RUN_TRANSITIONS).sort(), [...DAG_RUN_STATES].sort());
  });

  test('dagRunSourcesOf and assertDagRunTransition', () => {
    assert.deepEqual(dagRunSourcesOf('running'), ['queued', 'success', 'failed']);
    assert.throws(() => assertDagRunTransition('running', 'running', 'start run'), (e: unknown) =>
      isUpdraftError(e, 'UPDRAFT_ERR_INTERNAL') && e.message.includes("'running'"));
  });
});
