// End to end: alerts for attempts whose process could not send them itself — killed by the local
// executor at executionTimeout, or dead — are sent from the scheduler's side, once each.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeHome, runCli, writeDag } from '../support/cli.js';
import { startSmtpServer, type SmtpTestServer } from '../support/smtp.js';

const DAG = `
import { dag, task, BashOperator } from 'updraft';

const dies = task({ taskId: 'dies', retries: 1, retryDelay: '1s', email: 'oncall@example.com', emailOnRetry: true, emailOnFailure: true }, (): void => {
  process.kill(process.pid, 'SIGKILL');
});

export default dag({ dagId: 'killed', schedule: '@daily', startDate: '2024-01-01' }, () => {
  new BashOperator({ taskId: 'slow', bashCommand: 'sleep 30', executionTimeout: '1s', email: ['oncall@example.com'], emailOnFailure: true });
  dies();
});
`;

describe('alert emails for attempts killed or lost outside their process (local executor)', () => {
  const h = makeHome('updraft-alerts-');
  let smtp: SmtpTestServer;
  before(async () => {
    smtp = await startSmtpServer();
    writeDag(h.dags, 'killed.ts', DAG);
  });
  after(async () => {
    await smtp.stop();
    h.cleanup();
  });

  test('a timeout kill and a dead worker each send their email once', async () => {
    const env = { ...h.env, UPDRAFT__CORE__EXECUTOR: 'local', UPDRAFT_CONN_SMTP_DEFAULT: smtp.connectionUri() };
    const result = await runCli(['dags', 'backfill', 'killed', '-s', '2024-01-01', '-e', '2024-01-01'], env);
    assert.equal(result.code, 1, `${result.stdout}\n${result.stderr}`);
    await smtp.waitFor(3);
    const subjects = smtp.messages.map((m) => m.parsed.subject ?? '').sort();
    assert.deepEqual(subjects.map((s) => s.replace(/ \S+ \[/, ' <run> [')), [
      'Updraft alert: <TaskInstance: killed.dies <run> [failed]>',
      'Updraft alert: <TaskInstance: killed.dies <run> [up_for_retry]>',
      'Updraft alert: <TaskInstance: killed.slow <run> [failed]>',
    ]);
    const slow = smtp.messages.find((m) => (m.parsed.subject ?? '').includes('killed.slow'))!;
    assert.match(String(slow.parsed.html), /UPDRAFT_ERR_TASK_TIMEOUT/);
    const died = smtp.messages.filter((m) => (m.parsed.subject ?? '').includes('killed.dies'));
    for (const m of died) assert.match(String(m.parsed.html), /UPDRAFT_ERR_WORKER_DIED/);
    assert.deepEqual(slow.envelope.to, ['oncall@example.com']);
    // Nothing more arrives: the runtime did not send a second copy.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(smtp.messages.length, 3);
  });
});
