// Failure and retry emails (emailOnRetry / emailOnFailure) and EmailOperator, run by the real
// scheduler: the local executor (forked workers, [smtp] settings carried in the Workload) and the
// in-process executor (a send failure is a warning in the task log and changes nothing).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { taskLogPath } from '../../src/logs/log-paths.js';
import { makeEngine, type TestEngine } from '../support/engine.js';
import { startSmtpServer, type SmtpTestServer } from '../support/smtp.js';

const LOGICAL_DATE = new Date('2024-03-05T00:00:00Z');

const alertsDag = (dir: string): string => `
import { dag, task, getConnection, getContext } from 'updraft';
import { EmailOperator } from 'updraft/providers/email';

const alerting = { email: 'oncall@example.com', emailOnRetry: true, emailOnFailure: true };
const flaky = task({ taskId: 'flaky', retries: 1, retryDelay: '10ms', ...alerting }, async (): Promise<void> => {
  const leaked = (await getConnection('smtp_alerts')).password;
  throw new Error('disk full on try ' + getContext().ti.tryNumber + ' <logged in with ' + leaked + '>');
});
const fine = task({ taskId: 'fine', retries: 1, ...alerting }, (): string => 'ok');

export default dag({ dagId: 'alerts', schedule: null }, () => {
  flaky();
  fine();
  new EmailOperator({
    taskId: 'report',
    to: 'team@example.com; boss@example.com',
    subject: '일일 보고서 {{ ds }}',
    htmlContent: '<p>{{ dag.dag_id }} 실행 {{ run_id }}</p>',
    files: ['${dir}/report_{{ ds_nodash }}.csv'],
  });
});
`;

function subjects(smtp: SmtpTestServer): string[] {
  return smtp.messages.map((m) => m.parsed.subject ?? '');
}

describe('failure and retry emails through the local executor', () => {
  let smtp: SmtpTestServer;
  let e: TestEngine;
  before(async () => {
    smtp = await startSmtpServer();
    // Forked workers read connections from their environment (env is the first secrets backend).
    process.env.UPDRAFT_CONN_SMTP_ALERTS = smtp.connectionUri('alerts-user', 'alerts-password');
    e = await makeEngine('sqlite', {
      executor: 'local',
      scheduler: { smtp: { connId: 'smtp_alerts', mailFrom: 'updraft-alerts@example.com' } },
    });
  });
  after(async () => {
    await e.close();
    await smtp.stop();
    delete process.env.UPDRAFT_CONN_SMTP_ALERTS;
  });

  test('a task failing twice with retries: 1 sends one retry email then one failure email; EmailOperator renders {{ ds }}; success sends nothing', async () => {
    writeFileSync(join(e.dir, 'report_20240305.csv'), 'day,rows\n2024-03-05,12\n');
    await e.addDag('alerts.ts', alertsDag(e.dir));
    const run = await e.trigger('alerts', undefined, LOGICAL_DATE);
    assert.equal((await e.waitForRun('alerts', run.runId)).state, 'failed');
    assert.deepEqual(await e.states('alerts', run.runId), { flaky: 'failed', fine: 'success', report: 'success' });

    await smtp.waitFor(3);
    assert.equal(smtp.messages.length, 3, `messages: ${JSON.stringify(subjects(smtp))}`);
    const alerts = smtp.messages.filter((m) => m.parsed.subject?.startsWith('Updraft alert:'));
    assert.deepEqual(alerts.map((m) => m.parsed.subject), [
      `Updraft alert: <TaskInstance: alerts.flaky ${run.runId} [up_for_retry]>`,
      `Updraft alert: <TaskInstance: alerts.flaky ${run.runId} [failed]>`,
    ]);
    const [retry, failure] = alerts;
    assert.ok(retry && failure);
    for (const mail of alerts) {
      assert.deepEqual(mail.envelope.to, ['oncall@example.com']);
      assert.equal(mail.envelope.from, 'updraft-alerts@example.com', '[smtp] smtp_mail_from from the Workload');
      assert.deepEqual(mail.auth, { username: 'alerts-user', password: 'alerts-password' });
      const html = String(mail.parsed.html);
      assert.match(html, /DAG:<\/td><td>alerts</);
      assert.match(html, /Task:<\/td><td>flaky</);
      assert.match(html, new RegExp(`Run:</td><td>${run.runId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}<`));
      assert.match(html, /Logical date:<\/td><td>2024-03-05T00:00:00.000Z</);
      assert.match(html, /Host:<\/td><td>\S+</);
      assert.match(html, /Log:<\/td><td>\/.*task_id=flaky/);
    }
    assert.match(String(retry.parsed.html), /Try:<\/td><td>1 out of 2</);
    assert.match(String(retry.parsed.html), /Error: disk full on try 1/);
    assert.match(String(retry.parsed.html), /will be retried/);
    assert.match(String(failure.parsed.html), /Try:<\/td><td>2 out of 2</);
    assert.match(String(failure.parsed.html), /Error: disk full on try 2 &lt;logged in with \*\*\*&gt;/, 'masked and HTML-escaped');
    for (const mail of alerts) assert.doesNotMatch(mail.raw, /alerts-password/);

    const report = smtp.messages.find((m) => !m.parsed.subject?.startsWith('Updraft alert:'));
    assert.ok(report);
    assert.equal(report.parsed.subject, '일일 보고서 2024-03-05');
    assert.match(String(report.parsed.html), new RegExp(`alerts 실행 ${run.runId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.deepEqual(report.envelope.to.sort(), ['boss@example.com', 'team@example.com']);
    assert.equal(report.envelope.from, 'updraft-alerts@example.com');
    assert.deepEqual(report.parsed.attachments.map((a) => [a.filename, a.content.toString('utf8')]), [['report_20240305.csv', 'day,rows\n2024-03-05,12\n']]);

    const firstLog = readFileSync(taskLogPath(join(e.dir, 'logs'), { dagId: 'alerts', runId: run.runId, taskId: 'flaky', tryNumber: 1 }), 'utf8');
    assert.match(firstLog, /Sent the retry email to oncall@example.com/);
    const secondLog = readFileSync(taskLogPath(join(e.dir, 'logs'), { dagId: 'alerts', runId: run.runId, taskId: 'flaky', tryNumber: 2 }), 'utf8');
    assert.match(secondLog, /Sent the failure email to oncall@example.com/);
  });
});

describe('a failure email that cannot be sent (in-process executor)', () => {
  let e: TestEngine;
  before(async () => {
    e = await makeEngine('sqlite', { executor: 'in_process', scheduler: { smtp: { connId: 'smtp_nowhere', mailFrom: 'updraft@example.com' } } });
  });
  after(async () => { await e.close(); });

  test('is a warning in the task log; the task still retries and fails as it would have', async () => {
    await e.addDag('unsent.ts', `
      import { dag, task } from 'updraft';
      const broken = task({ taskId: 'broken', retries: 1, retryDelay: '10ms', email: ['a@example.com'], emailOnRetry: true, emailOnFailure: true },
        (): void => { throw new Error('boom'); });
      export default dag({ dagId: 'unsent', schedule: null }, () => { broken(); });`);
    const run = await e.trigger('unsent');
    assert.equal((await e.waitForRun('unsent', run.runId)).state, 'failed');
    const tis = await e.store.listTaskInstances({ dagId: 'unsent', runId: run.runId });
    assert.equal(tis[0]?.tryNumber, 2);
    const log = (tryNumber: number): string => readFileSync(taskLogPath(join(e.dir, 'logs'), { dagId: 'unsent', runId: run.runId, taskId: 'broken', tryNumber }), 'utf8');
    assert.match(log(1), /WARN.*Could not send the retry email to a@example.com \(the task's outcome stands\): connection "smtp_nowhere" \(\[smtp\] smtp_conn_id\) is not defined/i);
    assert.match(log(2), /Could not send the failure email to a@example.com/);
  });
});
