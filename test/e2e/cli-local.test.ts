// End to end: the `updraft` binary run as a user runs it, on the embedded SQLite default.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeHome, runCli, writeDag } from '../support/cli.js';
import { taskLogPath } from '../../src/logs/log-paths.js';
import { BARE_NUMBER_DAG, CYCLE_DAG, FAILING_DAG, HELLO_DAG, SYNTAX_ERROR_DAG, THROWING_DAG } from './fixtures.js';

describe('updraft CLI on the embedded database', () => {
  const h = makeHome();
  before(() => {
    writeDag(h.dags, 'hello.ts', HELLO_DAG);
    writeDag(h.dags, 'failing.ts', FAILING_DAG);
    writeDag(h.dags, 'broken.ts', SYNTAX_ERROR_DAG);
    writeDag(h.dags, 'throwing.ts', THROWING_DAG);
    writeDag(h.dags, 'bare_number.ts', BARE_NUMBER_DAG);
    writeDag(h.dags, 'cyclic.ts', CYCLE_DAG);
  });
  after(() => h.cleanup());

  test('version prints the package version', async () => {
    const r = await runCli(['version'], h.env);
    assert.equal(r.code, 0);
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    assert.equal(r.stdout.trim(), pkg.version);
  });

  test('dags list shows good DAGs; broken files do not hide them', async () => {
    const r = await runCli(['dags', 'list', '--output', 'json'], h.env);
    assert.equal(r.code, 0, r.stderr);
    const ids = (JSON.parse(r.stdout) as Array<{ dag_id: string }>).map((d) => d.dag_id).sort();
    assert.deepEqual(ids, ['failing', 'hello']);
  });

  test('dags list-import-errors names each broken file and its problem', async () => {
    const r = await runCli(['dags', 'list-import-errors', '--output', 'json'], h.env);
    assert.equal(r.code, 0, r.stderr);
    const errors = JSON.parse(r.stdout) as Array<{ fileloc: string; message: string }>;
    const byFile = new Map(errors.map((e) => [e.fileloc.split('/').pop(), e.message]));
    assert.deepEqual([...byFile.keys()].sort(), ['bare_number.ts', 'broken.ts', 'cyclic.ts', 'throwing.ts']);
    assert.match(byFile.get('throwing.ts')!, /cannot reach config server at import time/);
    assert.match(byFile.get('bare_number.ts')!, /300/);
    assert.match(byFile.get('cyclic.ts')!, /a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c/);
    for (const message of byFile.values()) assert.ok(message.length > 0);
  });

  test('dags test runs a whole run in process, prints task logs and exits 0', async () => {
    const r = await runCli(['dags', 'test', 'hello', '2026-03-01', '--conf', '{"who": "data team"}'], h.env);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /hello data team on 2026-03-01/);
    assert.match(r.stdout, /shouting/);
    assert.match(r.stdout, /run test__2026-03-01T00:00:00.000Z: success/);
    const state = await runCli(['tasks', 'state', 'hello', 'shout', '2026-03-01'], h.env);
    assert.equal(state.stdout.trim(), 'success');
  });

  test('dags test exits 1 when a task fails, and downstream is upstream_failed', async () => {
    const r = await runCli(['dags', 'test', 'failing', '2026-03-01'], h.env);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /the warehouse is on fire/);
    const after = await runCli(['tasks', 'state', 'failing', 'after', '2026-03-01'], h.env);
    assert.equal(after.stdout.trim(), 'upstream_failed');
    const run = await runCli(['dags', 'state', 'failing', '2026-03-01'], h.env);
    assert.equal(run.stdout.trim(), 'failed');
  });

  test('tasks test runs one task, prints its log and records nothing', async () => {
    const r = await runCli(['tasks', 'test', 'hello', 'echo', '2026-04-01'], h.env);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /hello world on 2026-04-01/);
    const runs = await runCli(['dags', 'list-runs', 'hello', '--output', 'json'], h.env);
    const dates = (JSON.parse(runs.stdout) as Array<{ logical_date: string }>).map((x) => x.logical_date);
    assert.ok(!dates.includes('2026-04-01T00:00:00.000Z'), `tasks test must not create a run: ${runs.stdout}`);
  });

  test('bad input exits 2 with one clear line naming the value', async () => {
    const conf = await runCli(['dags', 'trigger', 'hello', '--conf', '{not json'], h.env);
    assert.equal(conf.code, 2);
    assert.match(conf.stderr, /--conf is not valid JSON/);
    const unknown = await runCli(['dags', 'trigger', 'nope'], h.env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /DAG "nope" is not known/);
    const date = await runCli(['dags', 'backfill', 'hello', '-s', 'yesterday', '-e', '2026-01-02'], h.env);
    assert.equal(date.code, 2);
    assert.match(date.stderr, /--start-date "yesterday" is not a date/);
    const output = await runCli(['dags', 'list', '--output', 'yaml'], h.env);
    assert.equal(output.code, 2);
    assert.match(output.stderr, /--output "yaml" is not supported; allowed: table, json/);
    assert.equal(conf.stderr.trim().split('\n').length, 1, `one line, got: ${conf.stderr}`);
  });

  test('pools set, list and delete; default_pool cannot be deleted', async () => {
    assert.equal((await runCli(['pools', 'set', 'warehouse', '3', 'the DWH'], h.env)).code, 0);
    const list = await runCli(['pools', 'list', '--output', 'json'], h.env);
    const pools = JSON.parse(list.stdout) as Array<{ pool: string; slots: number }>;
    assert.deepEqual(pools.map((p) => [p.pool, p.slots]).sort(), [['default_pool', 128], ['warehouse', 3]]);
    assert.equal((await runCli(['pools', 'delete', 'warehouse'], h.env)).code, 0);
    const del = await runCli(['pools', 'delete', 'default_pool'], h.env);
    assert.equal(del.code, 2);
  });

  test('tasks logs prints the attempt log written during dags test', async () => {
    const r = await runCli(['tasks', 'logs', 'hello', '2026-03-01', 'echo'], h.env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /m);
    assert.match(r.stdout, /hello data team on 2026-03-01/);
    const logFile = taskLogPath(join(h.home, 'logs'), { dagId: 'hello', runId: 'test__2026-03-01T00:00:00.000Z', taskId: 'echo', tryNumber: 1 });
    assert.ok(logFile.includes(join('dag_id=hello', 'run_id=test__2026-03-01T')), logFile);
    assert.match(readFileSync(logFile, 'utf8'), /hello data team/);
  });
});
