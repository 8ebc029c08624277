// A `.sql` path relative to the DAG file, as Airflow users write it (template_searchpath defaults to
// the DAG's folder): the worker reads it from the DAG file's folder, whatever its own cwd, and
// renders it as a template.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeHome, runCli, writeDag } from '../support/cli.js';
import { postgresService, type CreatedDatabase } from '../support/services.js';

const pg = await postgresService();

describe('SqlOperator with a relative .sql path', { skip: 'skip' in pg ? pg.skip : undefined }, () => {
  const h = makeHome('updraft-sqlfile-');
  let db: CreatedDatabase;
  before(async () => {
    if ('skip' in pg) return;
    db = await pg.createDatabase('sqlfile');
    mkdirSync(join(h.dags, 'queries'));
    writeFileSync(join(h.dags, 'queries', 'day.sql'), "SELECT '{{ ds }}'::date + {{ params.offset }} AS day");
    writeDag(h.dags, 'relative.ts', `
      import { dag } from 'updraft';
      import { PostgresOperator } from 'updraft/providers/postgres';
      export default dag({ dagId: 'relative_sql', schedule: null, params: { offset: 1 } }, () => {
        new PostgresOperator({ taskId: 'day', postgresConnId: 'pg', sql: 'queries/day.sql', showReturnValueInLogs: true });
      });`);
  });
  after(async () => {
    await db?.drop();
    h.cleanup();
  });

  test('is read from the DAG file\'s folder and rendered', async () => {
    const r = await runCli(['tasks', 'test', 'relative_sql', 'day', '2024-03-01'], { ...h.env, UPDRAFT_CONN_PG: db.url });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, /2024-03-02/);
  });
});
