import { createHash } from 'node:crypto';

export interface RetryInput {
  retryDelayMs: number;
  exponentialBackoff: boolean;
  maxRetryDelayMs: number | null;
  /** Number of the attempt that just failed (1-based). */
  tryNumber: number;
  dagId: string;
  taskId: string;
  logicalDate: Date;
}

/** Airflow's ceiling on an exponential backoff ([core] max_task_retry_delay, default 24 h). */
export const MAX_BACKOFF_MS = 86_400_000;

/**
 * How long to wait before the next attempt: Airflow's TaskInstance.next_retry_datetime.
 *
 * Without backoff: retryDelayMs as given. With backoff, in whole seconds:
 *   min = max(1, ceil(retryDelay_s · 2^(tryNumber−1)))
 *   delay = min + sha1("dagId#taskId#logicalDate#tryNumber") mod min      — so in [min, 2·min)
 * then capped at 24 h and at maxRetryDelayMs. The jitter is deterministic per task instance and
 * try, so every scheduler computes the same time. Like Airflow, maxRetryDelayMs only bounds the
 * backoff; a plain retryDelayMs is used as is.
 */
export function retryDelayMs(input: RetryInput): number {
  if (!input.exponentialBackoff) return input.retryDelayMs;
  const minBackoffS = Math.max(1, Math.ceil((input.retryDelayMs / 1000) * 2 ** (input.tryNumber - 1)));
  let delayMs: number;
  if (minBackoffS * 1000 >= MAX_BACKOFF_MS) {
    // min + jitter ≥ min: the cap wins whatever the hash is (and 2^n stays exact no further).
    delayMs = MAX_BACKOFF_MS;
  } else {
    const seed = `${input.dagId}#${input.taskId}#${pythonDateString(input.logicalDate)}#${input.tryNumber}`;
    const hash = BigInt(`0x${createHash('sha1').update(seed, 'utf8').digest('hex')}`);
    const jitterS = Number(hash % BigInt(minBackoffS));
    delayMs = Math.min((minBackoffS + jitterS) * 1000, MAX_BACKOFF_MS);
  }
  return input.maxRetryDelayMs === null ? delayMs : Math.min(delayMs, input.maxRetryDelayMs);
}

/** Whether a failed attempt gets another try (maxTries = retries + 1). */
export function shouldRetry(input: { tryNumber: number; maxTries: number; retryable: boolean }): boolean {
  return input.retryable && input.tryNumber < input.maxTries;
}

/**
 * The logical date as Python's str() prints an aware UTC datetime — the text Airflow hashes:
 * '2026-01-01 00:00:00+00:00', with '.ffffff' only when there are sub-second digits.
 */
export function pythonDateString(date: Date): string {
  const iso = date.toISOString();
  const ms = date.getUTCMilliseconds();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${ms === 0 ? '' : `.${String(ms * 1000).padStart(6, '0')}`}+00:00`;
}
