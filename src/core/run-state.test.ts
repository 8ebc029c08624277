import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { TaskState } from './states.js';
import { deriveRunState } from './run-state.js';

const run = (entries: Record<string, TaskState>): Map<string, TaskState> => new Map(Object.entries(entries));

describe('deriveRunState', () => {
  test('null while any task is unfinished', () => {
    for (const unfinished of ['none', 'scheduled', 'queued', 'running', 'up_for_retry', 'up_for_reschedule'] as TaskState[]) {
      assert.equal(deriveRunState(run({ a: 'failed', b: unfinished }), ['b']), null, unfinished);
      // Also when the unfinished task is not a leaf and a leaf already failed.
      assert.equal(deriveRunState(run({ a: unfinished, b: 'failed' }), ['b']), null, unfinished);
    }
  });

  test('success when every leaf succeeded or was skipped', () => {
    assert.equal(deriveRunState(run({ a: 'success', b: 'success' }), ['b']), 'success');
    assert.equal(deriveRunState(run({ a: 'success', b: 'skipped', c: 'success' }), ['b', 'c']), 'success');
    assert.equal(deriveRunState(run({ a: 'skipped', b: 'skipped' }), ['b']), 'success');
  });

  test('a failure that is not on a leaf does not fail the run (Airflow: only leaves decide)', () => {
    // a failed, b (all_done) ran and succeeded.
    assert.equal(deriveRunState(run({ a: 'failed', b: 'success' }), ['b']), 'success');
  });

  test('failed when any leaf failed or is upstream_failed', () => {
    assert.equal(deriveRunState(run({ a: 'success', b: 'failed', c: 'success' }), ['b', 'c']), 'failed');
    assert.equal(deriveRunState(run({ a: 'failed', b: 'upstream_failed' }), ['b']), 'failed');
  });

  test('removed leaves do not count', () => {
    assert.equal(deriveRunState(run({ a: 'success', b: 'removed' }), ['a', 'b']), 'success');
  });

  test('a leaf without a task instance keeps the run unfinished', () => {
    assert.equal(deriveRunState(run({ a: 'success' }), ['a', 'b']), null);
  });

  test('an empty run is a success', () => {
    assert.equal(deriveRunState(new Map(), []), 'success');
  });
});
