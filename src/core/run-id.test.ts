import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { isValidRunId, makeRunId } from './run-id.js';

describe('makeRunId', () => {
  test("Airflow's form: <type>__<isoformat with +00:00>", () => {
    assert.equal(makeRunId('scheduled', new Date('2026-01-01T00:00:00Z')), 'scheduled__2026-01-01T00:00:00+00:00');
    assert.equal(makeRunId('backfill', new Date('2026-02-03T04:05:06Z')), 'backfill__2026-02-03T04:05:06+00:00');
    assert.equal(makeRunId('manual', new Date('2026-01-01T10:15:02Z')), 'manual__2026-01-01T10:15:02+00:00');
  });

  test('sub-second trigger times keep their digits, printed as Python prints microseconds', () => {
    assert.equal(makeRunId('manual', new Date('2026-01-01T10:15:02.123Z')), 'manual__2026-01-01T10:15:02.123000+00:00');
    assert.equal(makeRunId('manual', new Date('2026-01-01T10:15:02.007Z')), 'manual__2026-01-01T10:15:02.007000+00:00');
  });

  test('every generated id is valid', () => {
    for (const type of ['scheduled', 'manual', 'backfill'] as const) {
      assert.ok(isValidRunId(makeRunId(type, new Date('2026-12-31T23:59:59.999Z'))));
    }
  });
});

describe('isValidRunId', () => {
  test('letters, digits and _ . - : + up to 250 characters', () => {
    for (const id of ['my_run', 'run-1.2', 'manual__2026-01-01T00:00:00+00:00', 'A', 'x'.repeat(250)]) {
      assert.equal(isValidRunId(id), true, id);
    }
  });

  test('anything else is refused', () => {
    for (const id of ['', 'x'.repeat(251), 'has space', 'slash/run', 'semi;colon', 'run\n', '데이터', 'tilde~', 'quote"']) {
      assert.equal(isValidRunId(id), false, JSON.stringify(id));
    }
  });
});
