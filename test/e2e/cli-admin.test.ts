// End to end: the administrative CLI commands (db, config, pause, tasks run/clear/mark, logs --follow).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { BIN, makeHome, runCli, writeDag } from '../support/cli.js';
import { openStore } from '../../src/store/open-store.js';

const TWO_STEP = `
import { BashOperator, dag } from 'updraft';
export default dag({ dagId: 'two_step', schedule: null }, () => {
  const first = new BashOperator({ taskId: 'first', bashCommand: 'echo first' });
  const second = new BashOperator({ taskId: 'second', bashCommand: 'for i in 1 2 3; do echo "tick $i"; sleep 1; done' });
  first.setDownstream(second);
});
`;

describe('administrative CLI', () => {
  const h = makeHome();
  let runId = '';
  before(async () => {
    writeDag(h.dags, 'two_step.ts', TWO_STEP);
    const trigger = await runCli(['dags', 'trigger', 'two_step', '--run-id', 'by_hand'], h.env);
    assert.equal(trigger.code, 0, trigger.stderr);
    runId = trigger.stdout.trim();
  });
  after(() => h.cleanup());

  test('db migrate is idempotent and db check reports the version; db reset needs --yes', async () => {
    const again = await runCli(['db', 'migrate'], h.env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /database is up to date \(version \d+\)/);
    const check = await runCli(['db', 'check'], h.env);
    assert.match(check.stdout, /database ok \(sqlite, version (\d+) of \1\)/);
    const reset = await runCli(['db', 'reset'], h.env);
    assert.equal(reset.code, 2);
    assert.match(reset.stderr, /pass --yes/);
  });

  test('config get-value and list show effective values and where they came from', async () => {
    const v = await runCli(['config', 'get-value', 'core', 'parallelism'], h.env);
    assert.equal(v.stdout.trim(), '4');
    const list = await runCli(['config', 'list', '--output', 'json'], { ...h.env, UPDRAFT__DATABASE__URL: 'postgresql://u:hunter22@localhost/db' });
    const rows = JSON.parse(list.stdout) as Array<{ section: string; key: string; value: string; source: string }>;
    const parallelism = rows.find((r) => r.key === 'parallelism')!;
    assert.deepEqual([parallelism.value, parallelism.source], ['4', 'env']);
    const url = rows.find((r) => r.section === 'database' && r.key === 'url')!;
    assert.equal(url.value, '***', 'sensitive values are masked');
    assert.ok(!list.stdout.includes('hunter22'));
    const unknown = await runCli(['config', 'get-value', 'core', 'paralelism'], h.env);
    assert.equal(unknown.code, 2);
  });

  test('pause and unpause', async () => {
    assert.equal((await runCli(['dags', 'pause', 'two_step'], h.env)).code, 0);
    const paused = JSON.parse((await runCli(['dags', 'list', '-o', 'json'], h.env)).stdout) as Array<{ dag_id: string; paused: boolean }>;
    assert.equal(paused.find((d) => d.dag_id === 'two_step')?.paused, true);
    assert.equal((await runCli(['dags', 'unpause', 'two_step'], h.env)).code, 0);
    const active = JSON.parse((await runCli(['dags', 'list', '-o', 'json'], h.env)).stdout) as Array<{ dag_id: string; paused: boolean }>;
    assert.equal(active.find((d) => d.dag_id === 'two_step')?.paused, false);
  });

  test('tasks run respects dependencies, runs a task instance in a worker and records it', async () => {
    const blocked = await runCli(['tasks', 'run', 'two_step', runId, 'second'], h.env);
    assert.equal(blocked.code, 2);
    assert.match(blocked.stderr, /trigger rule all_success is not met.*first=none/);
    const first = await runCli(['tasks', 'run', 'two_step', runId, 'first'], h.env);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout.trim(), 'success');
    assert.equal((await runCli(['tasks', 'state', 'two_step', 'first', runId], h.env)).stdout.trim(), 'success');
  });

  test('tasks logs --follow prints lines while the attempt runs, and returns when it ends', async () => {
    const run = runCli(['tasks', 'run', 'two_step', runId, 'second'], h.env);
    // wait (reading the database directly: CLI calls are slow on a busy machine) until the attempt runs, then follow it
    const store = await openStore(join(h.home, 'updraft.db'));
    let follow: { code: number | null; stdout: string } | null = null;
    try {
      for (let i = 0; i < 600 && follow === null; i++) {
        const ti = await store.getTaskInstance({ dagId: 'two_step', runId, taskId: 'second' });
        if (ti?.state === 'running') {
          follow = await new Promise((resolve) => {
            const child = spawn(process.execPath, [BIN, 'tasks', 'logs', 'two_step', runId, 'second', '--follow'], { env: h.env });
            let out = '';
            child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
            child.on('close', (code) => resolve({ code, stdout: out }));
          });
        } else {
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    } finally {
      await store.close();
    }
    const done = await run;
    assert.equal(done.code, 0, done.stderr);
    if (follow !== null) {
      assert.equal(follow.code, 0);
      assert.match(follow.stdout, /tick 3/, 'follow printed through the end of the attempt');
    } else {
      assert.fail('the attempt never showed as running');
    }
  });

  test('tasks mark and tasks clear', async () => {
    const mark = await runCli(['tasks', 'mark', 'two_step', runId, 'first', '--state', 'failed', '--downstream'], h.env);
    assert.equal(mark.code, 0, mark.stderr);
    assert.match(mark.stdout, /marked 2 task instance\(s\) failed/);
    const dry = await runCli(['tasks', 'clear', 'two_step', '--run-id', runId, '--only-failed', '--dry-run'], h.env);
    assert.match(dry.stdout, /would clear 2 task instance\(s\)/);
    assert.equal((await runCli(['tasks', 'state', 'two_step', 'first', runId], h.env)).stdout.trim(), 'failed');
    const clear = await runCli(['tasks', 'clear', 'two_step', '--run-id', runId, '-t', '^first$', '--downstream'], h.env);
    assert.match(clear.stdout, /cleared 2 task instance\(s\)/);
    assert.equal((await runCli(['tasks', 'state', 'two_step', 'second', runId], h.env)).stdout.trim(), 'none');
    assert.equal((await runCli(['dags', 'state', 'two_step', runId], h.env)).stdout.trim(), 'queued');
    const badRegex = await runCli(['tasks', 'clear', 'two_step', '-t', '(['], h.env);
    assert.equal(badRegex.code, 2);
    assert.match(badRegex.stderr, /not a valid regular expression/);
  });
});
