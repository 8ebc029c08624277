/** PostgreSQL: PostgresHook (pg, pg-cursor, pg-copy-streams) and PostgresOperator. */
export { PostgresHook, type PostgresHookOptions } from './postgres-hook.js';
export { quotePostgresIdentifier } from './postgres-driver.js';
export { PostgresOperator, type PostgresOperatorOptions } from './postgres-operator.js';
