// End to end: `updraft dags test` as a user runs it, with [smtp] in updraft.toml. EmailOperator
// without connId uses smtp_conn_id, the sender is smtp_mail_from, and a failing task with
// emailOnFailure sends its alert through the same connection.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeHome, runCli, writeDag } from '../support/cli.js';
import { startSmtpServer, type SmtpTestServer } from '../support/smtp.js';

const DAG = `
import { dag, task } from 'updraft';
import { EmailOperator } from 'updraft/providers/email';

const broken = task({ taskId: 'broken', email: 'oncall@example.com, lead@example.com', emailOnFailure: true }, (): void => {
  throw new Error('upstream API returned 503');
});

export default dag({ dagId: 'mailing', schedule: null }, () => {
  const report = new EmailOperator({ taskId: 'report', to: ['team@example.com'], subject: 'Report for {{ ds }}', htmlContent: '<b>{{ ds_nodash }}</b>' });
  report.setDownstream(broken());
});
`;

describe('email with updraft dags test', () => {
  const h = makeHome('updraft-email-e2e-');
  let smtp: SmtpTestServer;
  before(async () => {
    smtp = await startSmtpServer();
    writeFileSync(join(h.home, 'updraft.toml'), '[smtp]\nsmtp_conn_id = "company_mail"\nsmtp_mail_from = "Updraft <updraft@company.example>"\n');
    writeDag(h.dags, 'mailing.ts', DAG);
  });
  after(async () => {
    await smtp.stop();
    h.cleanup();
  });

  test('[smtp] smtp_conn_id and smtp_mail_from from updraft.toml reach EmailOperator and the failure email', async () => {
    const result = await runCli(['dags', 'test', 'mailing', '2024-01-01'], { ...h.env, UPDRAFT_CONN_COMPANY_MAIL: smtp.connectionUri('bot', 'bot-password') });
    assert.equal(result.code, 1, `${result.stdout}\n${result.stderr}`);
    await smtp.waitFor(2);
    assert.equal(smtp.messages.length, 2);
    const [report, alert] = smtp.messages;
    assert.ok(report && alert);
    assert.equal(report.parsed.subject, 'Report for 2024-01-01');
    assert.match(String(report.parsed.html), /<b>20240101<\/b>/);
    assert.deepEqual(report.auth, { username: 'bot', password: 'bot-password' });
    assert.equal(report.envelope.from, 'updraft@company.example');
    assert.match(alert.parsed.subject ?? '', /^Updraft alert: <TaskInstance: mailing\.broken \S+ \[failed\]>$/);
    assert.deepEqual(alert.envelope.to, ['oncall@example.com', 'lead@example.com']);
    assert.equal(alert.parsed.from?.value[0]?.name, 'Updraft');
    assert.match(String(alert.parsed.html), /Error: upstream API returned 503/);
    assert.match(result.stdout + result.stderr, /Sent the failure email to oncall@example.com, lead@example.com/);
  });
});
