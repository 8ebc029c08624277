/** MySQL and MariaDB: MySqlHook (mysql2) and MySqlOperator. */
export { MySqlHook, type MySqlHookOptions } from './mysql-hook.js';
export { quoteMySqlIdentifier } from './mysql-driver.js';
export { MySqlOperator, type MySqlOperatorOptions } from './mysql-operator.js';
