import { UpdraftError } from '../../common/errors.js';
import { parseDuration, type Duration } from '../../common/duration.js';
import type { TaskContext } from '../context.js';
import { FailTaskError, SkipTaskError } from '../control-flow.js';
import { describe, validateId } from '../naming.js';
import { BaseSensorOperator, type BaseSensorOperatorOptions } from './base-sensor-operator.js';

export interface ExternalTaskSensorOptions extends BaseSensorOperatorOptions {
  externalDagId: string;
  /** A task of the other DAG; omitted: the other DAG's run as a whole. */
  externalTaskId?: string;
  /** States that satisfy the sensor; default ['success']. */
  allowedStates?: string[];
  /** States that fail the sensor at once; default ['failed', 'upstream_failed']. */
  failedStates?: string[];
  /** The other run's logical date is this run's minus executionDelta (default: the same date). */
  executionDelta?: Duration;
}

/** Waits for a task (or the whole run) of another DAG at the same (or a shifted) logical date. */
export class ExternalTaskSensor extends BaseSensorOperator {
  readonly externalDagId: string;
  readonly externalTaskId: string | undefined;
  readonly allowedStates: readonly string[];
  readonly failedStates: readonly string[];
  readonly executionDeltaMs: number;

  constructor(options: ExternalTaskSensorOptions) {
    super(options, ['externalDagId', 'externalTaskId', 'allowedStates', 'failedStates', 'executionDelta']);
    const what = `ExternalTaskSensor ${JSON.stringify(this.taskId)} in DAG ${JSON.stringify(this.dagId)}`;
    this.externalDagId = validateId(options.externalDagId, `${what} externalDagId`);
    this.externalTaskId = options.externalTaskId === undefined ? undefined : validateId(options.externalTaskId, `${what} externalTaskId`);
    const states = (key: 'allowedStates' | 'failedStates', fallback: string[]): readonly string[] => {
      const value = options[key] ?? fallback;
      if (!Array.isArray(value) || !value.every((s) => typeof s === 'string')) {
        throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG', `${what} has ${key}: ${describe(value)}; it must be a list of states like ['success']`);
      }
      return Object.freeze([...value]);
    };
    this.allowedStates = states('allowedStates', ['success']);
    this.failedStates = states('failedStates', ['failed', 'upstream_failed']);
    const overlap = this.allowedStates.filter((s) => this.failedStates.includes(s));
    if (overlap.length > 0) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG', `${what} lists ${overlap.join(', ')} in both allowedStates and failedStates; a state can only be in one`);
    }
    this.executionDeltaMs = options.executionDelta === undefined ? 0 : parseDuration(options.executionDelta, `${what} executionDelta`);
  }

  async poke(ctx: TaskContext): Promise<boolean> {
    const logicalDate = new Date(ctx.logicalDate.getTime() - this.executionDeltaMs);
    const target = this.externalTaskId === undefined
      ? `DAG ${this.externalDagId}`
      : `task ${this.externalTaskId} of DAG ${this.externalDagId}`;
    ctx.log.info(`Poking for ${target} at logical date ${logicalDate.toISOString()}`);
    const state = await ctx.services.externalState(this.externalDagId, logicalDate, this.externalTaskId);
    if (state !== null && this.failedStates.includes(state)) {
      const message = `The external ${target} at ${logicalDate.toISOString()} is in state ${JSON.stringify(state)}, one of the failed states (${this.failedStates.join(', ')})`;
      if (this.sensor.softFail) throw new SkipTaskError(`${message}; skipped because softFail is set`);
      throw new FailTaskError(message);
    }
    return state !== null && this.allowedStates.includes(state);
  }
}
