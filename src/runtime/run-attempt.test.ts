import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeXCom } from '../common/xcom-codec.js';
import type { Workload } from '../core/ports/execution-protocol.js';
import { hashDagSpec, serializeDag } from '../core/serialize-dag.js';
import { loadDagModule } from './dag-loader.js';
import { runAttempt, type RunAttemptOptions } from './run-attempt.js';
import { FakeScheduler, makeWorkload, readLog } from './test-support.js';

const DAG_SOURCE = `
import {
  dag, task, branch, shortCircuit, BashOperator, BaseOperator, SkipTaskError, FailTaskError,
  RescheduleTaskError, getContext, param, type BaseOperatorOptions, type TaskContext,
} from 'updraft';

class Echo extends BaseOperator<unknown> {
  override readonly templateFields = ['payload'];
  payload: unknown;
  constructor(options: BaseOperatorOptions & { payload: unknown }) {
    super(options, ['payload']);
    this.payload = options.payload;
  }
  execute(): unknown {
    return this.payload;
  }
}

export default dag({ dagId: 'rt', schedule: null, params: { message: 'hello', limit: param({ default: 3, type: 'integer' }) } }, () => {
  task('ret', () => ({ when: new Date('2026-01-02T03:04:05.000Z'), big: 12345678901234567890n, ds: getContext().ds }))();
  task('printer', () => {
    console.log('console says hi');
    console.error('console error says hi');
    process.stdout.write('par');
    process.stdout.write('tial\\n');
    getContext().log.info('logger line');
  })();
  task('boom', () => {
    throw new Error('kaboom');
  })();
  task('skipper', () => {
    throw new SkipTaskError('nothing to do');
  })();
  task('failer', () => {
    throw new FailTaskError('give up');
  })();
  task('resched', () => {
    throw new RescheduleTaskError(new Date('2030-01-01T00:00:00Z'));
  })();
  const pick = branch('pick', () => getContext().params.branch as string | string[] | null)();
  const left = task('left', () => 1)();
  const right = task('right', () => 2)();
  pick.setDownstream([left, right]);
  const gate = shortCircuit('gate', () => getContext().params.gate)();
  gate.setDownstream(task('after_gate', () => 1)());
  const gateDirect = shortCircuit({ taskId: 'gate_direct', ignoreDownstreamTriggerRules: false }, () => 0)();
  gateDirect.setDownstream(task('after_direct', () => 1)());
  new BashOperator({ taskId: 'templated', bashCommand: 'echo "{{ ds }} {{ params.message }} {{ var.value.k }} {{ macros.ds_add(ds, 1) }} {{ ts }} {{ ts_nodash }}"' });
  new BashOperator({ taskId: 'fn_field', bashCommand: (ctx: TaskContext) => 'echo fn ' + ctx.dsNodash });
  new BashOperator({ taskId: 'missing_var', bashCommand: 'echo {{ var.value.nope }}' });
  new BashOperator({ taskId: 'bad_template', bashCommand: 'echo {{ ds }' });
  new Echo({
    taskId: 'deep',
    params: { limit: 7 },
    payload: { a: ['{{ ds_nodash }}', 1, '{{ params.limit }}'], b: (ctx: TaskContext) => ctx.runId, c: '{{ conn.db.host }}:{{ conn.db.port }}' },
  });
  task('secret', async () => {
    const ctx = getContext();
    const conn = await ctx.services.getConnection('db');
    ctx.services.mask('my-own-secret');
    console.log('pw=' + String(conn?.password) + ' own=my-own-secret');
    throw new Error('failed with my-own-secret');
  })();
  task('puller', async () => getContext().xcomPull('ret'))();
  task('params_view', () => getContext().params)();
  task('sleeper', async () => {
    const { signal } = getContext();
    await new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, 30_000);
      signal.addEventListener('abort', () => { clearTimeout(timer); reject(signal.reason); });
    });
  })();
  task('deaf', async () => {
    await new Promise((resolve) => setTimeout(resolve, 30_000).unref());
  })();
  task('too_big', () => 'x'.repeat(20_000))();
});
`;

let dir: string;
let file: string;
const scheduler = new FakeScheduler();
scheduler.variables = { k: 'VAL' };
scheduler.connections = { db: { connId: 'db', connType: 'postgres', host: 'db.example.com', port: 5432, login: 'u', password: 'pg-secret-pw' } };

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'updraft-runtime-'));
  file = join(dir, 'rt_dag.ts');
  writeFileSync(file, DAG_SOURCE);
  writeFileSync(join(dir, 'broken.ts'), "import { dag } from 'updraft';\nthrow new Error('broken at import');\n");
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function run(taskId: string, overrides: Partial<Workload> = {}, options: Partial<RunAttemptOptions> = {}) {
  const workload = makeWorkload(dir, file, taskId, overrides);
  const result = await runAttempt(workload, scheduler.channelFor(workload), {
    signal: new AbortController().signal, captureProcessOutput: false, ...options,
  });
  return { ...result, workload, log: readLog(workload) };
}

function xcom(taskId: string, key = 'return_value', runId = 'manual__2026-01-01T00:00:00+00:00'): unknown {
  const text = scheduler.xcoms.get(`${runId}/${taskId}/${key}`);
  return text === undefined ? undefined : decodeXCom(text);
}

describe('runAttempt', () => {
  it('succeeds and pushes the return value; Date and bigint survive the codec', async () => {
    const { outcome, durationMs, log } = await run('ret');
    assert.deepEqual(outcome, { state: 'success' });
    assert.ok(durationMs >= 0);
    assert.deepEqual(xcom('ret'), { when: new Date('2026-01-02T03:04:05.000Z'), big: 12345678901234567890n, ds: '2026-01-01' });
    assert.match(log, /INFO {2}\[updraft\] Attempt 1 of 2 of task ret in run manual__2026-01-01T00:00:00\+00:00 \(dag rt\)/);
    assert.match(log, /\[updraft\] Marking task as SUCCESS .* after /);
    // Another task pulls it back through the channel.
    assert.deepEqual((await run('puller')).outcome, { state: 'success' });
    assert.deepEqual(xcom('puller'), xcom('ret'));
  });

  it('captures console.* and process.stdout/stderr writes into the log, then restores them', async () => {
    const originalWrite = process.stdout.write;
    const { outcome, log } = await run('printer', {}, { captureProcessOutput: true });
    assert.equal(process.stdout.write, originalWrite);
    assert.deepEqual(outcome, { state: 'success' });
    assert.match(log, /INFO {2}\[stdout\] console says hi\n/);
    assert.match(log, /WARN {2}\[stderr\] console error says hi\n/);
    assert.match(log, /INFO {2}\[stdout\] partial\n/);
    assert.match(log, /INFO {2}\[task\] logger line\n/);
  });

  it('tees log lines as they are written', async () => {
    const lines: string[] = [];
    await run('ret', { runId: 'tee_run' }, { tee: (line) => lines.push(line) });
    assert.match(lines[0] ?? '', /\[updraft\] Attempt 1 of 2 of task ret/);
    assert.match(lines.at(-1) ?? '', /Marking task as SUCCESS/);
  });

  it('a thrown error fails the attempt, retryable, with the stack in the log', async () => {
    const { outcome, log } = await run('boom');
    assert.equal(outcome.state, 'failed');
    assert.ok(outcome.state === 'failed');
    assert.equal(outcome.retryable, true);
    assert.equal(outcome.error.message, 'kaboom');
    assert.equal(outcome.error.name, 'Error');
    assert.equal(outcome.error.code, 'UPDRAFT_ERR_TASK_FAILED');
    assert.match(outcome.error.stack ?? '', /rt_dag\.ts:\d+:\d+/);
    assert.match(log, /ERROR \[updraft\] Task failed: Error: kaboom\n/);
    assert.match(log, /ERROR \[updraft\] +at .*rt_dag\.ts:\d+:\d+/);
    assert.match(log, /Marking task as FAILED .* \(it will be retried\): kaboom/);
  });

  it('maps SkipTaskError, FailTaskError and RescheduleTaskError', async () => {
    assert.deepEqual((await run('skipper')).outcome, { state: 'skipped', reason: 'nothing to do' });
    const failed = (await run('failer')).outcome;
    assert.ok(failed.state === 'failed');
    assert.equal(failed.retryable, false);
    assert.equal(failed.error.code, 'UPDRAFT_ERR_TASK_FAIL_NO_RETRY');
    assert.deepEqual((await run('resched')).outcome, { state: 'up_for_reschedule', rescheduleAt: '2030-01-01T00:00:00.000Z' });
  });

  it('branch: follows the returned direct downstream ids; null follows none; another id fails listing the allowed ones', async () => {
    assert.deepEqual((await run('pick', { conf: { branch: 'left' } })).outcome, { state: 'success', followTaskIds: ['left'] });
    assert.deepEqual((await run('pick', { conf: { branch: ['right', 'left', 'right'] } })).outcome, { state: 'success', followTaskIds: ['right', 'left'] });
    assert.deepEqual((await run('pick', { conf: { branch: null } })).outcome, { state: 'success', followTaskIds: [] });
    const bad = (await run('pick', { conf: { branch: 'after_gate' } })).outcome;
    assert.ok(bad.state === 'failed');
    assert.match(bad.error.message, /returned "after_gate", which is not one of its direct downstream tasks; its direct downstream tasks are "left", "right"/);
    const unknown = (await run('pick', { conf: { branch: 'nope' } })).outcome;
    assert.ok(unknown.state === 'failed');
    assert.match(unknown.error.message, /"nope"/);
  });

  it('short circuit: a falsy result skips all downstream tasks, or only direct ones', async () => {
    assert.deepEqual((await run('gate', { conf: { gate: 0 } })).outcome, { state: 'success', skipDownstream: 'all' });
    assert.deepEqual((await run('gate', { conf: { gate: 'yes' } })).outcome, { state: 'success' });
    assert.deepEqual((await run('gate_direct')).outcome, { state: 'success', skipDownstream: 'direct' });
  });

  it('renders templates with Airflow names, variables and macros', async () => {
    const { outcome, log } = await run('templated');
    assert.deepEqual(outcome, { state: 'success' });
    const expected = '2026-01-01 hello VAL 2026-01-02 2026-01-01T00:00:00+00:00 20260101T000000';
    assert.equal(xcom('templated'), expected);
    assert.ok(log.includes(`Running bash command: echo "${expected}"`), log);
  });

  it('calls function fields with the context, renders nested values, and restores the unrendered fields', async () => {
    assert.deepEqual((await run('fn_field')).outcome, { state: 'success' });
    assert.equal(xcom('fn_field'), 'fn 20260101');
    assert.deepEqual((await run('deep')).outcome, { state: 'success' });
    assert.deepEqual(xcom('deep'), { a: ['20260101', 1, '7'], b: 'manual__2026-01-01T00:00:00+00:00', c: 'db.example.com:5432' });
    // Same cached DAG module, another run: rendered again from the templates.
    const runId = 'scheduled__2026-03-05T00:00:00+00:00';
    await run('deep', { runId, logicalDate: '2026-03-05T00:00:00.000Z' });
    assert.deepEqual(xcom('deep', 'return_value', runId), { a: ['20260305', 1, '7'], b: runId, c: 'db.example.com:5432' });
  });

  it('params: DAG defaults < task params < run conf', async () => {
    await run('params_view', { runId: 'p1' });
    assert.deepEqual(xcom('params_view', 'return_value', 'p1'), { message: 'hello', limit: 3 });
    await run('params_view', { runId: 'p2', conf: { limit: 9, extra: true } });
    assert.deepEqual(xcom('params_view', 'return_value', 'p2'), { message: 'hello', limit: 9, extra: true });
    const invalid = (await run('params_view', { runId: 'p3', conf: { limit: 'many' } })).outcome;
    assert.ok(invalid.state === 'failed');
    assert.equal(invalid.error.code, 'UPDRAFT_ERR_PARAMS_INVALID');
  });

  it('a missing variable is a template error naming the variable and the field', async () => {
    const { outcome } = await run('missing_var');
    assert.ok(outcome.state === 'failed');
    assert.equal(outcome.error.code, 'UPDRAFT_ERR_TEMPLATE');
    assert.match(outcome.error.message, /field "bashCommand" of task missing_var uses variable "nope", which does not exist/);
  });

  it('a template syntax error names the field and the template', async () => {
    const { outcome } = await run('bad_template');
    assert.ok(outcome.state === 'failed');
    assert.equal(outcome.error.code, 'UPDRAFT_ERR_TEMPLATE');
    assert.match(outcome.error.message, /field "bashCommand" of task bad_template has a syntax error: .*template: "echo \{\{ ds \}"/);
  });

  it('masks connection passwords and registered secrets in the log and the outcome', async () => {
    const { outcome, log } = await run('secret', {}, { captureProcessOutput: true });
    assert.ok(outcome.state === 'failed');
    assert.equal(log.includes('pg-secret-pw'), false, log);
    assert.equal(log.includes('my-own-secret'), false, log);
    assert.match(log, /\[stdout\] pw=\*\*\* own=\*\*\*/);
    assert.equal(outcome.error.message, 'failed with ***');
    assert.equal(outcome.error.stack?.includes('my-own-secret'), false);
  });

  it('an XCom push the scheduler refuses fails the attempt', async () => {
    const { outcome } = await run('too_big');
    assert.ok(outcome.state === 'failed');
    assert.equal(outcome.error.code, 'UPDRAFT_ERR_XCOM_TOO_LARGE');
  });

  it('a task missing from the DAG fails without retry; so does a DAG missing from the file', async () => {
    const missingTask = (await run('ghost')).outcome;
    assert.ok(missingTask.state === 'failed');
    assert.equal(missingTask.retryable, false);
    assert.equal(missingTask.error.code, 'UPDRAFT_ERR_TASK_NOT_FOUND');
    assert.match(missingTask.error.message, /DAG "rt" has no task "ghost"/);
    const missingDag = (await run('ret', { dagId: 'other' })).outcome;
    assert.ok(missingDag.state === 'failed');
    assert.equal(missingDag.retryable, false);
    assert.equal(missingDag.error.code, 'UPDRAFT_ERR_DAG_NOT_FOUND');
    assert.match(missingDag.error.message, /does not define DAG "other" any more; it defines "rt"/);
  });

  it('a DAG file that fails to import fails the attempt (retryable) with the cause', async () => {
    const { outcome, log } = await run('ret', { fileloc: join(dir, 'broken.ts') });
    assert.ok(outcome.state === 'failed');
    assert.equal(outcome.retryable, true);
    assert.equal(outcome.error.code, 'UPDRAFT_ERR_DAG_IMPORT');
    assert.match(outcome.error.message, /broken\.ts could not be imported: broken at import \(at .*broken\.ts:2:7\)/);
    assert.match(log, /The DAG file could not be imported/);
  });

  it('an abort ends the attempt failed with the reason, also when the task ignores the signal', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const stopped = await run('sleeper', {}, { signal: controller.signal });
    assert.ok(stopped.outcome.state === 'failed');
    assert.equal(stopped.outcome.error.code, 'UPDRAFT_ERR_SHUTDOWN');
    const deaf = new AbortController();
    setTimeout(() => deaf.abort(new Error('custom reason')), 100);
    const ignored = await run('deaf', {}, { signal: deaf.signal, abortGraceMs: 100 });
    assert.ok(ignored.outcome.state === 'failed');
    assert.equal(ignored.outcome.error.message, 'custom reason');
    assert.equal(ignored.outcome.retryable, true);
  });

  it('warns in the log when the DAG file changed since the run was created', async () => {
    const [dag] = await loadDagModule(file);
    const hash = hashDagSpec(serializeDag(dag!, file));
    const same = await run('ret', { runId: 'v1', dagVersionHash: hash });
    assert.equal(same.log.includes('DAG file changed'), false);
    const changed = await run('ret', { runId: 'v2', dagVersionHash: 'f'.repeat(64) });
    assert.deepEqual(changed.outcome, { state: 'success' });
    assert.match(changed.log, /WARN {2}\[updraft\] The DAG file changed since this run was created \(DAG version ffffffffffff then, [0-9a-f]{12} now\)/);
  });

  it('trusts the scheduler\'s word that the file was parsed into this version, unless the file changed after that parse', async () => {
    const mtime = statSync(file).mtimeMs;
    // The hash is wrong on purpose: with the file untouched since the parse, it is not recomputed.
    const trusted = await run('ret', { runId: 'v3', dagVersionHash: 'e'.repeat(64), dagFileParsedAt: new Date(mtime + 1000).toISOString() });
    assert.equal(trusted.log.includes('DAG file changed'), false);
    const modified = await run('ret', { runId: 'v4', dagVersionHash: 'e'.repeat(64), dagFileParsedAt: new Date(mtime - 1000).toISOString() });
    assert.match(modified.log, /The DAG file changed since this run was created \(DAG version eeeeeeeeeeee then/);
  });

  it('an unwritable log path fails the attempt without throwing', async () => {
    const blocker = join(dir, 'not-a-dir');
    writeFileSync(blocker, '');
    const workload = makeWorkload(dir, file, 'ret', { logPath: join(blocker, 'attempt=1.log') });
    const { outcome } = await runAttempt(workload, scheduler.channelFor(workload), { signal: new AbortController().signal, captureProcessOutput: false });
    assert.ok(outcome.state === 'failed');
    assert.match(outcome.error.message, /could not open the log file/);
  });
});
