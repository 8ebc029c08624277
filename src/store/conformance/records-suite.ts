import { strict as assert } from 'node:assert';
import { it } from 'node:test';
import { isUpdraftError } from '../../common/errors.js';
import type { ConnectionRecord } from '../../core/ports/metadata-store.js';
import { T0, day, seedDag, seedRun, tiKey, withStore, type MakeStore } from './fixtures.js';

export function recordTests(makeStore: MakeStore): void {
  it('XCom: set overwrites, get, list by run or task, clear one task', () => withStore(makeStore, async (store) => {
    await seedDag(store, 'etl');
    await seedRun(store, { dagId: 'etl', runId: 'r1' });
    await seedRun(store, { dagId: 'etl', runId: 'r2', logicalDate: day(1) });
    const before = Date.now();
    const value = JSON.stringify({ __type: 'Date', value: '2024-01-01', text: '한국어 텍스트 ✓' });
    await store.setXCom({ dagId: 'etl', runId: 'r1', taskId: 'a', key: 'return_value', value: '"first"' });
    await store.setXCom({ dagId: 'etl', runId: 'r1', taskId: 'a', key: 'return_value', value });
    await store.setXCom({ dagId: 'etl', runId: 'r1', taskId: 'a', key: 'extra', value: '1' });
    await store.setXCom({ dagId: 'etl', runId: 'r1', taskId: 'b', key: 'return_value', value: '2' });
    await store.setXCom({ dagId: 'etl', runId: 'r2', taskId: 'a', key: 'return_value', value: '3' });
    const got = await store.getXCom({ dagId: 'etl', runId: 'r1', taskId: 'a', key: 'return_value' });
    assert.ok(got);
    assert.equal(got.value, value);
    assert.ok(got.createdAt.getTime() >= before - 1000);
    assert.equal(await store.getXCom({ dagId: 'etl', runId: 'r1', taskId: 'a', key: 'missing' }), null);
    const list = async (filter: { dagId: string; runId: string; taskId?: string }): Promise<string[]> =>
      (await store.listXComs(filter)).map((x) => `${x.taskId}.${x.key}=${x.value}`);
    assert.deepEqual(await list({ dagId: 'etl', runId: 'r1' }), ['a.extra=1', `a.return_value=${value}`, 'b.return_value=2']);
    assert.deepEqual(await list({ dagId: 'etl', runId: 'r1', taskId: 'b' }), ['b.return_value=2']);
    await store.clearXComs(tiKey('etl', 'r1', 'a'));
    assert.deepEqual(await list({ dagId: 'etl', runId: 'r1' }), ['b.return_value=2']);
    assert.deepEqual(await list({ dagId: 'etl', runId: 'r2' }), ['a.return_value=3']);
  }));

  it('variables: set, overwrite, list, delete', () => withStore(makeStore, async (store) => {
    assert.equal(await store.getVariable('k'), null);
    await store.setVariable({ key: 'k', value: '값 value', description: 'desc', isEncrypted: false });
    await store.setVariable({ key: 'a_secret', value: 'gAAAA-cipher', description: null, isEncrypted: true });
    assert.deepEqual(await store.getVariable('k'), { key: 'k', value: '값 value', description: 'desc', isEncrypted: false });
    await store.setVariable({ key: 'k', value: 'v2', description: null, isEncrypted: true });
    assert.deepEqual(await store.listVariables(), [
      { key: 'a_secret', value: 'gAAAA-cipher', description: null, isEncrypted: true },
      { key: 'k', value: 'v2', description: null, isEncrypted: true },
    ]);
    assert.equal(await store.deleteVariable('k'), true);
    assert.equal(await store.deleteVariable('k'), false);
    assert.deepEqual((await store.listVariables()).map((v) => v.key), ['a_secret']);
  }));

  it('connections: set, overwrite, list, delete', () => withStore(makeStore, async (store) => {
    const full: ConnectionRecord = {
      connId: 'postgres_test', connType: 'postgres', description: '테스트', host: 'db.example.com', schema: 'analytics', login: 'me',
      password: 'cipher-text', port: 5432, extra: '{"sslmode":"require"}', isEncrypted: true, isExtraEncrypted: false,
    };
    const bare: ConnectionRecord = {
      connId: 'aws_default', connType: 'aws', description: null, host: null, schema: null, login: null,
      password: null, port: null, extra: null, isEncrypted: false, isExtraEncrypted: true,
    };
    await store.setConnection(full);
    await store.setConnection(bare);
    assert.deepEqual(await store.getConnection('postgres_test'), full);
    assert.deepEqual(await store.getConnection('aws_default'), bare);
    assert.equal(await store.getConnection('nope'), null);
    const changed = { ...full, host: null, port: 6543, extra: null, isEncrypted: false };
    await store.setConnection(changed);
    assert.deepEqual(await store.listConnections(), [bare, changed]);
    assert.equal(await store.deleteConnection('aws_default'), true);
    assert.equal(await store.deleteConnection('aws_default'), false);
    assert.deepEqual(await store.listConnections(), [changed]);
  }));

  it('pools: default_pool exists with 128 slots and cannot be deleted; others can be set and deleted', () => withStore(makeStore, async (store) => {
    assert.deepEqual(await store.getPool('default_pool'), { name: 'default_pool', slots: 128, description: 'Default pool' });
    await store.setPool({ name: 'api', slots: 4, description: 'rate limited' });
    await store.setPool({ name: 'api', slots: 2, description: null });
    await store.setPool({ name: 'default_pool', slots: 16, description: 'Default pool' });
    assert.deepEqual(await store.listPools(), [
      { name: 'api', slots: 2, description: null },
      { name: 'default_pool', slots: 16, description: 'Default pool' },
    ]);
    await assert.rejects(store.deletePool('default_pool'), (e) => isUpdraftError(e, 'UPDRAFT_ERR_INVALID_ARGUMENT') && e.message.includes('default_pool'));
    await assert.rejects(store.setPool({ name: 'bad', slots: -1, description: null }), (e) => isUpdraftError(e, 'UPDRAFT_ERR_INVALID_ARGUMENT'));
    await assert.rejects(store.setPool({ name: 'bad', slots: 1.5, description: null }), (e) => isUpdraftError(e, 'UPDRAFT_ERR_INVALID_ARGUMENT'));
    assert.equal(await store.deletePool('api'), true);
    assert.equal(await store.deletePool('api'), false);
    assert.equal(await store.getPool('api'), null);
    assert.ok(await store.getPool('default_pool'));
  }));

  it('import errors: set overwrites per file, clear one, clear files no longer present', () => withStore(makeStore, async (store) => {
    await store.setImportError({ fileloc: '/dags/a.ts', message: 'SyntaxError', stack: 'at a.ts:1', timestamp: T0 });
    await store.setImportError({ fileloc: '/dags/a.ts', message: 'TypeError: 오류', stack: null, timestamp: day(1) });
    await store.setImportError({ fileloc: '/dags/b.ts', message: 'b', stack: null, timestamp: T0 });
    await store.setImportError({ fileloc: '/dags/c.ts', message: 'c', stack: null, timestamp: T0 });
    assert.deepEqual((await store.listImportErrors())[0], { fileloc: '/dags/a.ts', message: 'TypeError: 오류', stack: null, timestamp: day(1) });
    await store.clearImportError('/dags/b.ts');
    await store.clearImportError('/dags/never.ts');
    assert.deepEqual((await store.listImportErrors()).map((e) => e.fileloc), ['/dags/a.ts', '/dags/c.ts']);
    await store.clearImportErrorsNotIn(['/dags/c.ts', '/dags/z.ts']);
    assert.deepEqual((await store.listImportErrors()).map((e) => e.fileloc), ['/dags/c.ts']);
    await store.clearImportErrorsNotIn([]);
    assert.deepEqual(await store.listImportErrors(), []);
  }));

  it('scheduler heartbeats: upsert, list, remove', () => withStore(makeStore, async (store) => {
    await store.heartbeatScheduler({ schedulerId: 's1', hostname: 'host-a', pid: 100, startedAt: T0, lastHeartbeatAt: T0 });
    await store.heartbeatScheduler({ schedulerId: 's2', hostname: 'host-b', pid: 200, startedAt: T0, lastHeartbeatAt: T0 });
    await store.heartbeatScheduler({ schedulerId: 's1', hostname: 'host-a', pid: 100, startedAt: T0, lastHeartbeatAt: day(1) });
    assert.deepEqual(await store.listSchedulers(), [
      { schedulerId: 's1', hostname: 'host-a', pid: 100, startedAt: T0, lastHeartbeatAt: day(1) },
      { schedulerId: 's2', hostname: 'host-b', pid: 200, startedAt: T0, lastHeartbeatAt: T0 },
    ]);
    await store.removeScheduler('s1');
    await store.removeScheduler('nobody');
    assert.deepEqual((await store.listSchedulers()).map((s) => s.schedulerId), ['s2']);
  }));

  it('backfills: create, get, complete', () => withStore(makeStore, async (store) => {
    await seedDag(store, 'etl');
    const before = Date.now();
    const a = await store.createBackfill({ dagId: 'etl', fromDate: day(0), toDate: day(9), maxActiveRuns: 3, rerunFailed: true });
    const b = await store.createBackfill({ dagId: 'etl', fromDate: day(1), toDate: day(2), maxActiveRuns: 1, rerunFailed: false });
    assert.notEqual(a.id, b.id);
    assert.deepEqual({ ...a, id: 0, createdAt: null }, { id: 0, dagId: 'etl', fromDate: day(0), toDate: day(9), maxActiveRuns: 3, rerunFailed: true, createdAt: null, completedAt: null });
    assert.ok(a.createdAt.getTime() >= before - 1000);
    assert.deepEqual(await store.getBackfill(a.id), a);
    await store.completeBackfill(a.id, day(10));
    assert.deepEqual((await store.getBackfill(a.id))?.completedAt, day(10));
    assert.equal((await store.getBackfill(b.id))?.completedAt, null);
    assert.equal(await store.getBackfill(a.id + b.id + 1000), null);
    await assert.rejects(store.createBackfill({ dagId: 'ghost', fromDate: day(0), toDate: day(1), maxActiveRuns: 1, rerunFailed: false }),
      (e) => isUpdraftError(e, 'UPDRAFT_ERR_DAG_NOT_FOUND'));
  }));
}
