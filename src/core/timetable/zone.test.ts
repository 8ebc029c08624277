import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { isUpdraftError } from '../../common/errors.js';
import { assertTimeZone, fromWall, offsetAt, toWall } from './zone.js';

const t = (iso: string): number => Date.parse(iso);
const H = 3_600_000;

describe('time zone arithmetic', () => {
  test('offsets either side of the DST changes (to the second)', () => {
    // Europe/Berlin: CET → CEST at 2026-03-29T01:00:00Z, back at 2026-10-25T01:00:00Z.
    assert.equal(offsetAt(t('2026-03-29T00:59:59Z'), 'Europe/Berlin'), 1 * H);
    assert.equal(offsetAt(t('2026-03-29T00:59:59.999Z'), 'Europe/Berlin'), 1 * H);
    assert.equal(offsetAt(t('2026-03-29T01:00:00Z'), 'Europe/Berlin'), 2 * H);
    assert.equal(offsetAt(t('2026-10-25T00:59:59Z'), 'Europe/Berlin'), 2 * H);
    assert.equal(offsetAt(t('2026-10-25T01:00:00Z'), 'Europe/Berlin'), 1 * H);
    // America/New_York: EST → EDT at 2026-03-08T07:00:00Z.
    assert.equal(offsetAt(t('2026-03-08T06:59:59Z'), 'America/New_York'), -5 * H);
    assert.equal(offsetAt(t('2026-03-08T07:00:00Z'), 'America/New_York'), -4 * H);
    assert.equal(offsetAt(t('2026-07-01T00:00:00Z'), 'Asia/Kolkata'), 5.5 * H);
    assert.equal(offsetAt(t('2026-07-01T00:00:00Z'), 'UTC'), 0);
  });

  test('a wall time that exists once maps to its instant and back', () => {
    const wall = t('2026-01-15T09:30:00Z'); // 09:30 local
    assert.equal(fromWall(wall, 'America/New_York'), t('2026-01-15T14:30:00Z'));
    assert.equal(toWall(t('2026-01-15T14:30:00Z'), 'America/New_York'), wall);
  });

  test('a wall time in the spring-forward gap moves forward by the gap', () => {
    assert.equal(fromWall(t('2026-03-29T02:00:00Z'), 'Europe/Berlin'), t('2026-03-29T01:00:00Z')); // 03:00 CEST
    assert.equal(fromWall(t('2026-03-29T02:30:00Z'), 'Europe/Berlin'), t('2026-03-29T01:30:00Z')); // 03:30 CEST
    assert.equal(fromWall(t('2026-03-08T02:30:00Z'), 'America/New_York'), t('2026-03-08T07:30:00Z')); // 03:30 EDT
  });

  test('a repeated wall time is its second occurrence', () => {
    assert.equal(fromWall(t('2026-10-25T02:30:00Z'), 'Europe/Berlin'), t('2026-10-25T01:30:00Z')); // 02:30 CET
    assert.equal(fromWall(t('2026-11-01T01:30:00Z'), 'America/New_York'), t('2026-11-01T06:30:00Z')); // 01:30 EST
  });

  test('unknown zones are refused', () => {
    assert.throws(() => assertTimeZone('Europe/Atlantis'), (e: unknown) => isUpdraftError(e, 'UPDRAFT_ERR_INVALID_DAG') && e.message.includes('Europe/Atlantis'));
    assert.doesNotThrow(() => assertTimeZone('Asia/Seoul'));
  });
});
