import { setTimeout as sleep } from 'node:timers/promises';
import { UpdraftError } from '../../common/errors.js';
import { parseDuration, formatDuration, type Duration } from '../../common/duration.js';
import { BaseOperator, type BaseOperatorOptions } from '../base-operator.js';
import type { TaskContext } from '../context.js';
import { RescheduleTaskError, SkipTaskError } from '../control-flow.js';
import { describe } from '../naming.js';

export type SensorMode = 'poke' | 'reschedule';

export interface SensorOptions {
  /** Time between pokes; default '60s'. */
  pokeInterval?: Duration;
  /** Give up after this long since the first attempt started; default '7d'. */
  timeout?: Duration;
  /** 'poke' (default) holds a worker slot and sleeps; 'reschedule' frees it between pokes. */
  mode?: SensorMode;
  /** Default false: on timeout the task is skipped instead of failed. */
  softFail?: boolean;
  /** Default false: the interval doubles after each poke (capped by maxWait). */
  exponentialBackoff?: boolean;
  /** Longest interval with exponentialBackoff; default: no cap. */
  maxWait?: Duration | null;
}

export interface BaseSensorOperatorOptions extends BaseOperatorOptions, SensorOptions {}

export interface ResolvedSensorOptions {
  readonly mode: SensorMode;
  readonly pokeIntervalMs: number;
  readonly timeoutMs: number;
  readonly softFail: boolean;
  readonly exponentialBackoff: boolean;
  readonly maxWaitMs: number | null;
}

export const SENSOR_OPTION_KEYS = ['pokeInterval', 'timeout', 'mode', 'softFail', 'exponentialBackoff', 'maxWait'];

/**
 * The base of sensors: tasks that wait for a condition. Implement poke(ctx), which says whether the
 * condition holds now. In 'poke' mode execute() pokes and sleeps until true; in 'reschedule' mode it
 * pokes once and, when false, asks the scheduler to run it again later (freeing its slot). Either
 * way the sensor fails with UPDRAFT_ERR_SENSOR_TIMEOUT (not retried) — or is skipped with softFail —
 * once `timeout` has passed since its first attempt.
 */
export abstract class BaseSensorOperator extends BaseOperator<undefined> {
  override readonly kind = 'sensor' as const;
  readonly sensor: ResolvedSensorOptions;

  constructor(options: BaseSensorOperatorOptions, operatorOptionKeys: readonly string[] = []) {
    super(options, [...SENSOR_OPTION_KEYS, ...operatorOptionKeys]);
    const what = `Sensor ${JSON.stringify(this.taskId)} in DAG ${JSON.stringify(this.dagId)}`;
    const mode = options.mode ?? 'poke';
    if (mode !== 'poke' && mode !== 'reschedule') {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG', `${what} has mode: ${describe(mode)}; allowed modes are poke, reschedule`);
    }
    for (const key of ['softFail', 'exponentialBackoff'] as const) {
      if (options[key] !== undefined && typeof options[key] !== 'boolean') {
        throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG', `${what} has ${key}: ${describe(options[key])}; it must be true or false`);
      }
    }
    const pokeIntervalMs = parseDuration(options.pokeInterval ?? '60s', `${what} pokeInterval`);
    if (pokeIntervalMs <= 0) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG', `${what} has pokeInterval ${describe(options.pokeInterval)}; it must be longer than zero`);
    }
    const maxWait = options.maxWait ?? null;
    this.sensor = Object.freeze({
      mode,
      pokeIntervalMs,
      timeoutMs: parseDuration(options.timeout ?? '7d', `${what} timeout`),
      softFail: options.softFail ?? false,
      exponentialBackoff: options.exponentialBackoff ?? false,
      maxWaitMs: maxWait === null ? null : parseDuration(maxWait, `${what} maxWait`),
    });
  }

  /** Whether the condition the sensor waits for holds now. */
  abstract poke(ctx: TaskContext): boolean | Promise<boolean>;

  async execute(ctx: TaskContext): Promise<undefined> {
    const { mode, timeoutMs } = this.sensor;
    const started = ctx.firstAttemptAt.getTime();
    for (let pokes = 0; ; pokes++) {
      ctx.signal.throwIfAborted();
      if (await this.poke(ctx)) {
        ctx.log.info('Success criteria met. Exiting.');
        return undefined;
      }
      const elapsed = Date.now() - started;
      if (elapsed > timeoutMs) this.timedOut(elapsed);
      const remaining = timeoutMs - elapsed;
      if (mode === 'reschedule') {
        // The number of earlier pokes is not kept between reschedules; with backoff it is derived
        // from the elapsed time (the intervals so far add up to pokeInterval × (2^n − 1)).
        const n = this.sensor.exponentialBackoff ? Math.floor(Math.log2(elapsed / this.sensor.pokeIntervalMs + 1)) : 0;
        const wait = Math.min(this.nextInterval(n), remaining + 1);
        const at = new Date(Date.now() + wait);
        ctx.log.info(`Condition not met; rescheduling at ${at.toISOString()}`);
        throw new RescheduleTaskError(at);
      }
      const wait = Math.min(this.nextInterval(pokes), remaining + 1);
      ctx.log.info(`Condition not met; poking again in ${formatDuration(wait)}`);
      try {
        await sleep(wait, undefined, { signal: ctx.signal });
      } catch (error) {
        ctx.signal.throwIfAborted();
        throw error;
      }
    }
  }

  /** Interval after the n-th poke (0-based). */
  protected nextInterval(n: number): number {
    const { pokeIntervalMs, exponentialBackoff, maxWaitMs } = this.sensor;
    if (!exponentialBackoff) return pokeIntervalMs;
    const interval = pokeIntervalMs * 2 ** Math.min(n, 40);
    return maxWaitMs === null ? interval : Math.min(interval, maxWaitMs);
  }

  private timedOut(elapsed: number): never {
    const message = `Sensor ${this.taskId} timed out after ${formatDuration(elapsed)} (timeout ${formatDuration(this.sensor.timeoutMs)}, counted from the first attempt)`;
    if (this.sensor.softFail) throw new SkipTaskError(`${message}; skipped because softFail is set`);
    throw new UpdraftError('UPDRAFT_ERR_SENSOR_TIMEOUT', message);
  }
}
