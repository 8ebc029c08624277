// The example DAGs `npm start` runs: each parses without import errors and one run of each succeeds.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { makeHome, runCli } from '../support/cli.js';

const EXAMPLES = fileURLToPath(new URL('../../examples/dags', import.meta.url));

describe('example DAGs', () => {
  const h = makeHome();
  h.env.UPDRAFT__CORE__DAGS_FOLDER = EXAMPLES;
  after(() => h.cleanup());

  test('all parse, none has an import error', async () => {
    const list = await runCli(['dags', 'list', '--output', 'json'], h.env);
    assert.equal(list.code, 0, list.stderr);
    const ids = (JSON.parse(list.stdout) as Array<{ dag_id: string }>).map((d) => d.dag_id).sort();
    assert.deepEqual(ids, ['example_bash_params', 'example_branching', 'example_custom_operator', 'example_sensor', 'example_task_group', 'example_taskflow_etl']);
    const errors = await runCli(['dags', 'list-import-errors', '--output', 'json'], h.env);
    assert.deepEqual(JSON.parse(errors.stdout), []);
  });

  for (const dagId of ['example_bash_params', 'example_branching', 'example_custom_operator', 'example_sensor', 'example_task_group', 'example_taskflow_etl']) {
    test(`dags test ${dagId} succeeds`, async () => {
      const r = await runCli(['dags', 'test', dagId, '2026-03-07'], h.env);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /: success\n/);
    });
  }

  test('the bash example renders its param template', async () => {
    const r = await runCli(['tasks', 'test', 'example_bash_params', 'say', '2026-03-07', '--conf', '{"message": "templated!"}'], h.env);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /templated!/);
  });

  test('the branching example follows the weekend path on a Saturday', async () => {
    const r = await runCli(['tasks', 'state', 'example_branching', 'weekday', '2026-03-07'], h.env);
    assert.equal(r.stdout.trim(), 'skipped');
    const w = await runCli(['tasks', 'state', 'example_branching', 'weekend', '2026-03-07'], h.env);
    assert.equal(w.stdout.trim(), 'success');
  });
});
