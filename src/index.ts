/**
 * The public API of Updraft: what a DAG file imports (`import { dag, task } from 'updraft'`).
 * Only authoring code lives behind this entry point; importing it never loads the engine.
 */
export { dag, Dag, isDag } from './sdk/dag.js';
export type { DagOptions, ResolvedDagOptions } from './sdk/dag-options.js';
export { task, branch, shortCircuit, TaskFlowOperator } from './sdk/taskflow.js';
export type {
  TaskFlowCallable, TaskFlowOptions, ShortCircuitOptions, BranchResult, XComInput, TaskFlowArgs,
} from './sdk/taskflow.js';
export { BaseOperator, isOperator } from './sdk/base-operator.js';
export type { BaseOperatorOptions } from './sdk/base-operator.js';
export { BashOperator, BASH_SKIP_EXIT_CODE } from './sdk/operators/bash-operator.js';
export type { BashOperatorOptions } from './sdk/operators/bash-operator.js';
export { EmptyOperator } from './sdk/operators/empty-operator.js';
export { BaseSensorOperator } from './sdk/sensors/base-sensor-operator.js';
export type {
  BaseSensorOperatorOptions, SensorOptions, SensorMode, ResolvedSensorOptions,
} from './sdk/sensors/base-sensor-operator.js';
export { TimeDeltaSensor } from './sdk/sensors/time-delta-sensor.js';
export type { TimeDeltaSensorOptions } from './sdk/sensors/time-delta-sensor.js';
export { FileSensor } from './sdk/sensors/file-sensor.js';
export type { FileSensorOptions } from './sdk/sensors/file-sensor.js';
export { ExternalTaskSensor } from './sdk/sensors/external-task-sensor.js';
export type { ExternalTaskSensorOptions } from './sdk/sensors/external-task-sensor.js';
export { taskGroup, TaskGroup, isTaskGroup } from './sdk/task-group.js';
export type { TaskGroupOptions } from './sdk/task-group.js';
export { chain } from './sdk/dependencies.js';
export type { DependencyTarget, Dependencies } from './sdk/dependencies.js';
export { XComArg, isXComArg } from './sdk/xcom-arg.js';
export { param } from './sdk/params.js';
export type { ParamSpec, ParamOptions, ParamType } from './sdk/params.js';
export {
  getContext, getVariable, getConnection, mask, onTaskEnd,
} from './sdk/context.js';
export type {
  TaskContext, TaskLogger, TaskServices, XComPullOptions, DagRunInfo, TaskInstanceInfo, GetVariableOptions, TaskConnection,
} from './sdk/context.js';
export {
  SkipTaskError, FailTaskError, RescheduleTaskError,
} from './sdk/control-flow.js';
export type { Templated } from './sdk/templated.js';
export type { TaskOptions, DefaultArgs, ResolvedTaskOptions } from './sdk/task-options.js';
export { TRIGGER_RULES } from './sdk/trigger-rules.js';
export type { TriggerRule, TaskKind } from './sdk/trigger-rules.js';
export { UpdraftError, isUpdraftError } from './common/errors.js';
export type { ErrorCode } from './common/errors.js';
export { parseDuration } from './common/duration.js';
export type { Duration, DurationObject } from './common/duration.js';
export { encodeXCom, decodeXCom } from './common/xcom-codec.js';
