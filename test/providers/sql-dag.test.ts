// SQL operators through the real scheduler and the local executor (task processes): a PostgresOperator
// running a templated .sql file → a @task reading with PostgresHook.getRecords → a MySqlOperator with
// templated parameters → a SqlSensor on MariaDB; then a SqlSensor whose failure criterion fails the
// task without retry. The warm worker processes outlive the tasks, so an unclosed pool would show up
// in pg_stat_activity after the run.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeXCom } from '../../src/common/xcom-codec.js';
import { taskLogPath } from '../../src/logs/log-paths.js';
import { Connection } from '../../src/connections/index.js';
import { MySqlHook } from '../../src/providers/mysql/index.js';
import { PostgresHook } from '../../src/providers/postgres/index.js';
import { eventually } from '../support/cli.js';
import { makeEngine, type TestEngine } from '../support/engine.js';
import { mariadbService, postgresService, type CreatedDatabase } from '../support/services.js';

const pgService = await postgresService();
const myService = await mariadbService();
const skip = 'skip' in pgService ? pgService.skip : 'skip' in myService ? myService.skip : false;

const LOAD_SQL = `-- rendered as a template: {{ ds }} and params come from the run
CREATE TABLE people (id integer PRIMARY KEY, name text, joined date, note text);
INSERT INTO people VALUES
  (1, '김민준', '{{ ds }}', 'semi; colon'),
  (2, 'Ada', '{{ ds }}', $$dollar 'quoted'; text$$),
  (3, '이서연', '{{ ds }}', '{{ params.note }}');
SELECT id, name, joined FROM people ORDER BY id;
`;

describe('SQL operators in a DAG run by the scheduler', { skip }, () => {
  let pgDb: CreatedDatabase;
  let myDb: CreatedDatabase;
  let e: TestEngine;
  const saved: Record<string, string | undefined> = {};

  before(async () => {
    if ('skip' in pgService || 'skip' in myService) return;
    pgDb = await pgService.createDatabase('updraft_sqldag');
    myDb = await myService.createDatabase('updraft_sqldag');
    const pgUrl = new URL(pgDb.url);
    pgUrl.searchParams.set('application_name', 'updraft_sql_dag');
    // Task processes of the local executor inherit this environment: that is how connections reach them.
    for (const [name, value] of Object.entries({ UPDRAFT_CONN_PG_SQL_DAG: pgUrl.toString(), UPDRAFT_CONN_MY_SQL_DAG: myDb.url })) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
    e = await makeEngine('sqlite', { executor: 'local' });
  });

  after(async () => {
    await e?.close();
    await pgDb?.drop();
    await myDb?.drop();
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  test('PostgresOperator (.sql file) → @task with PostgresHook → MySqlOperator → SqlSensor', async () => {
    writeFileSync(join(e.dir, 'load_people.sql'), LOAD_SQL);
    await e.addDag('sql_pipeline.ts', `
      import { dag, task } from 'updraft';
      import { PostgresHook, PostgresOperator } from 'updraft/providers/postgres';
      import { MySqlOperator } from 'updraft/providers/mysql';
      import { SqlSensor } from 'updraft/providers/sql';

      type Person = [number, string, string];

      const summarize = task('summarize', async (): Promise<{ count: number; first: string; names: string[] }> => {
        const hook = new PostgresHook({ postgresConnId: 'pg_sql_dag' });
        const rows = await hook.getRecords<[string]>('SELECT name FROM people WHERE joined = $1::date ORDER BY id', ['2024-01-01']);
        return { count: rows.length, first: rows[0]![0], names: rows.map((r) => r[0]) };
      });

      export default dag({ dagId: 'sql_pipeline', schedule: null, startDate: '2024-01-01', params: { note: '세 번째' } }, () => {
        const load = new PostgresOperator<Person[]>({
          taskId: 'load', postgresConnId: 'pg_sql_dag',
          sql: new URL('./load_people.sql', import.meta.url), splitStatements: true, showReturnValueInLogs: true,
        });
        const copy = new MySqlOperator({
          taskId: 'copy_to_mysql', mysqlConnId: 'my_sql_dag',
          sql: [
            'CREATE TABLE people (name varchar(100) PRIMARY KEY, run_ds char(10)) CHARACTER SET utf8mb4',
            'INSERT INTO people (name, run_ds) VALUES (:name, :ds)',
          ],
          parameters: { name: "{{ ti.xcom_pull(task_ids='summarize')['first'] }}", ds: '{{ ds }}' },
        });
        const wait = new SqlSensor({
          taskId: 'wait_for_copy', connId: 'my_sql_dag', pokeInterval: '1s', timeout: '60s',
          sql: 'SELECT COUNT(*) FROM people WHERE name = :name', parameters: { name: '김민준' },
        });
        const s = summarize();
        load.setDownstream(s);
        s.setDownstream(copy);
        copy.setDownstream(wait);
      });
    `);
    const run = await e.trigger('sql_pipeline', undefined, new Date('2024-01-01T00:00:00Z'));
    const finished = await e.waitForRun('sql_pipeline', run.runId, 120_000);
    assert.deepEqual(await e.states('sql_pipeline', run.runId),
      { load: 'success', summarize: 'success', copy_to_mysql: 'success', wait_for_copy: 'success' });
    assert.equal(finished.state, 'success');

    const xcom = async (taskId: string): Promise<unknown> => {
      const record = await e.store.getXCom({ dagId: 'sql_pipeline', runId: run.runId, taskId, key: 'return_value' });
      return record === null ? undefined : decodeXCom(record.value);
    };
    assert.deepEqual(await xcom('load'), [[1, '김민준', '2024-01-01'], [2, 'Ada', '2024-01-01'], [3, '이서연', '2024-01-01']]);
    assert.deepEqual(await xcom('summarize'), { count: 3, first: '김민준', names: ['김민준', 'Ada', '이서연'] });
    assert.deepEqual(await xcom('copy_to_mysql'), [null, null], 'a list of statements gives one entry each; no result sets');
    assert.equal(await xcom('wait_for_copy'), undefined);

    const pgHook = new PostgresHook({ connection: Connection.fromUri('check', pgDb.url) });
    assert.deepEqual(await pgHook.getRecords('SELECT note FROM people ORDER BY id'), [['semi; colon'], ["dollar 'quoted'; text"], ['세 번째']]);
    const myHook = new MySqlHook({ connection: Connection.fromUri('check', myDb.url) });
    assert.deepEqual(await myHook.getRecords('SELECT name, run_ds FROM people'), [['김민준', '2024-01-01']]);
    await myHook.close();

    // Every task closed its pool when it ended, though the worker processes are still alive.
    await eventually(async () => {
      const row = await pgHook.getFirst<[string]>('SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND application_name = $2', [pgDb.name, 'updraft_sql_dag']);
      return Number(row![0]) === 0 || null;
    }, 'the task pools to be closed (before the 10 s idle timeout could)', 4_000, 100);
    await pgHook.close();
  });

  test('SqlSensor failure criterion fails the task without retry; bad SQL fails naming the statement', async () => {
    await e.addDag('sql_failures.ts', `
      import { dag } from 'updraft';
      import { SqlSensor, SqlOperator } from 'updraft/providers/sql';

      export default dag({ dagId: 'sql_failures', schedule: null, startDate: '2024-01-01', defaultArgs: { retries: 2, retryDelay: '1s' } }, () => {
        new SqlSensor({
          taskId: 'doomed', connId: 'pg_sql_dag', pokeInterval: '1s', timeout: '60s',
          sql: "SELECT 'broken'::text", failure: (cell: unknown) => cell === 'broken',
        });
        new SqlOperator({ taskId: 'bad_sql', connId: 'my_sql_dag', sql: 'SELEC nothing', retries: 0 });
      });
    `);
    const run = await e.trigger('sql_failures', undefined, new Date('2024-01-02T00:00:00Z'));
    assert.equal((await e.waitForRun('sql_failures', run.runId, 120_000)).state, 'failed');
    const tis = await e.store.listTaskInstances({ dagId: 'sql_failures', runId: run.runId });
    const doomed = tis.find((t) => t.taskId === 'doomed')!;
    assert.equal(doomed.state, 'failed');
    assert.equal(doomed.tryNumber, 1, 'not retried');
    assert.equal(tis.find((t) => t.taskId === 'bad_sql')!.state, 'failed');
    const log = (taskId: string): string => readFileSync(taskLogPath(join(e.dir, 'logs'), { dagId: 'sql_failures', runId: run.runId, taskId, tryNumber: 1 }), 'utf8');
    assert.match(log('doomed'), /Failure criteria met: failure\("broken"\) returned true/);
    assert.match(log('bad_sql'), /SQL statement failed on mysql .*ER_PARSE_ERROR/);
    assert.match(log('bad_sql'), /statement: SELEC nothing/);
  });
});
