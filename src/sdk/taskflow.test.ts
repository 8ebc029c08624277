import { test, describe } from 'node:test';
import { strict as assert } from 'node:assert';
import { isUpdraftError } from '../common/errors.js';
import { getContext, runWithContext } from './context.js';
import { dag } from './dag.js';
import { EmptyOperator } from './operators/empty-operator.js';
import { BashOperator } from './operators/bash-operator.js';
import { branch, shortCircuit, task, TaskFlowOperator } from './taskflow.js';
import { taskGroup } from './task-group.js';
import { makeTestContext } from './testing.js';
import { isXComArg, type XComArg } from './xcom-arg.js';

const ids = (set: ReadonlySet<string>): string[] => [...set].sort();

describe('TaskFlow', () => {
  test('calls create tasks wired by their XComArg arguments', () => {
    const extract = task('extract', () => [1, 2, 3]);
    const total = task('total', (xs: number[], factor: number) => xs.reduce((a, b) => a + b, 0) * factor);
    const report = task({ taskId: 'report', retries: 3 }, (summary: { total: number; rows: number[] }) => `${summary.total}`);
    let captured: XComArg<number> | undefined;
    const d = dag({ dagId: 'tf' }, () => {
      const rows = extract();
      captured = total(rows, 2);
      report({ total: captured, rows });
    });
    assert.ok(isXComArg(captured));
    assert.equal(captured!.taskId, 'total');
    assert.equal(captured!.key, 'return_value');
    const t = d.getTask('total');
    assert.equal(t.kind, 'taskflow');
    assert.equal(t.operatorName, '@task');
    assert.ok(t instanceof TaskFlowOperator);
    assert.deepEqual(ids(t.upstreamTaskIds), ['extract']);
    assert.deepEqual(ids(d.getTask('report').upstreamTaskIds), ['extract', 'total']);
    assert.deepEqual(ids(d.getTask('extract').downstreamTaskIds), ['report', 'total']);
    assert.equal(d.getTask('report').resolved.retries, 3);
  });

  test('calling the same task twice gives name, name__1, name__2', () => {
    const step = task('step', (n: number) => n + 1);
    const d = dag({ dagId: 'twice' }, () => {
      const a = step(0);
      const b = step(a);
      step(b);
      taskGroup('g', () => { step(1); step(2); });
    });
    assert.deepEqual([...d.tasks.keys()], ['step', 'step__1', 'step__2', 'g.step', 'g.step__1']);
    assert.deepEqual(ids(d.getTask('step__2').upstreamTaskIds), ['step__1']);
  });

  test('the function name is the default task id; override() changes options', () => {
    const load = task({ retries: 1 }, function load(x: string) { return x; });
    const d = dag({ dagId: 'named' }, () => {
      load('a');
      load.override({ taskId: 'load_eu', queue: 'eu' })('b');
    });
    assert.deepEqual([...d.tasks.keys()], ['load', 'load_eu']);
    assert.equal(d.getTask('load_eu').resolved.queue, 'eu');
    assert.equal(d.getTask('load_eu').resolved.retries, 1);
    assert.throws(() => task({}, () => 1), (e: unknown) => isUpdraftError(e, 'UPDRAFT_ERR_INVALID_ID'));
    assert.throws(() => task({ taskId: 'x', retires: 1 } as never, () => 1), /unknown option "retires" \(did you mean "retries"\?\)/);
  });

  test('execute resolves XComArgs deeply and calls the function with getContext available', async () => {
    const producer = task('producer', () => ({ when: new Date('2024-01-02T00:00:00Z'), big: 2n ** 64n }));
    const consumer = task('consumer', (value: { when: Date; big: bigint }, extras: [number, { n: number }], tag: string) => {
      const ctx = getContext();
      return `${ctx.taskId}:${tag}:${value.when.toISOString()}:${value.big}:${extras[0]}:${extras[1].n}`;
    });
    const counter = task('counter', () => 7);
    const d = dag({ dagId: 'run' }, () => {
      const c = counter();
      consumer(producer(), [c, { n: c }], 'x');
    });
    const producerCtx = makeTestContext({ taskId: 'producer' });
    const produced = await runWithContext(producerCtx, () => d.getTask('producer').execute(producerCtx));
    const ctx = makeTestContext({ taskId: 'consumer', xcoms: { producer: produced, counter: 7 } });
    const result = await runWithContext(ctx, () => d.getTask('consumer').execute(ctx));
    assert.equal(result, 'consumer:x:2024-01-02T00:00:00.000Z:18446744073709551616:7:7');
  });

  test('classic operators expose .output and xcomArg(key) for TaskFlow calls', async () => {
    const shout = task('shout', (line: string | undefined, extra: unknown) => `${line?.toUpperCase()}!${String(extra)}`);
    const d = dag({ dagId: 'output' }, () => {
      const echo = new BashOperator({ taskId: 'echo', bashCommand: 'echo hi' });
      shout(echo.output, echo.xcomArg('other'));
    });
    assert.deepEqual(ids(d.getTask('shout').upstreamTaskIds), ['echo']);
    const ctx = makeTestContext({ taskId: 'shout', xcoms: { echo: { return_value: 'hi', other: 5 } }, xcomsByKey: true });
    assert.equal(await d.getTask('shout').execute(ctx), 'HI!5');
  });

  test('an XComArg stands wherever a task can', () => {
    const a = task('a', () => 1);
    const d = dag({ dagId: 'stand' }, () => {
      const x = a();
      const e = new EmptyOperator({ taskId: 'e' });
      x.setDownstream(e);
      const f = new EmptyOperator({ taskId: 'f' });
      f.setDownstream(x);
    });
    assert.deepEqual(ids(d.getTask('a').downstreamTaskIds), ['e']);
    assert.deepEqual(ids(d.getTask('a').upstreamTaskIds), ['f']);
  });

  test('branch: kind, operator name, and the ids to follow', async () => {
    const pick = branch('pick', (n: number) => (n > 0 ? 'pos' : ['neg', 'grp']));
    const d = dag({ dagId: 'br' }, () => {
      const p = pick(1);
      p.setDownstream([new EmptyOperator({ taskId: 'pos' }), new EmptyOperator({ taskId: 'neg' })]);
      p.setDownstream(taskGroup('grp', () => {
        const first = new EmptyOperator({ taskId: 'first' });
        first.setDownstream(new EmptyOperator({ taskId: 'second' }));
      }));
    });
    const op = d.getTask('pick') as TaskFlowOperator;
    assert.equal(op.kind, 'branch');
    assert.equal(op.operatorName, '@task.branch');
    assert.deepEqual(await op.execute(makeTestContext({ taskId: 'pick' })), ['pos']);
    assert.deepEqual(op.branchTargets(['neg', 'grp']), ['neg', 'grp.first']);
    assert.deepEqual(op.branchTargets(null), []);
    assert.throws(() => op.branchTargets('nope'), (e: unknown) => isUpdraftError(e, 'UPDRAFT_ERR_INVALID_ARGUMENT')
      && /returned "nope", which is not one of its direct downstream tasks; its direct downstream tasks are "pos", "neg", "grp.first"/.test((e as Error).message));
    assert.throws(() => op.branchTargets('grp.second'), /"grp.second", which is not one of its direct downstream tasks/);
    assert.throws(() => op.branchTargets(3), /return a task id, a list of task ids, or null/);
  });

  test('shortCircuit: kind, ignoreDownstreamTriggerRules, result passed through', async () => {
    const gate = shortCircuit('gate', (open: boolean) => open);
    const directOnly = shortCircuit({ taskId: 'direct', ignoreDownstreamTriggerRules: false }, () => 0);
    const d = dag({ dagId: 'sc' }, () => {
      gate(false);
      directOnly();
    });
    const g = d.getTask('gate');
    assert.equal(g.kind, 'short_circuit');
    assert.equal(g.operatorName, '@task.short_circuit');
    assert.equal(g.ignoreDownstreamTriggerRules, true);
    assert.equal(d.getTask('direct').ignoreDownstreamTriggerRules, false);
    assert.equal(await g.execute(makeTestContext()), false);
    assert.throws(() => task({ taskId: 't', ignoreDownstreamTriggerRules: true } as never, () => 1), /unknown option "ignoreDownstreamTriggerRules"/);
  });

  test('a task function that throws rejects execute', async () => {
    const bad = task('bad', () => { throw new Error('kaput'); });
    const d = dag({ dagId: 'bad' }, () => { bad(); });
    await assert.rejects(async () => d.getTask('bad').execute(makeTestContext()), /kaput/);
  });
});
