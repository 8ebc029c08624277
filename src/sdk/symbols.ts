/**
 * Brands and internal keys. Brands use Symbol.for so that a DAG built by one copy of the package is
 * still recognised by another (the engine and a DAG file may resolve different copies).
 */
export const DAG_BRAND = Symbol.for('updraft.dag');
export const OPERATOR_BRAND = Symbol.for('updraft.operator');
export const XCOM_ARG_BRAND = Symbol.for('updraft.xcomArg');
export const TASK_GROUP_BRAND = Symbol.for('updraft.taskGroup');
export const PARAM_BRAND = Symbol.for('updraft.param');

/** Tasks that receive the edge when this node stands on the left of a dependency (a group: its leaves). */
export const kAsUpstream: unique symbol = Symbol('updraft.asUpstream');
/** Tasks that receive the edge when this node stands on the right of a dependency (a group: its roots). */
export const kAsDownstream: unique symbol = Symbol('updraft.asDownstream');
/** Mutable edge sets and DAG membership of an operator (internal). */
export const kInternals: unique symbol = Symbol('updraft.operatorInternals');
/** Phantom type carrier of XComArg<T>; never set at run time. */
export const kXComType: unique symbol = Symbol('updraft.xcomType');
/** Option flag: the task id gets a `__N` suffix instead of a duplicate-id error (TaskFlow). */
export const kUniqueTaskId: unique symbol = Symbol('updraft.uniqueTaskId');
