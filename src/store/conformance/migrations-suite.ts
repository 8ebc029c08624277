import { strict as assert } from 'node:assert';
import { it } from 'node:test';
import { isUpdraftError } from '../../common/errors.js';
import { LATEST_VERSION, MIGRATIONS, MIGRATIONS_TABLE } from '../migrations/migrations.js';
import { seedDag, withStore, type MakeStore } from './fixtures.js';

export function migrationTests(makeStore: MakeStore): void {
  it('check() on an empty database says it is not migrated', () => withStore(makeStore, async (store) => {
    await assert.rejects(store.check(), (e) => isUpdraftError(e, 'UPDRAFT_ERR_DB_NOT_MIGRATED') && e.message.includes('updraft db migrate'));
  }, { migrate: false }));

  it('migrate() applies every migration once and is idempotent', () => withStore(makeStore, async (store) => {
    const first = await store.migrate();
    assert.deepEqual(first, { applied: MIGRATIONS.map((m) => m.version), current: LATEST_VERSION });
    assert.deepEqual(await store.migrate(), { applied: [], current: LATEST_VERSION });
    assert.deepEqual(await store.check(), { current: LATEST_VERSION, latest: LATEST_VERSION });
    const pools = await store.listPools();
    assert.deepEqual(pools, [{ name: 'default_pool', slots: 128, description: 'Default pool' }]);
  }, { migrate: false }));

  it('refuses a database migrated by a newer Updraft, naming both versions', () => withStore(makeStore, async (store, handle) => {
    assert.ok(handle.execSql, 'the conformance harness must provide execSql');
    const newer = LATEST_VERSION + 1;
    await handle.execSql(`INSERT INTO ${MIGRATIONS_TABLE} (version, applied_at) VALUES (${newer}, ${store.dialect === 'postgres' ? 'now()' : '0'})`);
    const newerError = (e: unknown): boolean => isUpdraftError(e, 'UPDRAFT_ERR_DB_NEWER_THAN_CODE')
      && e.message.includes(`version ${newer}`) && e.message.includes(`version ${LATEST_VERSION}`);
    await assert.rejects(store.migrate(), newerError);
    await assert.rejects(store.check(), newerError);
  }));

  it('upgrading a version-1 database gives its task instances their run\'s logical date, and claims follow it', () => withStore(makeStore, async (store, handle) => {
    assert.ok(handle.execSql, 'the conformance harness must provide execSql');
    const pg = store.dialect === 'postgres';
    const first = MIGRATIONS.find((m) => m.version === 1)!;
    await handle.execSql(pg ? first.postgres : first.sqlite);
    await handle.execSql(`CREATE TABLE ${MIGRATIONS_TABLE} (version INTEGER PRIMARY KEY, applied_at ${pg ? 'TIMESTAMPTZ' : 'INTEGER'} NOT NULL);
      INSERT INTO ${MIGRATIONS_TABLE} (version, applied_at) VALUES (1, ${pg ? 'now()' : '0'});`);
    const at = (iso: string): string => (pg ? `'${iso}'` : String(Date.parse(iso)));
    const insertRun = (runId: string, iso: string): string => `INSERT INTO dag_runs (dag_id, run_id, run_type, state, logical_date, data_interval_start,
      data_interval_end, conf, dag_version_hash, queued_at) VALUES ('old', '${runId}', 'manual', 'running', ${at(iso)}, ${at(iso)}, ${at(iso)}, '{}', 'h', ${at(iso)});
      INSERT INTO task_instances (dag_id, run_id, task_id, state, try_number, max_tries, pool, pool_slots, priority_weight, queue)
      VALUES ('old', '${runId}', 't', 'scheduled', 0, 1, 'default_pool', 1, 1, 'default');`;
    await handle.execSql(`INSERT INTO dags (dag_id, fileloc, is_paused, is_active, version_hash, last_parsed_at)
      VALUES ('old', '/dags/old.ts', ${pg ? 'false, true' : '0, 1'}, 'h', ${at('2026-01-01T00:00:00Z')});
      ${insertRun('newer', '2026-01-03T00:00:00Z')} ${insertRun('older', '2026-01-02T00:00:00Z')}`);
    assert.deepEqual(await store.migrate(), { applied: MIGRATIONS.filter((m) => m.version > 1).map((m) => m.version), current: LATEST_VERSION });
    const claimed = await store.claimScheduledTaskInstances({ schedulerId: 's', limit: 1, poolFreeSlots: new Map([['default_pool', 128]]), now: new Date() });
    assert.deepEqual(claimed.map((ti) => ti.runId), ['older'], 'the older run\'s task is claimed first');
  }, { migrate: false }));

  it('reset() drops everything and migrates again', () => withStore(makeStore, async (store) => {
    await seedDag(store, 'to_be_reset');
    await store.setVariable({ key: 'v', value: '1', description: null, isEncrypted: false });
    await store.setPool({ name: 'extra', slots: 3, description: null });
    await store.reset();
    assert.deepEqual(await store.listDags(), []);
    assert.deepEqual(await store.listVariables(), []);
    assert.deepEqual((await store.listPools()).map((p) => p.name), ['default_pool']);
    assert.deepEqual(await store.check(), { current: LATEST_VERSION, latest: LATEST_VERSION });
  }));

  it('two stores migrating one fresh database at once both succeed, applying each migration once', () => withStore(makeStore, async (store, handle) => {
    if (handle.openAnother === undefined) return;
    const other = await handle.openAnother();
    const [a, b] = await Promise.all([store.migrate(), other.migrate()]);
    assert.deepEqual([...a.applied, ...b.applied].sort((x, y) => x - y), MIGRATIONS.map((m) => m.version));
    assert.equal(a.current, LATEST_VERSION);
    assert.equal(b.current, LATEST_VERSION);
    assert.deepEqual(await other.check(), { current: LATEST_VERSION, latest: LATEST_VERSION });
  }, { migrate: false }));
}
