// End to end: `updraft variables` as a user runs it, and variables as tasks see them — the
// environment (UPDRAFT_VAR_<KEY>) before the database, {{ var.value.k }} / {{ var.json.k }} in
// templates, getVariable(key, { json, default }) in TaskFlow code.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeHome, runCli, writeDag } from '../support/cli.js';

const VAR_READER_DAG = `
import { BashOperator, dag, task, getVariable } from 'updraft';

const read = task('read', async (): Promise<string> => {
  const region = await getVariable('region');
  const cfg = await getVariable<{ batch: number; tags: string[] }>('pipeline_cfg', { json: true });
  const fallback = await getVariable('not_defined_anywhere', { default: 'the-default' });
  let missing = 'no error';
  try {
    await getVariable('not_defined_anywhere');
  } catch (error) {
    missing = (error as { code?: string }).code ?? String(error);
  }
  console.log('taskflow region=' + region + ' batch=' + cfg.batch + ' tags=' + cfg.tags.join('+') + ' fallback=' + fallback + ' missing=' + missing);
  return region;
});

export default dag({ dagId: 'var_reader', schedule: null }, () => {
  const bash = new BashOperator({
    taskId: 'bash',
    bashCommand: 'echo "template region={{ var.value.region }} batch={{ var.json.pipeline_cfg.batch }} other={{ var.value.get(\\'nope\\', \\'dflt\\') }}"',
  });
  bash.setDownstream(read());
});
`;

describe('updraft variables', () => {
  const h = makeHome();
  before(() => writeDag(h.dags, 'var_reader.ts', VAR_READER_DAG));
  after(() => h.cleanup());

  test('set and get; a missing key exits 2 naming it; --default answers instead', async () => {
    const set = await runCli(['variables', 'set', 'region', 'ap-northeast-2', '--description', 'where the bucket lives'], h.env);
    assert.equal(set.code, 0, set.stderr);
    const get = await runCli(['variables', 'get', 'region'], h.env);
    assert.equal(get.code, 0, get.stderr);
    assert.equal(get.stdout, 'ap-northeast-2\n');
    const missing = await runCli(['variables', 'get', 'no_such_key'], h.env);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /variable "no_such_key" does not exist/);
    const fallback = await runCli(['variables', 'get', 'no_such_key', '--default', 'fallback value'], h.env);
    assert.equal(fallback.code, 0);
    assert.equal(fallback.stdout, 'fallback value\n');
  });

  test('--json validates on set and parses on get; a bad JSON value stores nothing', async () => {
    const set = await runCli(['variables', 'set', 'pipeline_cfg', '{"batch": 500, "tags": ["a", "b"]}', '--json'], h.env);
    assert.equal(set.code, 0, set.stderr);
    const get = await runCli(['variables', 'get', 'pipeline_cfg', '--json'], h.env);
    assert.deepEqual(JSON.parse(get.stdout), { batch: 500, tags: ['a', 'b'] });
    const bad = await runCli(['variables', 'set', 'broken_cfg', '{"batch": ', '--json'], h.env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /the value of broken_cfg is not valid JSON/);
    assert.equal((await runCli(['variables', 'get', 'broken_cfg'], h.env)).code, 2, 'nothing was stored');
    const notJson = await runCli(['variables', 'get', 'region', '--json'], h.env);
    assert.equal(notJson.code, 2);
    assert.match(notJson.stderr, /variable "region" is not valid JSON/);
  });

  test('UPDRAFT_VAR_<KEY> beats the database (get and tasks); with backends metastore,env the database wins', async () => {
    const env = { ...h.env, UPDRAFT_VAR_REGION: 'eu-west-1' };
    assert.equal((await runCli(['variables', 'get', 'region'], env)).stdout, 'eu-west-1\n');
    assert.equal((await runCli(['variables', 'get', 'region'], { ...env, UPDRAFT__SECRETS__BACKENDS: 'metastore,env' })).stdout, 'ap-northeast-2\n');
    const fromEnv = await runCli(['dags', 'test', 'var_reader', '2026-03-01'], env);
    assert.equal(fromEnv.code, 0, fromEnv.stdout + fromEnv.stderr);
    assert.match(fromEnv.stdout, /template region=eu-west-1 batch=500 other=dflt/);
    assert.match(fromEnv.stdout, /taskflow region=eu-west-1 batch=500 tags=a\+b fallback=the-default missing=UPDRAFT_ERR_VARIABLE_NOT_FOUND/);
    const fromDb = await runCli(['dags', 'test', 'var_reader', '2026-03-02'], h.env);
    assert.equal(fromDb.code, 0, fromDb.stdout + fromDb.stderr);
    assert.match(fromDb.stdout, /template region=ap-northeast-2 batch=500/);
    assert.match(fromDb.stdout, /taskflow region=ap-northeast-2/);
  });

  test('list shows values, sensitive ones as ***; delete', async () => {
    assert.equal((await runCli(['variables', 'set', 'warehouse_password', 'hunter2-but-longer'], h.env)).code, 0);
    for (const output of ['table', 'json']) {
      const list = await runCli(['variables', 'list', '-o', output], h.env);
      assert.equal(list.code, 0, list.stderr);
      assert.ok(!list.stdout.includes('hunter2-but-longer'), list.stdout);
      assert.match(list.stdout, /ap-northeast-2/);
      if (output === 'json') {
        const rows = JSON.parse(list.stdout) as Array<{ key: string; value: string; description: string }>;
        assert.deepEqual(rows.find((r) => r.key === 'warehouse_password'), { key: 'warehouse_password', value: '***', description: '' });
        assert.equal(rows.find((r) => r.key === 'region')?.description, 'where the bucket lives');
      }
    }
    assert.equal((await runCli(['variables', 'delete', 'warehouse_password'], h.env)).code, 0);
    const again = await runCli(['variables', 'delete', 'warehouse_password'], h.env);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /not in the metadata database/);
  });

  test('export (mode 0600) and import round-trip; JSON values stay JSON', async () => {
    const file = join(h.home, 'vars.json');
    const exp = await runCli(['variables', 'export', file], h.env);
    assert.equal(exp.code, 0, exp.stderr);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const exported = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    assert.equal(exported.region, 'ap-northeast-2');
    assert.deepEqual(exported.pipeline_cfg, { batch: 500, tags: ['a', 'b'] });

    const fresh = makeHome();
    try {
      const imp = await runCli(['variables', 'import', file], fresh.env);
      assert.equal(imp.code, 0, imp.stderr);
      assert.match(imp.stdout, /imported 2 variable\(s\)/);
      assert.equal((await runCli(['variables', 'get', 'region'], fresh.env)).stdout, 'ap-northeast-2\n');
      assert.deepEqual(JSON.parse((await runCli(['variables', 'get', 'pipeline_cfg', '--json'], fresh.env)).stdout), { batch: 500, tags: ['a', 'b'] });
      const more = join(fresh.home, 'more.json');
      writeFileSync(more, JSON.stringify({ region: 'changed', count: 3 }));
      const skip = await runCli(['variables', 'import', more, '--action-on-existing-key', 'skip'], fresh.env);
      assert.match(skip.stdout, /imported 1 variable\(s\).*kept 1 existing/);
      assert.equal((await runCli(['variables', 'get', 'region'], fresh.env)).stdout, 'ap-northeast-2\n');
      const fail = await runCli(['variables', 'import', more, '--action-on-existing-key', 'fail'], fresh.env);
      assert.equal(fail.code, 2);
      const notObject = join(fresh.home, 'list.json');
      writeFileSync(notObject, '[1, 2]');
      const bad = await runCli(['variables', 'import', notObject], fresh.env);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /must hold a JSON object/);
    } finally {
      fresh.cleanup();
    }
  });
});
