import { test, describe } from 'node:test';
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dag, type Dag } from '../sdk/dag.js';
import { chain } from '../sdk/dependencies.js';
import { BashOperator } from '../sdk/operators/bash-operator.js';
import { EmptyOperator } from '../sdk/operators/empty-operator.js';
import { param } from '../sdk/params.js';
import { FileSensor } from '../sdk/sensors/file-sensor.js';
import { taskGroup } from '../sdk/task-group.js';
import { shortCircuit, task } from '../sdk/taskflow.js';
import { canonicalJson, hashDagSpec, serializeDag } from './serialize-dag.js';

function buildEtl(): Dag {
  const extract = task('extract', () => [1, 2]);
  const transform = task({ taskId: 'transform', priorityWeight: 5 }, (rows: number[]) => rows.length);
  const gate = shortCircuit({ taskId: 'gate', ignoreDownstreamTriggerRules: false }, (n: number) => n > 0);
  return dag({
    dagId: 'etl',
    schedule: '0 6 * * *',
    startDate: '2024-01-01',
    endDate: new Date('2025-01-01T00:00:00Z'),
    timezone: 'Europe/Paris',
    catchup: true,
    maxActiveRuns: 2,
    dagrunTimeout: '2h',
    params: { table: 'events', limit: param({ default: 10, type: 'integer', minimum: 1, description: 'rows' }) },
    tags: ['b', 'a'],
    description: 'An ETL',
    defaultArgs: { retries: 1, email: ['ops@example.com'], executionTimeout: '30m' },
  }, () => {
    const rows = extract();
    const n = transform(rows);
    const g = gate(n);
    const wait = new FileSensor({ taskId: 'wait', filepath: '/data/{{ ds }}.csv', mode: 'reschedule', pokeInterval: '30s', timeout: '1h', softFail: true });
    taskGroup('load', () => {
      const a = new BashOperator({ taskId: 'a', bashCommand: 'echo a', params: { x: 1 } });
      const b = new EmptyOperator({ taskId: 'b', triggerRule: 'all_done' });
      a.setDownstream(b);
    });
    chain(wait, rows);
    g.setDownstream(new EmptyOperator({ taskId: 'end' }));
  });
}

describe('serializeDag', () => {
  test('DAG fields: schedule, dates in ISO UTC, durations in ms, params, tags', () => {
    const spec = serializeDag(buildEtl(), '/dags/etl.ts');
    assert.equal(spec.specVersion, 1);
    assert.equal(spec.dagId, 'etl');
    assert.equal(spec.fileloc, '/dags/etl.ts');
    assert.deepEqual(spec.schedule, { kind: 'cron', expression: '0 6 * * *' });
    assert.equal(spec.startDate, '2023-12-31T23:00:00.000Z');
    assert.equal(spec.endDate, '2025-01-01T00:00:00.000Z');
    assert.equal(spec.timezone, 'Europe/Paris');
    assert.equal(spec.catchup, true);
    assert.equal(spec.maxActiveRuns, 2);
    assert.equal(spec.maxActiveTasks, 16);
    assert.equal(spec.dagrunTimeoutMs, 7_200_000);
    assert.deepEqual(spec.params, {
      table: { default: 'events' }, limit: { default: 10, type: 'integer', minimum: 1, description: 'rows' },
    });
    assert.deepEqual(spec.tags, ['b', 'a']);
    assert.equal(spec.description, 'An ETL');
    assert.equal(spec.doc, null);
    // Plain JSON: nothing is lost through a JSON round trip.
    assert.deepEqual(JSON.parse(JSON.stringify(spec)), spec);
  });

  test('tasks: topological order, edges, groups, kinds, sensors, options', () => {
    const spec = serializeDag(buildEtl(), '/dags/etl.ts');
    assert.deepEqual(spec.tasks.map((t) => t.taskId), ['wait', 'extract', 'transform', 'gate', 'load.a', 'load.b', 'end']);
    const byId = new Map(spec.tasks.map((t) => [t.taskId, t]));
    const wait = byId.get('wait')!;
    assert.equal(wait.kind, 'sensor');
    assert.equal(wait.operator, 'FileSensor');
    assert.deepEqual(wait.sensor, { mode: 'reschedule', pokeIntervalMs: 30_000, timeoutMs: 3_600_000, softFail: true, exponentialBackoff: false });
    assert.deepEqual(wait.templateFields, ['filepath']);
    const extract = byId.get('extract')!;
    assert.deepEqual([extract.kind, extract.operator, extract.sensor], ['taskflow', '@task', null]);
    assert.deepEqual(extract.upstream, ['wait']);
    assert.deepEqual(extract.downstream, ['transform']);
    assert.equal(extract.retries, 1);
    assert.equal(extract.executionTimeoutMs, 1_800_000);
    assert.deepEqual(extract.email, ['ops@example.com']);
    const gate = byId.get('gate')!;
    assert.deepEqual([gate.kind, gate.operator, gate.ignoreDownstreamTriggerRules], ['short_circuit', '@task.short_circuit', false]);
    const a = byId.get('load.a')!;
    assert.deepEqual(a.groups, ['load']);
    assert.deepEqual(a.params, { x: 1 });
    assert.deepEqual(a.templateFields, ['bashCommand', 'env', 'cwd']);
    assert.equal(byId.get('load.b')!.triggerRule, 'all_done');
    assert.equal(byId.get('end')!.retryDelayMs, 300_000);
  });

  test("priority weights follow Airflow's downstream rule (each descendant counted once)", () => {
    const d = dag({ dagId: 'weights' }, () => {
      const a = new EmptyOperator({ taskId: 'a' });
      const b = new EmptyOperator({ taskId: 'b', priorityWeight: 10 });
      const c = new EmptyOperator({ taskId: 'c' });
      const dd = new EmptyOperator({ taskId: 'd', priorityWeight: 3 });
      const lone = new EmptyOperator({ taskId: 'lone', priorityWeight: 7 });
      a.setDownstream([b, c]);
      dd.setUpstream([b, c]);
      void lone;
    });
    const weights = Object.fromEntries(serializeDag(d, '/w.ts').tasks.map((t) => [t.taskId, t.priorityWeight]));
    assert.deepEqual(weights, { a: 1 + 10 + 1 + 3, b: 13, c: 4, d: 3, lone: 7 });
  });

  test('priority weights on a large DAG (bitsets across word boundaries)', () => {
    const size = 200;
    const d = dag({ dagId: 'big' }, () => {
      let previous = new EmptyOperator({ taskId: 't0' });
      const fan = new EmptyOperator({ taskId: 'fan' });
      for (let i = 1; i < size; i++) {
        const next = new EmptyOperator({ taskId: `t${i}` });
        previous.setDownstream(next);
        if (i % 3 === 0) fan.setDownstream(next);
        previous = next;
      }
    });
    const spec = serializeDag(d, '/big.ts');
    const weights = new Map(spec.tasks.map((t) => [t.taskId, t.priorityWeight]));
    for (let i = 0; i < size; i++) assert.equal(weights.get(`t${i}`), size - i);
    assert.equal(weights.get('fan'), 1 + (size - 3));
  });

  test('deterministic: the same definition gives the same spec and hash; a change changes the hash', () => {
    const one = serializeDag(buildEtl(), '/dags/etl.ts');
    const two = serializeDag(buildEtl(), '/dags/etl.ts');
    assert.deepEqual(one, two);
    assert.equal(hashDagSpec(one), hashDagSpec(two));
    assert.match(hashDagSpec(one), /^[0-9a-f]{64}$/);
    assert.notEqual(hashDagSpec(one), hashDagSpec({ ...one, maxActiveRuns: 3 }));
    assert.notEqual(hashDagSpec(one), hashDagSpec({ ...one, fileloc: '/dags/other.ts' }));
  });

  test('the hash does not depend on key order', () => {
    assert.equal(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] }), '{"a":[{"c":2,"d":1}],"b":1}');
    const spec = serializeDag(buildEtl(), '/x.ts');
    const reordered = Object.fromEntries(Object.entries(spec).reverse()) as typeof spec;
    assert.equal(hashDagSpec(reordered), hashDagSpec(spec));
  });

  test('the same file gives the same hash in separate processes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'updraft-hash-'));
    try {
      const src = fileURLToPath(new URL('../', import.meta.url));
      const file = join(dir, 'dag.ts');
      writeFileSync(file, `
        import { dag, task, EmptyOperator } from ${JSON.stringify(join(src, 'index.ts'))};
        import { serializeDag, hashDagSpec } from ${JSON.stringify(join(src, 'core/serialize-dag.ts'))};
        const t = task('t', (x: number) => x);
        const d = dag({ dagId: 'h', schedule: '@hourly', startDate: '2024-01-01' }, () => {
          new EmptyOperator({ taskId: 'e' }).setDownstream(t(1));
        });
        process.stdout.write(hashDagSpec(serializeDag(d, '/fixed/path.ts')));
      `);
      const run = (): string => execFileSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8' });
      const first = run();
      assert.match(first, /^[0-9a-f]{64}$/);
      assert.equal(run(), first);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
