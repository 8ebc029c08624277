import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { MAX_BACKOFF_MS, pythonDateString, retryDelayMs, shouldRetry, type RetryInput } from './retry-policy.js';

const base: RetryInput = {
  retryDelayMs: 300_000, exponentialBackoff: true, maxRetryDelayMs: null, tryNumber: 1,
  dagId: 'example', taskId: 'extract', logicalDate: new Date('2026-01-01T00:00:00Z'),
};

/** Airflow's next_retry_datetime, written out step by step (seconds, Python integer arithmetic). */
function airflowDelaySeconds(retryDelayS: number, tryNumber: number, seed: string): number {
  const minBackoff = Math.max(1, Math.ceil(retryDelayS * 2 ** (tryNumber - 1)));
  const hash = BigInt('0x' + createHash('sha1').update(seed).digest('hex'));
  return Math.min(minBackoff + Number(hash % BigInt(minBackoff)), 86_400);
}

describe('retryDelayMs', () => {
  test('without backoff: the retry delay as given', () => {
    for (const tryNumber of [1, 2, 5]) {
      assert.equal(retryDelayMs({ ...base, exponentialBackoff: false, tryNumber }), 300_000);
    }
    // Like Airflow, maxRetryDelay bounds only the backoff.
    assert.equal(retryDelayMs({ ...base, exponentialBackoff: false, maxRetryDelayMs: 60_000 }), 300_000);
  });

  test('retry delay 300 s, tries 1..7: the values Python computes for Airflow (hashlib.sha1)', () => {
    // python3: min_backoff + int(sha1(f"example#extract#2026-01-01 00:00:00+00:00#{n}").hexdigest(), 16) % min_backoff
    const expectedSeconds = [428, 842, 2006, 4230, 5199, 17131, 34080];
    expectedSeconds.forEach((seconds, i) => {
      assert.equal(retryDelayMs({ ...base, tryNumber: i + 1 }), seconds * 1000, `try ${i + 1}`);
    });
  });

  test('matches the formula worked by hand, and stays in [min, 2·min)', () => {
    for (let tryNumber = 1; tryNumber <= 5; tryNumber++) {
      const seed = `example#extract#2026-01-01 00:00:00+00:00#${tryNumber}`;
      const ms = retryDelayMs({ ...base, tryNumber });
      assert.equal(ms, airflowDelaySeconds(300, tryNumber, seed) * 1000);
      const min = 300_000 * 2 ** (tryNumber - 1);
      assert.ok(ms >= min && ms < 2 * min, `try ${tryNumber}: ${ms} in [${min}, ${2 * min})`);
    }
  });

  test('deterministic per task instance and try; another task or date gets other jitter', () => {
    assert.equal(retryDelayMs({ ...base, tryNumber: 3 }), retryDelayMs({ ...base, tryNumber: 3 }));
    const others = [
      retryDelayMs({ ...base, tryNumber: 3, taskId: 'load' }),
      retryDelayMs({ ...base, tryNumber: 3, dagId: 'other' }),
      retryDelayMs({ ...base, tryNumber: 3, logicalDate: new Date('2026-01-02T00:00:00Z') }),
    ];
    assert.ok(others.some((ms) => ms !== retryDelayMs({ ...base, tryNumber: 3 })));
  });

  test('the logical date is hashed as Python prints it, microseconds included', () => {
    assert.equal(pythonDateString(new Date('2026-01-01T00:00:00Z')), '2026-01-01 00:00:00+00:00');
    assert.equal(pythonDateString(new Date('2026-01-01T00:00:00.123Z')), '2026-01-01 00:00:00.123000+00:00');
    // python3: same formula with datetime(2026, 1, 1, 0, 0, 0, 123000, tzinfo=utc)
    const withMs = new Date('2026-01-01T00:00:00.123Z');
    assert.deepEqual([1, 2, 3].map((tryNumber) => retryDelayMs({ ...base, tryNumber, logicalDate: withMs }) / 1000), [307, 794, 1447]);
  });

  test('non-ASCII ids are hashed as UTF-8', () => {
    // python3: dag '데이터', task '추출', retry_delay 60 s
    assert.deepEqual([1, 2].map((tryNumber) => retryDelayMs({ ...base, retryDelayMs: 60_000, dagId: '데이터', taskId: '추출', tryNumber }) / 1000), [78, 195]);
  });

  test('sub-second and zero delays round up to whole seconds, at least 1 s', () => {
    assert.equal(retryDelayMs({ ...base, retryDelayMs: 0 }), 1000);
    // python3 with retry_delay 1.5 s: tries 1..3 → 2, 5, 8
    assert.deepEqual([1, 2, 3].map((tryNumber) => retryDelayMs({ ...base, retryDelayMs: 1500, tryNumber }) / 1000), [2, 5, 8]);
  });

  test('capped by maxRetryDelayMs and by 24 hours', () => {
    assert.equal(retryDelayMs({ ...base, tryNumber: 5, maxRetryDelayMs: 3_600_000 }), 3_600_000);
    assert.equal(retryDelayMs({ ...base, tryNumber: 1, maxRetryDelayMs: 3_600_000 }), 428_000); // under the cap
    assert.equal(retryDelayMs({ ...base, tryNumber: 10 }), MAX_BACKOFF_MS);
    assert.equal(retryDelayMs({ ...base, tryNumber: 2000 }), MAX_BACKOFF_MS); // 2^1999 does not overflow anything
    assert.equal(retryDelayMs({ ...base, tryNumber: 2000, maxRetryDelayMs: 600_000 }), 600_000);
  });
});

describe('shouldRetry', () => {
  test('retries while the failed attempt is below maxTries (retries + 1)', () => {
    // retries = 2 → maxTries = 3: tries 1 and 2 are retried, try 3 fails for good.
    assert.equal(shouldRetry({ tryNumber: 1, maxTries: 3, retryable: true }), true);
    assert.equal(shouldRetry({ tryNumber: 2, maxTries: 3, retryable: true }), true);
    assert.equal(shouldRetry({ tryNumber: 3, maxTries: 3, retryable: true }), false);
    assert.equal(shouldRetry({ tryNumber: 4, maxTries: 3, retryable: true }), false);
    // retries = 0
    assert.equal(shouldRetry({ tryNumber: 1, maxTries: 1, retryable: true }), false);
  });

  test('a non-retryable failure never retries', () => {
    assert.equal(shouldRetry({ tryNumber: 1, maxTries: 5, retryable: false }), false);
  });
});
