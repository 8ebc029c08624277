import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isUpdraftError } from '../../common/errors.js';
import { dag } from '../../sdk/dag.js';
import { SqlOperator } from './sql-operator.js';
import { SqlSensor } from './sql-sensor.js';

test('SqlOperator reads .sql files (absolute, relative to the cwd, file: URL) when its sql is read; templates stay for the renderer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'updraft-sqlop-'));
  const file = join(dir, 'q.sql');
  writeFileSync(file, "SELECT '{{ ds }}';\n");
  let ops: SqlOperator[] = [];
  dag({ dagId: 'sql_files', schedule: null }, () => {
    ops = [
      new SqlOperator({ taskId: 'abs', connId: 'c', sql: file }),
      new SqlOperator({ taskId: 'rel', connId: 'c', sql: relative(process.cwd(), file) }),
      new SqlOperator({ taskId: 'url', connId: 'c', sql: pathToFileURL(file) }),
      new SqlOperator({ taskId: 'list', connId: 'c', sql: ['SELECT 1', file] }),
      new SqlOperator({ taskId: 'missing', connId: 'c', sql: join(dir, 'nope.sql') }),
    ];
  });
  for (const op of ops.slice(0, 3)) assert.equal(op.sql, "SELECT '{{ ds }}';\n");
  assert.deepEqual(ops[3]!.sql, ['SELECT 1', "SELECT '{{ ds }}';\n"]);
  assert.deepEqual(ops[0]!.templateFields, ['sql', 'parameters']);
  assert.throws(() => ops[4]!.sql, (e: unknown) => isUpdraftError(e, 'UPDRAFT_ERR_TEMPLATE') && e.message.includes('nope.sql'));
});

test('SqlOperator and SqlSensor validate their options when the DAG is defined', () => {
  const invalid = (fn: () => void, fragment: string): void => {
    assert.throws(() => dag({ dagId: `bad_${Math.random().toString(36).slice(2)}`, schedule: null }, fn), (e: unknown) =>
      isUpdraftError(e, 'UPDRAFT_ERR_INVALID_DAG') && e.message.includes(fragment));
  };
  invalid(() => new SqlOperator({ taskId: 't', connId: '', sql: 'SELECT 1' }), 'connId');
  invalid(() => new SqlOperator({ taskId: 't', connId: 'c', sql: [] }), 'an empty list');
  invalid(() => new SqlOperator({ taskId: 't', connId: 'c', sql: 'SELECT 1', autocommit: 'yes' as unknown as boolean }), 'autocommit: "yes"');
  invalid(() => new SqlOperator({ taskId: 't', connId: 'c', sql: 'SELECT 1', parameters: 5 as unknown as [] }), 'parameters: 5');
  invalid(() => new SqlSensor({ taskId: 't', connId: 'c', sql: 'SELECT 1', success: true as unknown as () => boolean }), 'success');
  invalid(() => new SqlSensor({ taskId: 't', connId: 'c', sql: ['SELECT 1'] }), 'one query');
});
