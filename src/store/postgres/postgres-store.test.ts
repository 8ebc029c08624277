import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { isUpdraftError } from '../../common/errors.js';
import type { MetadataStore } from '../../core/ports/metadata-store.js';
import { postgresService, type CreatedDatabase } from '../../../test/support/services.js';
import { describeStoreConformance } from '../conformance.js';
import { T0, seedDag, seedRun } from '../conformance/fixtures.js';
import { openStore } from '../open-store.js';

async function execOn(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, options: '-c synchronous_commit=off' });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/**
 * The database URL with its connections' search_path set to `schema`. Commits do not wait for the
 * WAL flush: durability is not under test, and on a busy shared disk fsyncs dominate the run time.
 */
function inSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema} -c synchronous_commit=off`);
  return u.toString();
}

const service = await postgresService();

if ('skip' in service) {
  describe('PostgreSQL store', { skip: service.skip }, () => undefined);
} else {
  describe('PostgreSQL store', () => {
    // One database for the suite; each test gets a schema of its own in it (fresh and unmigrated).
    let database: CreatedDatabase;
    let schemas = 0;
    before(async () => {
      database = await service.createDatabase('updraft_store');
    });
    after(async () => {
      await database?.drop();
    });

    describeStoreConformance('postgres', async () => {
      const schema = `t${++schemas}`;
      await execOn(database.url, `CREATE SCHEMA ${schema}`);
      const url = inSchema(database.url, schema);
      const store = await openStore(url);
      const others: MetadataStore[] = [];
      return {
        store,
        execSql: (text: string) => execOn(url, text),
        async openAnother(): Promise<MetadataStore> {
          const other = await openStore(url);
          others.push(other);
          return other;
        },
        // The schema goes with the suite's database (dropping it here would cost a disk sync per test).
        async cleanup(): Promise<void> {
          for (const s of [store, ...others]) await s.close();
        },
      };
    });

    describe('PostgreSQL store specifics', () => {
      it('stores times as timestamptz and JSON as jsonb', async () => {
        const url = inSchema(database.url, 'specifics');
        await execOn(database.url, 'CREATE SCHEMA specifics');
        const store = await openStore(url);
        try {
          await store.migrate();
          await seedDag(store, 'etl');
          await seedRun(store, { dagId: 'etl', runId: 'r1', conf: { k: '값' } });
          const client = new pg.Client({ connectionString: url });
          await client.connect();
          const { rows } = await client.query(`SELECT pg_typeof(logical_date)::text AS t, pg_typeof(conf)::text AS j, conf->>'k' AS k,
            logical_date = '2024-01-01T00:00:00Z'::timestamptz AS same FROM dag_runs`);
          await client.end();
          assert.deepEqual(rows[0], { t: 'timestamp with time zone', j: 'jsonb', k: '값', same: true });
          assert.equal((await store.getDagRun('etl', 'r1'))?.logicalDate.getTime(), T0.getTime());
        } finally {
          await store.close();
          await execOn(database.url, 'DROP SCHEMA specifics CASCADE');
        }
      });

      it('an unreachable server is UPDRAFT_ERR_DB naming the URL with the password masked', async () => {
        const u = new URL(database.url);
        u.username = 'someone';
        u.password = 's3cret';
        u.port = '1';
        await assert.rejects(openStore(u.toString()), (e) => isUpdraftError(e, 'UPDRAFT_ERR_DB')
          && e.message.includes('someone:***@') && !e.message.includes('s3cret'));
      });
    });
  });
}
