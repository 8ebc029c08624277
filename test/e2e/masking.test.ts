// End to end: secrets never reach a task log or the CLI's output — a Bash task echoing a connection
// password, a TaskFlow task throwing an error that contains it (message and stack), a password
// written in two pieces, sensitive variables and extras, values registered with mask(); and a
// secret shorter than 5 characters, which is not masked (Airflow's rule, documented).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeHome, runCli, writeDag } from '../support/cli.js';

const PASSWORD = 'Sup3r-Secret-Pw!';
const EXTRA_TOKEN = 'xtra-token-55555';
const VAR_SECRET = 'var-secret-value-777';
const OWN_SECRET = 'registered-by-task-8888';

const LEAKY_DAG = `
import { BashOperator, dag, task, getConnection, getVariable, mask } from 'updraft';

const throws = task('throws', async (): Promise<void> => {
  const conn = await getConnection('db');
  throw new Error('login failed for ' + conn.login + ' with password ' + conn.password);
});

const chatty = task('chatty', async (): Promise<void> => {
  const conn = await getConnection('db');
  const password = String(conn.password);
  // Written in two pieces, without a newline between them.
  process.stdout.write('split: ' + password.slice(0, 6));
  process.stdout.write(password.slice(6) + ' end\\n');
  console.log('extra token ' + String(conn.extra.api_token));
  console.log('variable ' + (await getVariable('service_api_key')));
  mask('${OWN_SECRET}');
  console.log('own ${OWN_SECRET}');
  const short = await getConnection('short');
  console.log('short password ' + short.password);
});

export default dag({ dagId: 'leaky', schedule: null }, () => {
  const echo = new BashOperator({ taskId: 'echo', bashCommand: 'echo "password={{ conn.db.password }} host={{ conn.db.host }}"' });
  const failing = throws();
  const talk = chatty();
  echo.setDownstream(talk);
  talk.setDownstream(failing);
});
`;

describe('masking secrets in task logs and CLI output', () => {
  const h = makeHome();
  before(async () => {
    writeDag(h.dags, 'leaky.ts', LEAKY_DAG);
    const add = await runCli(['connections', 'add', 'db', '--conn-type', 'postgres', '--conn-host', 'db.example.com', '--conn-login', 'etl',
      '--conn-password', PASSWORD, '--conn-extra', JSON.stringify({ api_token: EXTRA_TOKEN, sslmode: 'require' })], h.env);
    assert.equal(add.code, 0, add.stderr);
    assert.equal((await runCli(['connections', 'add', 'short', '--conn-uri', 'http://u:abcd@short.example.com'], h.env)).code, 0);
    assert.equal((await runCli(['variables', 'set', 'service_api_key', VAR_SECRET], h.env)).code, 0);
  });
  after(() => h.cleanup());

  test('dags test (tasks in the CLI process): the terminal output and the logs show *** and never a secret', async () => {
    const run = await runCli(['dags', 'test', 'leaky', '2026-04-01'], h.env);
    assert.equal(run.code, 1, 'the throwing task fails the run');
    for (const secret of [PASSWORD, EXTRA_TOKEN, VAR_SECRET, OWN_SECRET, encodeURIComponent(PASSWORD)]) {
      assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret), `dags test output leaks ${secret}:\n${run.stdout}`);
    }
    // console output of a task run in process goes to the terminal, masked there.
    assert.match(run.stdout, /split: \*\*\* end/);
    assert.match(run.stdout, /extra token \*\*\*/);
    assert.match(run.stdout, /variable \*\*\*/);
    assert.match(run.stdout, /own \*\*\*/);
    assert.match(run.stdout, /short password abcd/, 'a secret shorter than 5 characters is not masked');
    const runId = 'test__2026-04-01T00:00:00.000Z';
    const echo = await runCli(['tasks', 'logs', 'leaky', runId, 'echo'], h.env);
    assert.equal(echo.code, 0, echo.stderr);
    assert.match(echo.stdout, /password=\*\*\* host=db\.example\.com/);
    const throws = await runCli(['tasks', 'logs', 'leaky', runId, 'throws'], h.env);
    assert.match(throws.stdout, /login failed for etl with password \*\*\*/);
    for (const log of [echo.stdout, throws.stdout]) {
      for (const secret of [PASSWORD, EXTRA_TOKEN, VAR_SECRET, OWN_SECRET]) assert.ok(!log.includes(secret), `log leaks ${secret}:\n${log}`);
    }
  });

  test('in a worker process (tasks run): the Bash echo, the error and its stack, console output in pieces — all masked in the log', async () => {
    const trigger = await runCli(['dags', 'trigger', 'leaky', '--run-id', 'masked_run'], h.env);
    assert.equal(trigger.code, 0, trigger.stderr);
    const echoRun = await runCli(['tasks', 'run', 'leaky', 'masked_run', 'echo'], h.env);
    assert.equal(echoRun.code, 0, echoRun.stdout + echoRun.stderr);
    const chattyRun = await runCli(['tasks', 'run', 'leaky', 'masked_run', 'chatty'], h.env);
    assert.equal(chattyRun.code, 0, chattyRun.stdout + chattyRun.stderr);
    const failed = await runCli(['tasks', 'run', 'leaky', 'masked_run', 'throws'], h.env);
    assert.equal(failed.code, 1);
    assert.ok(!failed.stdout.includes(PASSWORD) && !failed.stderr.includes(PASSWORD));
    const [echo, chatty, throws] = await Promise.all(['echo', 'chatty', 'throws'].map((t) => runCli(['tasks', 'logs', 'leaky', 'masked_run', t], h.env)));
    assert.match(echo!.stdout, /password=\*\*\*/);
    assert.match(chatty!.stdout, /split: \*\*\* end/);
    assert.match(chatty!.stdout, /extra token \*\*\*/);
    assert.match(chatty!.stdout, /variable \*\*\*/);
    assert.match(chatty!.stdout, /own \*\*\*/);
    assert.match(chatty!.stdout, /short password abcd/, 'a secret shorter than 5 characters is not masked');
    assert.match(throws!.stdout, /Task failed: Error: login failed for etl with password \*\*\*/);
    assert.match(throws!.stdout, /at .*leaky\.ts/, 'the stack trace is in the log');
    for (const log of [echo!.stdout, chatty!.stdout, throws!.stdout]) {
      for (const secret of [PASSWORD, EXTRA_TOKEN, VAR_SECRET, OWN_SECRET]) assert.ok(!log.includes(secret), `log leaks ${secret}:\n${log}`);
    }
  });

  test('CLI output: connections get/list and variables list never print a stored secret', async () => {
    const outputs = await Promise.all([
      runCli(['connections', 'get', 'db'], h.env),
      runCli(['connections', 'get', 'db', '-o', 'json'], h.env),
      runCli(['connections', 'get', 'db', '-o', 'uri'], h.env),
      runCli(['connections', 'list', '-o', 'json'], h.env),
      runCli(['variables', 'list'], h.env),
    ]);
    for (const r of outputs) {
      assert.equal(r.code, 0, r.stderr);
      for (const secret of [PASSWORD, EXTRA_TOKEN, VAR_SECRET, encodeURIComponent(PASSWORD)]) assert.ok(!r.stdout.includes(secret), `leaks ${secret}:\n${r.stdout}`);
    }
    assert.match(outputs[2]!.stdout, /^postgres:\/\/etl:\*\*\*@db\.example\.com\/\?api_token=\*\*\*&sslmode=require\n$/);
    // A password that also appears elsewhere (here: in a variable's value) is masked there too.
    assert.equal((await runCli(['variables', 'set', 'dsn', `postgres://etl:${PASSWORD}@db.example.com/x`], h.env)).code, 0);
    const list = await runCli(['variables', 'list', '-o', 'json'], h.env);
    assert.ok(!list.stdout.includes(PASSWORD), list.stdout);
    assert.match(list.stdout, /postgres:\/\/etl:\*\*\*@db\.example\.com/);
    const shown = await runCli(['connections', 'get', 'db', '-o', 'json', '--show-secrets'], h.env);
    assert.ok(shown.stdout.includes(PASSWORD), '--show-secrets shows it');
  });
});
