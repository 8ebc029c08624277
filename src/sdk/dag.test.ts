import { test, describe } from 'node:test';
import { strict as assert } from 'node:assert';
import { isUpdraftError, type ErrorCode } from '../common/errors.js';
import { dag, isDag } from './dag.js';
import { EmptyOperator } from './operators/empty-operator.js';
import { BashOperator } from './operators/bash-operator.js';
import { param } from './params.js';
import { task } from './taskflow.js';
import { chain } from './dependencies.js';

function throwsCode(fn: () => unknown, code: ErrorCode, message?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(isUpdraftError(error, code), `expected ${code}, got ${String(error)}`);
    if (message !== undefined) assert.match((error as Error).message, message);
    return true;
  });
}

const noop = (): void => undefined;

describe('dag() options', () => {
  test('defaults are resolved and frozen', () => {
    const d = dag({ dagId: 'defaults' }, noop);
    assert.equal(d.dagId, 'defaults');
    assert.deepEqual(d.resolved.schedule, { kind: 'none' });
    assert.equal(d.resolved.timezone, 'UTC');
    assert.equal(d.resolved.catchup, false);
    assert.equal(d.resolved.maxActiveRuns, 16);
    assert.equal(d.resolved.maxActiveTasks, 16);
    assert.equal(d.resolved.dagrunTimeoutMs, null);
    assert.equal(d.resolved.startDate, null);
    assert.deepEqual(d.resolved.tags, []);
    assert.ok(Object.isFrozen(d.resolved));
    assert.ok(Object.isFrozen(d));
    assert.ok(isDag(d));
    assert.equal(isDag({ dagId: 'x' }), false);
  });

  test('schedules: cron, presets, durations, null', () => {
    assert.deepEqual(dag({ dagId: 'a', schedule: '*/5 * * * *' }, noop).resolved.schedule, { kind: 'cron', expression: '*/5 * * * *' });
    assert.deepEqual(dag({ dagId: 'b', schedule: '@daily' }, noop).resolved.schedule, { kind: 'cron', expression: '0 0 * * *', preset: '@daily' });
    assert.deepEqual(dag({ dagId: 'c', schedule: '@once' }, noop).resolved.schedule, { kind: 'once' });
    assert.deepEqual(dag({ dagId: 'd', schedule: '6h' }, noop).resolved.schedule, { kind: 'delta', everyMs: 6 * 3_600_000, text: '6h' });
    assert.deepEqual(dag({ dagId: 'e', schedule: '1d' }, noop).resolved.schedule, { kind: 'delta', everyMs: 86_400_000, text: '1d' });
    assert.deepEqual(dag({ dagId: 'f', schedule: null }, noop).resolved.schedule, { kind: 'none' });
    for (const preset of ['@hourly', '@weekly', '@monthly', '@quarterly', '@yearly']) {
      assert.equal(dag({ dagId: 'p', schedule: preset }, noop).resolved.schedule.kind, 'cron');
    }
  });

  test('invalid schedules are rejected with what is allowed', () => {
    throwsCode(() => dag({ dagId: 'x', schedule: '61 * * * *' }, noop), 'UPDRAFT_ERR_INVALID_SCHEDULE', /"61 \* \* \* \*".*5-field cron/);
    throwsCode(() => dag({ dagId: 'x', schedule: '0 0 * * * *' }, noop), 'UPDRAFT_ERR_INVALID_SCHEDULE', /6 fields \(seconds are not supported\)/);
    throwsCode(() => dag({ dagId: 'x', schedule: '@fortnightly' }, noop), 'UPDRAFT_ERR_INVALID_SCHEDULE', /not a known preset.*@daily/);
    throwsCode(() => dag({ dagId: 'x', schedule: 'daily' }, noop), 'UPDRAFT_ERR_INVALID_SCHEDULE');
    throwsCode(() => dag({ dagId: 'x', schedule: '0 0 30 2 *' }, noop), 'UPDRAFT_ERR_INVALID_SCHEDULE', /never matches/);
    throwsCode(() => dag({ dagId: 'x', schedule: 5 as unknown as string }, noop), 'UPDRAFT_ERR_INVALID_SCHEDULE');
  });

  test('dates: ISO strings, Dates, naive dates in the DAG time zone', () => {
    const utc = dag({ dagId: 'a', startDate: '2024-01-01', endDate: new Date('2024-06-01T00:00:00Z') }, noop);
    assert.equal(utc.resolved.startDate?.toISOString(), '2024-01-01T00:00:00.000Z');
    assert.equal(utc.resolved.endDate?.toISOString(), '2024-06-01T00:00:00.000Z');
    const seoul = dag({ dagId: 'b', startDate: '2024-01-01T09:30', timezone: 'Asia/Seoul' }, noop);
    assert.equal(seoul.resolved.startDate?.toISOString(), '2024-01-01T00:30:00.000Z');
    const paris = dag({ dagId: 'c', startDate: '2024-07-01', timezone: 'Europe/Paris' }, noop);
    assert.equal(paris.resolved.startDate?.toISOString(), '2024-06-30T22:00:00.000Z');
    const offset = dag({ dagId: 'd', startDate: '2024-01-01T00:00:00+09:00', timezone: 'Europe/Paris' }, noop);
    assert.equal(offset.resolved.startDate?.toISOString(), '2023-12-31T15:00:00.000Z');
  });

  test('invalid dates, time zones and date order are rejected', () => {
    throwsCode(() => dag({ dagId: 'x', startDate: '2024-02-30' }, noop), 'UPDRAFT_ERR_INVALID_DAG', /startDate "2024-02-30" is not a valid date/);
    throwsCode(() => dag({ dagId: 'x', startDate: 'yesterday' }, noop), 'UPDRAFT_ERR_INVALID_DAG', /ISO-8601/);
    throwsCode(() => dag({ dagId: 'x', startDate: new Date('nope') }, noop), 'UPDRAFT_ERR_INVALID_DAG');
    throwsCode(() => dag({ dagId: 'x', timezone: 'Mars/Olympus' }, noop), 'UPDRAFT_ERR_INVALID_DAG', /"Mars\/Olympus" is not a known IANA time zone/);
    throwsCode(() => dag({ dagId: 'x', startDate: '2024-02-01', endDate: '2024-01-01' }, noop), 'UPDRAFT_ERR_INVALID_DAG', /before startDate/);
  });

  test('durations must not be bare numbers', () => {
    throwsCode(() => dag({ dagId: 'x', dagrunTimeout: 60 as unknown as string }, noop), 'UPDRAFT_ERR_INVALID_DURATION', /bare number 60/);
    assert.equal(dag({ dagId: 'x', dagrunTimeout: { hours: 2 } }, noop).resolved.dagrunTimeoutMs, 7_200_000);
    throwsCode(() => dag({ dagId: 'x', defaultArgs: { retryDelay: 300 as unknown as string } }, noop), 'UPDRAFT_ERR_INVALID_DURATION', /retryDelay is the bare number 300/);
    throwsCode(() => dag({ dagId: 'x' }, () => {
      new EmptyOperator({ taskId: 't', executionTimeout: 10 as unknown as string });
    }), 'UPDRAFT_ERR_INVALID_DURATION', /executionTimeout is the bare number 10/);
  });

  test('unknown option keys name the key, the closest one and the allowed ones', () => {
    throwsCode(() => dag({ dagId: 'x', schedul: '@daily' } as never, noop), 'UPDRAFT_ERR_INVALID_DAG',
      /unknown option "schedul" \(did you mean "schedule"\?\); allowed options are dagId, schedule/);
    throwsCode(() => dag({ dagId: 'x', defaultArgs: { retires: 1 } as never }, noop), 'UPDRAFT_ERR_INVALID_DAG', /"retires" \(did you mean "retries"\?\)/);
    throwsCode(() => dag({ dagId: 'x', defaultArgs: { taskId: 'a' } as never }, noop), 'UPDRAFT_ERR_INVALID_DAG', /taskId is not allowed in defaultArgs/);
    throwsCode(() => dag({ dagId: 'x' }, () => {
      new EmptyOperator({ taskId: 't', pol: 'x' } as never);
    }), 'UPDRAFT_ERR_INVALID_DAG', /Task "t" \(EmptyOperator\) in DAG "x" has the unknown option "pol" \(did you mean "pool"\?\)/);
  });

  test('other option values are checked', () => {
    throwsCode(() => dag({ dagId: 'x', maxActiveRuns: 0 }, noop), 'UPDRAFT_ERR_INVALID_DAG', /maxActiveRuns must be a positive integer/);
    throwsCode(() => dag({ dagId: 'x', catchup: 'yes' as never }, noop), 'UPDRAFT_ERR_INVALID_DAG', /catchup/);
    throwsCode(() => dag({ dagId: 'x', tags: ['ok', ''] }, noop), 'UPDRAFT_ERR_INVALID_DAG', /tags/);
    throwsCode(() => dag({ dagId: 'x', defaultArgs: { retries: -1 } }, noop), 'UPDRAFT_ERR_INVALID_DAG', /retries: -1; retries must be an integer from 0/);
    throwsCode(() => dag({ dagId: 'x', defaultArgs: { email: 'nobody' } }, noop), 'UPDRAFT_ERR_INVALID_DAG', /not an email address/);
  });

  test('ids: letters, digits, _.- and at most 250 characters', () => {
    throwsCode(() => dag({ dagId: 'my dag' }, noop), 'UPDRAFT_ERR_INVALID_ID', /DAG id "my dag" contains " "/);
    throwsCode(() => dag({ dagId: 'a'.repeat(251) }, noop), 'UPDRAFT_ERR_INVALID_ID', /251 characters long; at most 250/);
    throwsCode(() => dag({ dagId: '' }, noop), 'UPDRAFT_ERR_INVALID_ID');
    assert.equal(dag({ dagId: 'a'.repeat(250) }, noop).dagId.length, 250);
    throwsCode(() => dag({ dagId: 'x' }, () => { new EmptyOperator({ taskId: 'bad/id' }); }), 'UPDRAFT_ERR_INVALID_ID', /"bad\/id" contains "\/"/);
    assert.ok(dag({ dagId: 'ok-1.2_x' }, () => { new EmptyOperator({ taskId: 'T-1.a_b' }); }).hasTask('T-1.a_b'));
  });

  test('params: plain values and param() specs; bad defaults are rejected', () => {
    const d = dag({ dagId: 'p', params: { bucket: 'logs', limit: param({ default: 10, type: 'integer', minimum: 1 }), cfg: { a: [1] } } }, noop);
    assert.deepEqual({ ...d.resolved.params }, {
      bucket: { default: 'logs' }, limit: { default: 10, type: 'integer', minimum: 1 }, cfg: { default: { a: [1] } },
    });
    throwsCode(() => param({ default: 0, type: 'integer', minimum: 1 }), 'UPDRAFT_ERR_INVALID_DAG', /default 0 is below the minimum 1/);
    throwsCode(() => param({ type: 'text' as never }), 'UPDRAFT_ERR_INVALID_DAG', /allowed types are string, number/);
    throwsCode(() => param({ pattern: '(' }), 'UPDRAFT_ERR_INVALID_DAG', /not a valid regular expression/);
    throwsCode(() => dag({ dagId: 'p', params: { when: new Date() } }, noop), 'UPDRAFT_ERR_INVALID_DAG', /params must be plain JSON/);
  });
});

describe('dag() body', () => {
  test('a task created outside a dag body is rejected', () => {
    throwsCode(() => new EmptyOperator({ taskId: 'lonely' }), 'UPDRAFT_ERR_TASK_OUTSIDE_DAG', /EmptyOperator with taskId "lonely" was created outside a dag\(\) body/);
    const fn = task('orphan', () => 1);
    throwsCode(() => fn(), 'UPDRAFT_ERR_TASK_OUTSIDE_DAG', /Task "orphan" \(@task\) was created outside/);
  });

  test('an async body is rejected', () => {
    throwsCode(() => dag({ dagId: 'async' }, (async () => { new EmptyOperator({ taskId: 'a' }); }) as () => void),
      'UPDRAFT_ERR_INVALID_DAG', /body returned a Promise; the body must be synchronous/);
    // The stack is clean afterwards.
    throwsCode(() => new EmptyOperator({ taskId: 'after' }), 'UPDRAFT_ERR_TASK_OUTSIDE_DAG');
  });

  test('a body that throws leaves no DAG current', () => {
    assert.throws(() => dag({ dagId: 'boom' }, () => { throw new Error('boom'); }), /boom/);
    throwsCode(() => new EmptyOperator({ taskId: 'after' }), 'UPDRAFT_ERR_TASK_OUTSIDE_DAG');
  });

  test('nested dag() bodies register tasks with the innermost DAG', () => {
    let inner: ReturnType<typeof dag> | undefined;
    const outer = dag({ dagId: 'outer' }, () => {
      new EmptyOperator({ taskId: 'o' });
      inner = dag({ dagId: 'inner' }, () => { new EmptyOperator({ taskId: 'i' }); });
    });
    assert.deepEqual([...outer.tasks.keys()], ['o']);
    assert.deepEqual([...inner!.tasks.keys()], ['i']);
  });

  test('duplicate task ids are rejected at creation', () => {
    throwsCode(() => dag({ dagId: 'dup' }, () => {
      new EmptyOperator({ taskId: 'a' });
      new BashOperator({ taskId: 'a', bashCommand: 'true' });
    }), 'UPDRAFT_ERR_DUPLICATE_TASK', /DAG "dup" already has a task with id "a"/);
  });

  test('unknown trigger rules list the allowed ones', () => {
    throwsCode(() => dag({ dagId: 'tr' }, () => {
      new EmptyOperator({ taskId: 'a', triggerRule: 'all_sucess' as never });
    }), 'UPDRAFT_ERR_UNKNOWN_TRIGGER_RULE', /unknown trigger rule "all_sucess"; allowed trigger rules are all_success, all_failed, all_done, all_skipped, one_success, one_failed, one_done, none_failed, none_failed_min_one_success, none_skipped, always/);
    throwsCode(() => dag({ dagId: 'tr', defaultArgs: { triggerRule: 'sometimes' as never } }, noop), 'UPDRAFT_ERR_UNKNOWN_TRIGGER_RULE');
  });

  test('cycles are rejected, naming the cycle', () => {
    throwsCode(() => dag({ dagId: 'cyc' }, () => {
      const a = new EmptyOperator({ taskId: 'a' });
      const b = new EmptyOperator({ taskId: 'b' });
      const c = new EmptyOperator({ taskId: 'c' });
      const d = new EmptyOperator({ taskId: 'd' });
      d.setDownstream(a);
      chain(a, b, c, a);
    }), 'UPDRAFT_ERR_DAG_CYCLE', /DAG "cyc" has a cycle: a -> b -> c -> a/);
    throwsCode(() => dag({ dagId: 'self' }, () => {
      const a = new EmptyOperator({ taskId: 'a' });
      a.setDownstream(a);
    }), 'UPDRAFT_ERR_DAG_CYCLE', /a -> a/);
  });

  test('a deep chain does not overflow the stack', () => {
    const d = dag({ dagId: 'deep' }, () => {
      let previous = new EmptyOperator({ taskId: 't0' });
      for (let i = 1; i < 20_000; i++) {
        const next = new EmptyOperator({ taskId: `t${i}` });
        previous.setDownstream(next);
        previous = next;
      }
    });
    assert.equal(d.tasks.size, 20_000);
  });

  test('defaultArgs are merged under task options; params merge key by key', () => {
    const d = dag({
      dagId: 'merge',
      defaultArgs: { owner: 'data', retries: 2, retryDelay: '1m', pool: 'etl', params: { a: 1, b: 2 }, email: 'ops@example.com' },
    }, () => {
      new EmptyOperator({ taskId: 'plain' });
      new EmptyOperator({ taskId: 'custom', retries: 0, retryDelay: { seconds: 30 }, params: { b: 3, c: 4 } });
    });
    const plain = d.getTask('plain').resolved;
    assert.equal(plain.owner, 'data');
    assert.equal(plain.retries, 2);
    assert.equal(plain.retryDelayMs, 60_000);
    assert.equal(plain.pool, 'etl');
    assert.deepEqual(plain.email, ['ops@example.com']);
    assert.deepEqual({ ...plain.params }, { a: 1, b: 2 });
    const custom = d.getTask('custom').resolved;
    assert.equal(custom.retries, 0);
    assert.equal(custom.retryDelayMs, 30_000);
    assert.equal(custom.owner, 'data');
    assert.deepEqual({ ...custom.params }, { a: 1, b: 3, c: 4 });
    assert.ok(Object.isFrozen(custom));
  });

  test('task option defaults', () => {
    const d = dag({ dagId: 'task_defaults' }, () => { new EmptyOperator({ taskId: 't' }); });
    assert.deepEqual({ ...d.getTask('t').resolved, email: [...d.getTask('t').resolved.email], params: { ...d.getTask('t').resolved.params } }, {
      owner: 'updraft', retries: 0, retryDelayMs: 300_000, retryExponentialBackoff: false, maxRetryDelayMs: null,
      executionTimeoutMs: null, dependsOnPast: false, triggerRule: 'all_success', pool: 'default_pool', poolSlots: 1,
      priorityWeight: 1, queue: 'default', email: [], emailOnFailure: false, emailOnRetry: false, params: {}, doc: null,
    });
  });

  test('getTask, roots and leaves', () => {
    const d = dag({ dagId: 'shape' }, () => {
      chain(new EmptyOperator({ taskId: 'start' }), [new EmptyOperator({ taskId: 'x' }), new EmptyOperator({ taskId: 'y' })]);
      new EmptyOperator({ taskId: 'alone' });
    });
    assert.deepEqual(d.roots.map((t) => t.taskId), ['start', 'alone']);
    assert.deepEqual(d.leaves.map((t) => t.taskId), ['x', 'y', 'alone']);
    assert.equal(d.getTask('x').operatorName, 'EmptyOperator');
    throwsCode(() => d.getTask('strat'), 'UPDRAFT_ERR_TASK_NOT_FOUND', /DAG "shape" has no task "strat" \(did you mean "start"\?\)/);
  });

  test('a DAG cannot be changed after dag() returns', () => {
    let a: EmptyOperator | undefined;
    let b: EmptyOperator | undefined;
    dag({ dagId: 'sealed' }, () => {
      a = new EmptyOperator({ taskId: 'a' });
      b = new EmptyOperator({ taskId: 'b' });
    });
    throwsCode(() => a!.setDownstream(b!), 'UPDRAFT_ERR_INVALID_DAG', /already complete/);
  });

  test('dependencies across DAGs are rejected', () => {
    let a: EmptyOperator | undefined;
    dag({ dagId: 'one' }, () => { a = new EmptyOperator({ taskId: 'a' }); });
    throwsCode(() => dag({ dagId: 'two' }, () => {
      new EmptyOperator({ taskId: 'b' }).setUpstream(a!);
    }), 'UPDRAFT_ERR_INVALID_DAG', /only link tasks of the same DAG/);
  });

  test('tasks are not thenable', () => {
    const d = dag({ dagId: 'thenless' }, () => {
      new EmptyOperator({ taskId: 'a' });
      task('b', () => 1)();
    });
    for (const t of d.tasks.values()) assert.equal((t as unknown as { then?: unknown }).then, undefined);
    assert.equal((d as unknown as { then?: unknown }).then, undefined);
  });
});
