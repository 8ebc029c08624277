import type { ParamSpec } from '../core/dag-spec.js';
import { resolveParams } from '../core/params.js';
import type { BaseOperator } from '../sdk/base-operator.js';
import type { Dag } from '../sdk/dag.js';

/**
 * The params a task sees: DAG param defaults, overlaid by the task's params (defaultArgs params
 * included), overlaid by the run conf (Airflow's precedence; conf keys the DAG does not declare are
 * kept). Values that replace a declared DAG param are checked against its constraint
 * (UPDRAFT_ERR_PARAMS_INVALID). The result is a deep copy: a task that mutates its params cannot
 * change the DAG's defaults for the next attempt in this process.
 */
export function resolveAttemptParams(dag: Dag, task: BaseOperator<unknown>, conf: Record<string, unknown>): Record<string, unknown> {
  const taskParams = task.resolved.params;
  const specs: Record<string, ParamSpec> = {};
  for (const [name, spec] of Object.entries(dag.resolved.params)) {
    specs[name] = Object.hasOwn(taskParams, name) ? { ...spec, default: taskParams[name] } : { ...spec };
  }
  const overlay: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(taskParams)) {
    if (!Object.hasOwn(specs, name)) overlay[name] = value;
  }
  return structuredClone({ ...overlay, ...resolveParams(specs, conf) });
}
