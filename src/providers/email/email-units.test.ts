import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isUpdraftError } from '../../common/errors.js';
import { dag } from '../../sdk/dag.js';
import { DEFAULT_MAIL_FROM, runWithSmtpDefaults, smtpDefaults } from './defaults.js';
import { EmailOperator, type EmailOperatorOptions } from './email-operator.js';
import { bareAddress, emailAddressList } from './recipients.js';
import { resolveSmtpSettings, transportOptions } from './smtp-config.js';

function operator(options: Partial<EmailOperatorOptions>): EmailOperator {
  let op: EmailOperator | undefined;
  dag({ dagId: 'mail' }, () => {
    op = new EmailOperator({ taskId: 'send', to: 'a@example.com', subject: 's', htmlContent: 'h', ...options } as EmailOperatorOptions);
  });
  return op!;
}

describe('emailAddressList (Airflow get_email_address_list)', () => {
  test('splits on , and ;, trims, flattens lists, keeps display names', () => {
    assert.deepEqual(emailAddressList('a@x.io, b@x.io;c@x.io ;'), ['a@x.io', 'b@x.io', 'c@x.io']);
    assert.deepEqual(emailAddressList(['a@x.io', 'Ops <ops@x.io>; d@x.io']), ['a@x.io', 'Ops <ops@x.io>', 'd@x.io']);
    assert.deepEqual(emailAddressList([]), []);
    assert.equal(bareAddress('Ops Team <ops@x.io>'), 'ops@x.io');
    assert.equal(bareAddress(' a@x.io '), 'a@x.io');
  });

  test('refuses non-addresses and other types, naming the field and value', () => {
    assert.throws(() => emailAddressList('a@x.io, nobody', 'cc'), /email cc has "nobody", which is not an email address/);
    assert.throws(() => emailAddressList({ to: 'a@x.io' }), /email to is \{"to":"a@x.io"\}; it must be an address/);
    assert.throws(() => emailAddressList(['a@x.io', 7]), /has 7 in its list/);
  });
});

describe('smtp connection settings', () => {
  test('SSL on port 465 by default; login only with login and password; from_email and timeouts from extras', () => {
    const s = resolveSmtpSettings({ connId: 'm', connType: 'smtp', host: 'smtp.example.com', login: 'u', password: 'p', extra: { from_email: 'me@example.com', timeout: 10 } });
    assert.deepEqual({ port: s.port, secure: s.secure, startTls: s.startTls, auth: s.auth, from: s.fromEmail, timeout: s.timeoutMs, retries: s.retryLimit },
      { port: 465, secure: true, startTls: false, auth: { user: 'u', pass: 'p' }, from: 'me@example.com', timeout: 10_000, retries: 5 });
    const noPassword = resolveSmtpSettings({ connId: 'm', host: 'h', login: 'u' });
    assert.equal(noPassword.auth, null);
  });

  test('disable_ssl gives plain + required STARTTLS (port 25 by default); disable_tls no STARTTLS; strings from URIs are read', () => {
    const starttls = transportOptions(resolveSmtpSettings({ connId: 'm', host: 'h', extra: { disable_ssl: 'true' } }));
    assert.deepEqual([starttls.port, starttls.secure, starttls.requireTLS, starttls.ignoreTLS], [25, false, true, false]);
    const plain = transportOptions(resolveSmtpSettings({ connId: 'm', host: 'h', port: 2525, extra: '{"disable_ssl": true, "disable_tls": "True", "ssl_context": "none"}' }));
    assert.deepEqual([plain.port, plain.secure, plain.requireTLS, plain.ignoreTLS, plain.tls.rejectUnauthorized], [2525, false, false, true, false]);
  });

  test('bad extras are refused with the value and what is allowed', () => {
    const bad = (extra: Record<string, unknown>): unknown => {
      try {
        resolveSmtpSettings({ connId: 'm', host: 'h', extra });
        return null;
      } catch (error) {
        assert.ok(isUpdraftError(error, 'UPDRAFT_ERR_CONNECTION_INVALID'));
        return (error as Error).message;
      }
    };
    assert.match(String(bad({ disable_ssl: 'maybe' })), /extra disable_ssl="maybe"; it must be true or false/);
    assert.match(String(bad({ timeout: '-3' })), /extra timeout="-3"; it must be a positive number/);
    assert.match(String(bad({ ssl_context: 'strict' })), /ssl_context="strict"; it must be "default"/);
  });
});

describe('[smtp] defaults', () => {
  test('the attempt\'s settings win over the environment, which wins over the defaults', async () => {
    assert.deepEqual(smtpDefaults({}), { connId: 'smtp_default', mailFrom: DEFAULT_MAIL_FROM });
    assert.deepEqual(smtpDefaults({ UPDRAFT__SMTP__SMTP_CONN_ID: 'env_mail' }), { connId: 'env_mail', mailFrom: DEFAULT_MAIL_FROM });
    const inside = await runWithSmtpDefaults({ connId: 'cfg', mailFrom: 'cfg@x.io' }, async () => smtpDefaults({ UPDRAFT__SMTP__SMTP_CONN_ID: 'env_mail' }));
    assert.deepEqual(inside, { connId: 'cfg', mailFrom: 'cfg@x.io' });
  });
});

describe('EmailOperator options', () => {
  test('defaults and templated fields', () => {
    const op = operator({ files: ['/tmp/a.csv'] });
    assert.deepEqual(op.templateFields, ['to', 'subject', 'htmlContent', 'files']);
    assert.equal(op.mimeSubtype, 'mixed');
    assert.equal(op.mimeCharset, 'utf-8');
    assert.equal(op.connId, undefined, 'read from [smtp] smtp_conn_id when the task runs');
  });

  test('bad options fail the DAG with the value and what is allowed', () => {
    const cases: Array<[Partial<EmailOperatorOptions>, RegExp]> = [
      [{ to: '' }, /has to: ""; it must be an address/],
      [{ to: [] }, /has to: \[\]; it must be an address/],
      [{ subject: 3 as unknown as string }, /has subject: 3; it must be a string/],
      [{ files: '/tmp/a.csv' as unknown as string[] }, /has files: "\/tmp\/a.csv"; it must be a list of file paths/],
      [{ mimeSubtype: 'plain' as 'mixed' }, /has mimeSubtype: "plain"; it must be one of mixed, alternative, related/],
      [{ mimeCharset: 'euc-kr' as 'utf-8' }, /has mimeCharset: "euc-kr"; it must be one of utf-8, us-ascii, iso-8859-1/],
      [{ customHeaders: { 'X-A': 1 } as unknown as Record<string, string> }, /has customHeaders: .*; it must be an object of strings/],
      [{ connId: '' }, /has connId: ""; it must be a non-empty string/],
      [{ cc: 5 as unknown as string }, /has cc: 5/],
    ];
    for (const [options, message] of cases) {
      assert.throws(() => operator(options), (error: unknown) => {
        assert.ok(isUpdraftError(error, 'UPDRAFT_ERR_INVALID_DAG'), String(error));
        assert.match((error as Error).message, /EmailOperator "send" in DAG "mail"/);
        assert.match((error as Error).message, message);
        return true;
      });
    }
    assert.throws(() => operator({ tooo: 'x' } as Partial<EmailOperatorOptions>), /tooo/);
  });
});
