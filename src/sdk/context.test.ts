import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isUpdraftError } from '../common/errors.js';
import { getConnection, getVariable, mask, runWithContext } from './context.js';
import { makeTestContext } from './testing.js';

const ctx = makeTestContext({
  variables: { region: 'ap-northeast-2', cfg: '{"batch": 500}', not_json: '{oops' },
  connections: { db: { connId: 'db', connType: 'postgres', host: 'db.example.com', password: 'pw-12345', extra: {} } },
});

test('getVariable: the value, JSON with { json: true }, the default, or UPDRAFT_ERR_VARIABLE_NOT_FOUND', async () => {
  await runWithContext(ctx, async () => {
    assert.equal(await getVariable('region'), 'ap-northeast-2');
    assert.deepEqual(await getVariable('cfg', { json: true }), { batch: 500 });
    assert.equal(await getVariable('missing', { default: 'fallback' }), 'fallback');
    assert.equal(await getVariable('missing', { default: null }), null);
    assert.deepEqual(await getVariable('missing', { json: true, default: { a: 1 } }), { a: 1 });
    await assert.rejects(getVariable('missing'), (error) => isUpdraftError(error, 'UPDRAFT_ERR_VARIABLE_NOT_FOUND') && /UPDRAFT_VAR_MISSING/.test(error.message));
    await assert.rejects(getVariable('not_json', { json: true }), (error) => isUpdraftError(error, 'UPDRAFT_ERR_INVALID_ARGUMENT'));
  });
});

test('getConnection returns the connection or throws UPDRAFT_ERR_CONNECTION_NOT_FOUND; mask registers with the task', async () => {
  await runWithContext(ctx, async () => {
    const db = await getConnection('db');
    assert.equal(db.host, 'db.example.com');
    await assert.rejects(getConnection('nope'), (error) => isUpdraftError(error, 'UPDRAFT_ERR_CONNECTION_NOT_FOUND') && /UPDRAFT_CONN_NOPE/.test(error.message));
    mask('a-secret-value');
  });
  assert.deepEqual(ctx.maskedValues, ['a-secret-value']);
});

test('outside a task they throw UPDRAFT_ERR_NOT_IN_TASK', async () => {
  await assert.rejects(getVariable('region'), (error) => isUpdraftError(error, 'UPDRAFT_ERR_NOT_IN_TASK'));
  assert.throws(() => mask('x'), (error) => isUpdraftError(error, 'UPDRAFT_ERR_NOT_IN_TASK'));
});
