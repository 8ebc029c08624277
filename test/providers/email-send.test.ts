// sendEmail against a real SMTP server (smtp-server in process): recipients, cc/bcc, attachments,
// Korean text, credentials, headers, and the errors a user sees (bad input, unreachable server,
// refused login) — never with the password in them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { Connection } from '../../src/connections/index.js';
import { isUpdraftError } from '../../src/common/errors.js';
import { sendEmail, type SmtpConnectionFields } from '../../src/providers/email/index.js';
import { startSmtpServer, type SmtpTestServer } from '../support/smtp.js';

const PASSWORD = 's3cret-Pa55word';

function connectionFrom(uri: string, id = 'smtp_test'): SmtpConnectionFields {
  return Connection.fromUri(id, uri).toObject() as SmtpConnectionFields;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('sendEmail through an smtp connection', () => {
  let smtp: SmtpTestServer;
  let dir: string;
  let connection: SmtpConnectionFields;
  before(async () => {
    smtp = await startSmtpServer();
    dir = mkdtempSync(join(tmpdir(), 'updraft-email-'));
    connection = connectionFrom(smtp.connectionUri('mailer', PASSWORD));
  });
  after(async () => {
    await smtp.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('to (with , and ; separators), cc and bcc: the envelope has every recipient, the headers no bcc; credentials are used', async () => {
    const before = smtp.messages.length;
    const sent = await sendEmail({
      connection,
      to: 'a@example.com; b@example.com, Carol <carol@example.com>',
      cc: ['cc1@example.com', 'cc2@example.com'],
      bcc: 'hidden@example.com',
      from: 'Reports <reports@example.com>',
      subject: 'Weekly numbers',
      htmlContent: '<p>All good</p>',
    });
    const [mail] = (await smtp.waitFor(before + 1)).slice(before);
    assert.ok(mail);
    assert.deepEqual(mail.envelope.to.sort(), ['a@example.com', 'b@example.com', 'carol@example.com', 'cc1@example.com', 'cc2@example.com', 'hidden@example.com']);
    assert.equal(mail.envelope.from, 'reports@example.com');
    assert.deepEqual(mail.auth, { username: 'mailer', password: PASSWORD });
    const toHeader = JSON.stringify(mail.parsed.to);
    assert.match(toHeader, /a@example\.com/);
    assert.match(toHeader, /carol@example\.com/);
    assert.match(JSON.stringify(mail.parsed.cc), /cc2@example\.com/);
    assert.equal(mail.parsed.bcc, undefined);
    assert.doesNotMatch(mail.raw, /hidden@example\.com/);
    assert.doesNotMatch(mail.raw, /^bcc:/im);
    assert.equal(mail.parsed.from?.value[0]?.address, 'reports@example.com');
    assert.equal(mail.parsed.subject, 'Weekly numbers');
    assert.match(String(mail.parsed.html), /All good/);
    assert.match(String(mail.parsed.headers.get('content-type') && (mail.parsed.headers.get('content-type') as { value: string }).value), /multipart\/mixed/);
    assert.equal(sent.envelope.to.length, 6);
    assert.deepEqual(sent.rejected, []);
    assert.match(sent.messageId, /^<.+@.+>$/);
  });

  test('Korean subject and body survive (UTF-8); files are attached by base name; custom headers and conversationId are set', async () => {
    const csv = join(dir, 'report.csv');
    const notes = join(dir, '메모.txt');
    writeFileSync(csv, 'id,name\n1,김철수\n');
    writeFileSync(notes, '안녕하세요');
    const before = smtp.messages.length;
    await sendEmail({
      connection,
      to: ['kim@example.com'],
      subject: '일일 보고서 2024-01-01',
      htmlContent: '<h1>안녕하세요</h1><p>보고서를 첨부합니다.</p>',
      files: [csv, notes],
      customHeaders: { 'Reply-To': 'team@example.com', 'X-Updraft-Dag': 'daily' },
      conversationId: 'daily-report',
    });
    const [mail] = (await smtp.waitFor(before + 1)).slice(before);
    assert.ok(mail);
    assert.equal(mail.parsed.subject, '일일 보고서 2024-01-01');
    assert.match(String(mail.parsed.html), /<h1>안녕하세요<\/h1>/);
    const attachments = mail.parsed.attachments.map((a) => [a.filename, a.content.toString('utf8')]);
    assert.deepEqual(attachments, [['report.csv', 'id,name\n1,김철수\n'], ['메모.txt', '안녕하세요']]);
    assert.match(JSON.stringify(mail.parsed.replyTo), /team@example\.com/);
    assert.equal(mail.parsed.headers.get('x-updraft-dag'), 'daily');
    assert.equal(mail.parsed.inReplyTo, '<daily-report@updraft>');
    // From falls back to [smtp] smtp_mail_from's default when neither the call nor the connection names one.
    assert.equal(mail.envelope.from, 'updraft@localhost');
  });

  test("the connection's extra from_email is the default sender; mimeSubtype and mimeCharset shape the message", async () => {
    const withFrom = connectionFrom(`${smtp.connectionUri()}&from_email=alerts%40example.com`);
    const before = smtp.messages.length;
    await sendEmail({
      connection: withFrom, to: 'x@example.com', subject: 'Latin', htmlContent: '<p>café</p>', mimeSubtype: 'alternative', mimeCharset: 'iso-8859-1',
    });
    const [mail] = (await smtp.waitFor(before + 1)).slice(before);
    assert.ok(mail);
    assert.equal(mail.envelope.from, 'alerts@example.com');
    assert.match(mail.raw, /multipart\/alternative/);
    assert.match(mail.raw, /charset=iso-8859-1/i);
    assert.match(String(mail.parsed.html), /café/);
    assert.equal(mail.auth, null, 'no login without credentials');
  });

  test('bad recipients and a missing attachment are refused before connecting; nothing is sent', async () => {
    const before = smtp.messages.length;
    const cases: Array<[Parameters<typeof sendEmail>[0], RegExp]> = [
      [{ connection, to: 'not-an-address', subject: 's', htmlContent: 'h' }, /email to has "not-an-address", which is not an email address/],
      [{ connection, to: ' ; , ', subject: 's', htmlContent: 'h' }, /names no recipient/],
      [{ connection, to: 42 as unknown as string, subject: 's', htmlContent: 'h' }, /email to is 42; it must be an address/],
      [{ connection, to: 'a@example.com', cc: ['ok@example.com', 'broken'], subject: 's', htmlContent: 'h' }, /email cc has "broken"/],
      [{ connection, to: 'a@example.com', subject: 's', htmlContent: 'h', files: [join(dir, 'nope.csv')] }, /email attachment ".*nope\.csv" cannot be read \(no such file\); nothing was sent/],
      [{ connection, to: 'a@example.com', subject: 's', htmlContent: '한국어', mimeCharset: 'us-ascii' }, /us-ascii cannot encode/],
      [{ connection, to: 'a@example.com', subject: 's', htmlContent: 'h', mimeSubtype: 'weird' }, /mimeSubtype is "weird"; it must be one of mixed, alternative, related/],
    ];
    for (const [options, message] of cases) {
      await assert.rejects(sendEmail(options), (error: unknown) => {
        assert.ok(isUpdraftError(error, 'UPDRAFT_ERR_INVALID_ARGUMENT'), String(error));
        assert.match((error as Error).message, message);
        return true;
      });
    }
    assert.equal(smtp.messages.length, before);
  });

  test('outside a task without a connection object: a clear error', async () => {
    await assert.rejects(sendEmail({ to: 'a@example.com', subject: 's', htmlContent: 'h' }),
      /outside a running task with connId "smtp_default"; outside a task pass the connection itself/);
  });

  test('an unreachable server: UPDRAFT_ERR_EMAIL naming host:port, without the password', async () => {
    const port = await closedPort();
    const unreachable = connectionFrom(`smtp://mailer:${PASSWORD}@127.0.0.1:${port}/?disable_ssl=true&disable_tls=true&timeout=5&retry_limit=2`);
    await assert.rejects(sendEmail({ connection: unreachable, to: 'a@example.com', subject: 's', htmlContent: 'h' }), (error: unknown) => {
      assert.ok(isUpdraftError(error, 'UPDRAFT_ERR_EMAIL'), String(error));
      const message = (error as Error).message;
      assert.match(message, new RegExp(`SMTP server 127\\.0\\.0\\.1:${port} \\(connection "smtp_test"\\)`));
      assert.match(message, /ECONNREFUSED/);
      assert.doesNotMatch(message + JSON.stringify((error as { details: unknown }).details), new RegExp(PASSWORD));
      return true;
    });
  });

  test("a server that refuses the login: the error quotes the server's reply, never the password", async () => {
    const strict = new SMTPServer({
      disabledCommands: ['STARTTLS'], allowInsecureAuth: true, logger: false,
      onAuth(_auth, _session, callback) {
        callback(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }));
      },
    });
    await new Promise<void>((resolve) => strict.listen(0, '127.0.0.1', () => resolve()));
    const port = (strict.server.address() as AddressInfo).port;
    try {
      const conn = connectionFrom(`smtp://mailer:${PASSWORD}@127.0.0.1:${port}/?disable_ssl=true&disable_tls=true`);
      await assert.rejects(sendEmail({ connection: conn, to: 'a@example.com', subject: 's', htmlContent: 'h' }), (error: unknown) => {
        assert.ok(isUpdraftError(error, 'UPDRAFT_ERR_EMAIL'), String(error));
        const message = (error as Error).message;
        assert.match(message, new RegExp(`127\\.0\\.0\\.1:${port}`));
        assert.match(message, /535/);
        assert.match(message, /Authentication credentials invalid/);
        assert.match(message, /check the login and password/);
        assert.doesNotMatch(message, new RegExp(PASSWORD));
        return true;
      });
    } finally {
      await new Promise<void>((resolve) => strict.close(() => resolve()));
    }
  });

  test('a connection without host, or of another type, is refused as invalid', async () => {
    await assert.rejects(sendEmail({ connection: { connId: 'x', connType: 'smtp', host: null }, to: 'a@example.com', subject: 's', htmlContent: 'h' }),
      /smtp connection "x" has no host/);
    await assert.rejects(sendEmail({ connection: { connId: 'pg', connType: 'postgres', host: 'db' }, to: 'a@example.com', subject: 's', htmlContent: 'h' }),
      /smtp connection "pg" has type "postgres"/);
  });
});
