// End to end: `updraft standalone` started and stopped as a user does, triggering runs from another
// process, a worker killed mid-task and retried, backfills — on SQLite and on PostgreSQL.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, isAlive, makeHome, runCli, ServerProcess, writeDag } from '../support/cli.js';
import { postgresService } from '../support/services.js';
import { generateKey } from '../../src/connections/index.js';
import { DAILY_DAG, HELLO_DAG, KILLED_WORKER_DAG, SLOW_DAG } from './fixtures.js';

const pg = await postgresService();

for (const dialect of ['sqlite', 'postgres'] as const) {
  const skip = dialect === 'postgres' && 'skip' in pg ? pg.skip : false;
  describe(`standalone on ${dialect}`, { skip }, () => {
    const h = makeHome();
    let dropDb: (() => Promise<void>) | null = null;
    let server: ServerProcess | null = null;
    const pidFile = join(h.home, 'pids.txt');

    before(async () => {
      writeDag(h.dags, 'hello.ts', HELLO_DAG);
      writeDag(h.dags, 'killed.ts', KILLED_WORKER_DAG);
      writeDag(h.dags, 'daily.ts', DAILY_DAG);
      writeDag(h.dags, 'slow.ts', SLOW_DAG);
      writeFileSync(pidFile, '');
      h.env.UPDRAFT_TEST_PID_FILE = pidFile;
      if (dialect === 'postgres' && !('skip' in pg)) {
        const db = await pg.createDatabase('updraft_e2e');
        dropDb = db.drop;
        h.env.UPDRAFT__DATABASE__URL = db.url;
        // PostgreSQL has no generated key file: every scheduler and worker shares an explicit key.
        h.env.UPDRAFT__SECRETS__ENCRYPTION_KEY = generateKey();
        const migrate = await runCli(['db', 'migrate'], h.env);
        assert.equal(migrate.code, 0, migrate.stderr);
      }
      server = new ServerProcess(['standalone'], h.env);
      await server.waitFor(/Updraft is running: 4 DAG\(s\)/);
    });

    after(async () => {
      if (server !== null) await server.stop('SIGKILL');
      if (dropDb !== null) await dropDb();
      h.cleanup();
    });

    test('first start created UPDRAFT_HOME with a documented updraft.toml', () => {
      const toml = readFileSync(join(h.home, 'updraft.toml'), 'utf8');
      assert.match(toml, /\[core\]/);
      assert.match(toml, /# dags_folder = /);
      // SQLite without [secrets] encryption_key: standalone generates the key file (PostgreSQL gets an explicit key).
      assert.equal(existsSync(join(h.home, 'secret.key')), dialect === 'sqlite');
      if (dialect === 'sqlite') assert.equal(statSync(join(h.home, 'secret.key')).mode & 0o777, 0o600);
    });

    test('a run triggered from another process runs to success', async () => {
      const trigger = await runCli(['dags', 'trigger', 'hello', '--conf', '{"who": "standalone"}'], h.env);
      assert.equal(trigger.code, 0, trigger.stderr);
      const runId = trigger.stdout.trim();
      const state = await eventually(async () => {
        const r = await runCli(['dags', 'state', 'hello', runId], h.env);
        return ['success', 'failed'].includes(r.stdout.trim()) ? r.stdout.trim() : null;
      }, 'the hello run to finish');
      assert.equal(state, 'success', server!.output);
      const log = await runCli(['tasks', 'logs', 'hello', runId, 'echo'], h.env);
      assert.match(log.stdout, /hello standalone on \d{4}-\d\d-\d\d/);
      const shoutLog = await runCli(['tasks', 'logs', 'hello', runId, 'shout'], h.env);
      assert.match(shoutLog.stdout, /shouting updraft/, 'console.log in a task lands in its log');
    });

    test('a worker killed mid-task is detected and the task is retried to success', async () => {
      const trigger = await runCli(['dags', 'trigger', 'killed_worker'], h.env);
      const runId = trigger.stdout.trim();
      const state = await eventually(async () => {
        const r = await runCli(['dags', 'state', 'killed_worker', runId], h.env);
        return ['success', 'failed'].includes(r.stdout.trim()) ? r.stdout.trim() : null;
      }, 'the killed_worker run to finish');
      assert.equal(state, 'success', server!.output);
      const first = await runCli(['tasks', 'logs', 'killed_worker', runId, 'fragile', '--try', '1'], h.env);
      assert.match(first.stdout, /UPDRAFT_ERR_WORKER_DIED|worker.*(exited|died|signal)/i);
      const second = await runCli(['tasks', 'logs', 'killed_worker', runId, 'fragile', '--try', '2'], h.env);
      assert.match(second.stdout, /survived on try 2|success/i);
      const pids = readFileSync(pidFile, 'utf8').trim().split('\n').filter(Boolean).map(Number);
      assert.equal(pids.length, 2, 'two attempts ran');
      assert.notEqual(pids[0], pids[1], 'each attempt ran in its own worker process');
    });

    test('backfill runs every logical date in range through the scheduler and exits 0', async () => {
      const dry = await runCli(['dags', 'backfill', 'daily', '-s', '2026-02-01', '-e', '2026-02-03', '--dry-run'], h.env);
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stdout, /3 run\(s\) in range; dry run: nothing was created/);
      const r = await runCli(['dags', 'backfill', 'daily', '-s', '2026-02-01', '-e', '2026-02-03'], h.env);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /3 of 3 run\(s\) succeeded/);
      for (const day of ['2026-02-01', '2026-02-02', '2026-02-03']) {
        assert.equal((await runCli(['dags', 'state', 'daily', day], h.env)).stdout.trim(), 'success');
      }
      const again = await runCli(['dags', 'backfill', 'daily', '-s', '2026-02-01', '-e', '2026-02-03'], h.env);
      assert.equal(again.code, 0);
      const runs = await runCli(['dags', 'list-runs', 'daily', '--output', 'json'], h.env);
      const backfills = (JSON.parse(runs.stdout) as Array<{ run_type: string }>).filter((x) => x.run_type === 'backfill');
      assert.equal(backfills.length, 3, 'a second backfill of the same range creates no duplicate runs');
      const before = JSON.parse((await runCli(['dags', 'list-runs', 'daily', '--output', 'json'], h.env)).stdout) as Array<{ logical_date: string; start_date: string }>;
      const reset = await runCli(['dags', 'backfill', 'daily', '-s', '2026-02-02', '-e', '2026-02-02', '--reset-dagruns'], h.env);
      assert.equal(reset.code, 0, reset.stdout + reset.stderr);
      const afterReset = JSON.parse((await runCli(['dags', 'list-runs', 'daily', '--output', 'json'], h.env)).stdout) as Array<{ logical_date: string; start_date: string }>;
      const day = (runs: typeof before) => runs.find((r) => r.logical_date.startsWith('2026-02-02'))!.start_date;
      assert.notEqual(day(afterReset), day(before), '--reset-dagruns ran the run again from scratch');
      assert.equal(afterReset.length, before.length);
    });

    test('a backfill with a failing run exits 1; --rerun-failed reruns it', async () => {
      writeFileSync(join(h.home, 'fail-day2'), '');
      const r = await runCli(['dags', 'backfill', 'daily', '-s', '2026-01-01', '-e', '2026-01-03'], h.env);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /2 of 3 run\(s\) succeeded/);
      rmSync(join(h.home, 'fail-day2'));
      const rerun = await runCli(['dags', 'backfill', 'daily', '-s', '2026-01-01', '-e', '2026-01-03', '--rerun-failed'], h.env);
      assert.equal(rerun.code, 0, rerun.stdout + rerun.stderr);
      assert.equal((await runCli(['dags', 'state', 'daily', '2026-01-02'], h.env)).stdout.trim(), 'success');
    });

    test('SIGTERM: running tasks get the grace period, are killed with their children and marked for retry; nothing is left behind', async () => {
      const trigger = await runCli(['dags', 'trigger', 'slow'], h.env);
      const runId = trigger.stdout.trim();
      await eventually(async () => (await runCli(['tasks', 'state', 'slow', 'sleepy', runId], h.env)).stdout.trim() === 'running'
        && existsSync(`${pidFile}.bash`), 'the slow task to run');
      const pids = readFileSync(pidFile, 'utf8').trim().split('\n').filter(Boolean).map(Number);
      const bashPid = Number(readFileSync(`${pidFile}.bash`, 'utf8').trim());
      assert.ok(isAlive(bashPid));
      const code = await server!.stop('SIGTERM');
      assert.equal(code, 0, server!.output);
      assert.match(server!.output, /SIGTERM received: no new tasks; running tasks get 5000 ms/);
      assert.match(server!.output, /stopped/);
      server = null;
      assert.equal(isAlive(bashPid), false, 'the task\'s own child process was killed');
      for (const pid of pids) assert.equal(isAlive(pid), false, `worker ${pid} outlived the scheduler`);
      const state = await runCli(['tasks', 'state', 'slow', 'sleepy', runId], h.env);
      assert.equal(state.stdout.trim(), 'up_for_retry', 'an interrupted attempt is marked for retry (it does not use up a retry)');
      const log = await runCli(['tasks', 'logs', 'slow', runId, 'sleepy'], h.env);
      assert.match(log.stdout, /attempt was interrupted|UPDRAFT_ERR_SHUTDOWN/);
    });
  });
}
