import { test, describe } from 'node:test';
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isUpdraftError } from '../common/errors.js';
import { SkipTaskError } from './control-flow.js';
import { dag } from './dag.js';
import { BashOperator, type BashOperatorOptions } from './operators/bash-operator.js';
import { makeTestContext } from './testing.js';

function bash(options: Omit<BashOperatorOptions, 'taskId'>): BashOperator {
  let op: BashOperator | undefined;
  dag({ dagId: 'bash' }, () => { op = new BashOperator({ taskId: 'run', ...options }); });
  return op!;
}

/** Alive and not a zombie (an orphan may wait a moment for its reaper). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

describe('BashOperator', () => {
  test('logs every line, returns the last non-empty stdout line, keeps UTF-8', async () => {
    const op = bash({ bashCommand: 'echo first; echo "oops" >&2; echo "한국어 텍스트"; echo ""' });
    const ctx = makeTestContext();
    const result = await op.execute(ctx);
    assert.equal(result, '한국어 텍스트');
    const messages = ctx.logLines.map((l) => l.message);
    for (const line of ['first', 'oops', '한국어 텍스트']) assert.ok(messages.includes(line), `missing ${line} in ${JSON.stringify(messages)}`);
  });

  test('no output returns undefined', async () => {
    assert.equal(await bash({ bashCommand: 'true' }).execute(makeTestContext()), undefined);
  });

  test('exit code 99 skips the task', async () => {
    await assert.rejects(bash({ bashCommand: 'echo skipping; exit 99' }).execute(makeTestContext()), (e: unknown) => {
      assert.ok(e instanceof SkipTaskError);
      assert.ok(isUpdraftError(e, 'UPDRAFT_ERR_TASK_SKIPPED'));
      return true;
    });
  });

  test('another non-zero exit code fails with the code', async () => {
    await assert.rejects(bash({ bashCommand: 'exit 3' }).execute(makeTestContext()),
      { message: 'Bash command failed. The command returned a non-zero exit code 3.' });
  });

  test('env replaces the environment unless appendEnv; context variables are added', async () => {
    process.env.UPDRAFT_TEST_OUTER = 'outer';
    try {
      const replaced = await bash({ bashCommand: 'echo "${UPDRAFT_TEST_OUTER:-unset}-$MINE-$UPDRAFT_CTX_DAG_ID"', env: { MINE: 'mine' } })
        .execute(makeTestContext({ dagId: 'd1' }));
      assert.equal(replaced, 'unset-mine-d1');
      const appended = await bash({ bashCommand: 'echo "$UPDRAFT_TEST_OUTER-$MINE"', env: { MINE: 'mine' }, appendEnv: true })
        .execute(makeTestContext());
      assert.equal(appended, 'outer-mine');
      const inherited = await bash({ bashCommand: 'echo "$UPDRAFT_TEST_OUTER"' }).execute(makeTestContext());
      assert.equal(inherited, 'outer');
    } finally {
      delete process.env.UPDRAFT_TEST_OUTER;
    }
  });

  test('cwd and template functions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'updraft-bash-'));
    try {
      const op = bash({ bashCommand: (ctx) => `echo ${ctx.ds} && pwd`, cwd: () => dir, env: { X: (ctx) => ctx.dsNodash } });
      assert.equal(await op.execute(makeTestContext({ logicalDate: new Date('2024-03-04T00:00:00Z') })), dir);
      assert.deepEqual(op.templateFields, ['bashCommand', 'env', 'cwd']);
      await assert.rejects(bash({ bashCommand: 'true', cwd: join(dir, 'missing') }).execute(makeTestContext()),
        /cwd ".*missing" of run is not an existing directory/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('rejects a missing or empty command', () => {
    assert.throws(() => bash({ bashCommand: '' }), /bashCommand: ""; it must be a non-empty string/);
    assert.throws(() => bash({ bashCommand: 'true', envv: {} } as never), /unknown option "envv" \(did you mean "env"\?\)/);
  });

  test('abort kills the whole process group', { timeout: 20_000 }, async () => {
    // The child's output is redirected so that bash's end alone closes the pipes: only a kill of
    // the whole group stops the sleep.
    const op = bash({ bashCommand: 'sleep 30 >/dev/null 2>&1 & echo "child=$!"; wait' });
    const ctx = makeTestContext();
    const running = op.execute(ctx);
    let childPid: number | undefined;
    for (let i = 0; i < 500 && childPid === undefined; i++) {
      const line = ctx.logLines.find((l) => l.message.startsWith('child='));
      if (line !== undefined) childPid = Number(line.message.slice('child='.length));
      else await sleep(10);
    }
    assert.ok(childPid !== undefined && childPid > 0, 'the command printed its child pid');
    assert.ok(alive(childPid));
    ctx.abort(new Error('attempt timed out'));
    await assert.rejects(running, /attempt timed out/);
    for (let i = 0; i < 300 && alive(childPid); i++) await sleep(10);
    assert.equal(alive(childPid), false, `sleep (pid ${childPid}) is still running`);
  });

  test('an already aborted signal does not start the command', async () => {
    const ctx = makeTestContext();
    ctx.abort(new Error('stopped'));
    await assert.rejects(bash({ bashCommand: 'echo never' }).execute(ctx), /stopped/);
    assert.equal(ctx.logLines.some((l) => l.message === 'never'), false);
  });
});
