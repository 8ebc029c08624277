import { parseDuration, type Duration } from '../../common/duration.js';
import type { TaskContext } from '../context.js';
import { BaseSensorOperator, type BaseSensorOperatorOptions } from './base-sensor-operator.js';

export interface TimeDeltaSensorOptions extends BaseSensorOperatorOptions {
  /** How long after the end of the run's data interval to wait. */
  delta: Duration;
}

/** Waits until `delta` after the end of the run's data interval. */
export class TimeDeltaSensor extends BaseSensorOperator {
  readonly deltaMs: number;

  constructor(options: TimeDeltaSensorOptions) {
    super(options, ['delta']);
    this.deltaMs = parseDuration(options.delta, `TimeDeltaSensor ${JSON.stringify(this.taskId)} delta`);
  }

  poke(ctx: TaskContext): boolean {
    const target = ctx.dataIntervalEnd.getTime() + this.deltaMs;
    ctx.log.info(`Checking if the time (${new Date(target).toISOString()}) has come`);
    return Date.now() >= target;
  }
}
