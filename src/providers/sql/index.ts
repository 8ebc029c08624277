/**
 * SQL databases, Airflow's common.sql: the DbApiHook base shared by PostgresHook and MySqlHook,
 * getSqlHook (the hook for a connection's type), SqlOperator (SQLExecuteQueryOperator) and SqlSensor.
 */
export { DbApiHook, type DbApiHookOptions } from './dbapi-hook.js';
export {
  MYSQL_CONN_TYPES, POSTGRES_CONN_TYPES, getSqlHook, sqlHookKind, type SqlHook, type SqlHookParams,
} from './hooks.js';
export type { SqlConnectionFields } from './connection-fields.js';
export {
  fetchAllHandler, fetchOneHandler,
  type InsertRow, type InsertRowsOptions, type IterRowsOptions, type RowMode, type RunOptions, type SqlField,
  type SqlFieldKind, type SqlHandler, type SqlParameters, type SqlResult, type SqlRowStream, type TestConnectionResult,
} from './types.js';
export { splitSqlStatements } from './sql-lexer.js';
export { SqlOperator, type SqlOperatorOptions, type SqlQueryOptions } from './sql-operator.js';
export { SqlSensor, type SqlSensorOptions } from './sql-sensor.js';
export type { SqlOption, SqlSource } from './sql-source.js';
