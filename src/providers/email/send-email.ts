import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import nodemailer from 'nodemailer';
import MimeNode from 'nodemailer/lib/mime-node';
import { UpdraftError, isUpdraftError, toError } from '../../common/errors.js';
import { getConnection } from '../../sdk/context.js';
import { smtpDefaults } from './defaults.js';
import { bareAddress, emailAddressList } from './recipients.js';
import { resolveSmtpSettings, transportOptions, type SmtpConnectionFields, type SmtpSettings } from './smtp-config.js';

export const MIME_SUBTYPES = ['mixed', 'alternative', 'related'] as const;
export type MimeSubtype = (typeof MIME_SUBTYPES)[number];

/** Charsets the HTML body can be encoded in (Node encodes these without extra libraries). */
export const MIME_CHARSETS = ['utf-8', 'us-ascii', 'iso-8859-1'] as const;
export type MimeCharset = (typeof MIME_CHARSETS)[number];

export interface SendEmailOptions {
  /** Recipients: an address, addresses separated by `,` or `;`, or a list. */
  to: string | readonly string[];
  subject: string;
  /** The HTML body. */
  htmlContent: string;
  /** Paths of files to attach (each named by its base name). */
  files?: readonly string[];
  cc?: string | readonly string[];
  /** Blind copies: in the SMTP envelope, never in the headers. */
  bcc?: string | readonly string[];
  /** The top-level multipart subtype (Airflow's mime_subtype). Default 'mixed'. */
  mimeSubtype?: MimeSubtype | string;
  /** The charset of the HTML body. Default 'utf-8'. */
  mimeCharset?: MimeCharset | string;
  /** The From address; default the connection's extra from_email, then [smtp] smtp_mail_from. */
  from?: string;
  /** The `smtp` connection inside a task; default [smtp] smtp_conn_id ('smtp_default'). */
  connId?: string;
  /** An `smtp` connection object instead of connId (outside a task: scripts, tests). */
  connection?: SmtpConnectionFields;
  /** Extra message headers, e.g. { 'Reply-To': 'team@example.com' }. */
  customHeaders?: Readonly<Record<string, string>>;
  /** Threads messages that share it: sent as In-Reply-To and References `<conversationId>`. */
  conversationId?: string;
}

export interface SentEmail {
  messageId: string;
  /** The SMTP envelope: MAIL FROM and every RCPT TO (to, cc and bcc). */
  envelope: { from: string; to: string[] };
  accepted: string[];
  rejected: string[];
  /** The server's last reply. */
  response: string;
}

/**
 * Sends an HTML email through an `smtp` connection (Airflow's send_email_smtp): a multipart/<mimeSubtype>
 * message with the HTML part and one part per attached file; to, cc and bcc all receive it, bcc
 * only through the envelope. Inputs are checked before connecting (recipients, attachments that
 * must exist); a failure to send throws UPDRAFT_ERR_EMAIL naming the server and its reply.
 */
export async function sendEmail(options: SendEmailOptions): Promise<SentEmail> {
  const message = await composeEmail(options);
  const connection = options.connection ?? await taskConnection(options.connId ?? smtpDefaults().connId);
  const settings = resolveSmtpSettings(connection);
  const from = options.from ?? settings.fromEmail ?? smtpDefaults().mailFrom;
  emailAddressList(from, 'from');
  message.root.setHeader('From', from);
  const raw = await message.root.build();
  const envelope = { from: bareAddress(from), to: message.recipients.map(bareAddress) };
  const secrets = settings.auth === null ? [] : [settings.auth.pass];
  let lastError: unknown;
  for (let attempt = 1; attempt <= settings.retryLimit; attempt++) {
    const transport = nodemailer.createTransport(transportOptions(settings));
    try {
      const info = await transport.sendMail({ envelope, raw });
      return {
        messageId: message.root.messageId(),
        envelope,
        accepted: info.accepted.map(String),
        rejected: info.rejected.map(String),
        response: String(info.response ?? ''),
      };
    } catch (error) {
      lastError = error;
      if (!isConnectFailure(error)) break;
    } finally {
      transport.close();
    }
  }
  throw sendFailure(lastError, { settings, secrets });
}

async function taskConnection(connId: string): Promise<SmtpConnectionFields> {
  try {
    return await getConnection(connId);
  } catch (error) {
    if (isUpdraftError(error, 'UPDRAFT_ERR_NOT_IN_TASK')) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT',
        `sendEmail was called outside a running task with connId ${JSON.stringify(connId)}; outside a task pass the connection itself: sendEmail({ ..., connection })`);
    }
    throw error;
  }
}

interface ComposedEmail {
  root: MimeNode;
  recipients: string[];
}

/** Builds the message without the From header; throws UPDRAFT_ERR_INVALID_ARGUMENT on bad input. */
async function composeEmail(options: SendEmailOptions): Promise<ComposedEmail> {
  const to = emailAddressList(options.to, 'to');
  const cc = options.cc === undefined || options.cc === null ? [] : emailAddressList(options.cc, 'cc');
  const bcc = options.bcc === undefined || options.bcc === null ? [] : emailAddressList(options.bcc, 'bcc');
  if (to.length === 0) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `email to is ${JSON.stringify(options.to)}, which names no recipient; give at least one address`);
  }
  if (typeof options.subject !== 'string') {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `email subject is ${typeof options.subject}; it must be a string`);
  }
  if (typeof options.htmlContent !== 'string') {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `email htmlContent is ${typeof options.htmlContent}; it must be a string`);
  }
  const subtype = options.mimeSubtype ?? 'mixed';
  if (!(MIME_SUBTYPES as readonly string[]).includes(subtype)) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `email mimeSubtype is ${JSON.stringify(subtype)}; it must be one of ${MIME_SUBTYPES.join(', ')}`);
  }
  const attachments = await readAttachments(options.files ?? []);
  const root = new MimeNode(`multipart/${subtype}`);
  root.setHeader('Subject', options.subject);
  root.setHeader('To', to);
  if (cc.length > 0) root.setHeader('Cc', cc);
  if (options.conversationId !== undefined && options.conversationId !== '') {
    const id = conversationMessageId(options.conversationId);
    root.setHeader('In-Reply-To', id);
    root.setHeader('References', id);
  }
  for (const [key, value] of Object.entries(options.customHeaders ?? {})) {
    if (/^(from|to|cc|bcc|subject)$/i.test(key) || !/^[!-9;-~]+$/.test(key) || typeof value !== 'string') {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT',
        `email customHeaders has ${JSON.stringify(key)}: ${JSON.stringify(value)}; a custom header needs a plain header name other than From/To/Cc/Bcc/Subject and a string value`);
    }
    root.setHeader(key, value);
  }
  const charset = normalizeCharset(options.mimeCharset ?? 'utf-8');
  root.createChild(`text/html; charset=${charset}`).setContent(encodeBody(options.htmlContent, charset));
  for (const file of attachments) {
    root.createChild('application/octet-stream', { filename: file.name })
      .setHeader('Content-Disposition', 'attachment')
      .setContent(file.content);
  }
  return { root, recipients: [...to, ...cc, ...bcc] };
}

async function readAttachments(files: readonly string[]): Promise<Array<{ name: string; content: Buffer }>> {
  if (!Array.isArray(files)) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `email files is ${JSON.stringify(files)}; it must be a list of file paths`);
  }
  const out: Array<{ name: string; content: Buffer }> = [];
  for (const path of files) {
    if (typeof path !== 'string' || path.trim() === '') {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `email files has ${JSON.stringify(path)}; every item must be a file path`);
    }
    try {
      const info = await stat(path);
      if (!info.isFile()) throw new Error('it is not a regular file');
      out.push({ name: basename(path), content: await readFile(path) });
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : toError(error).message;
      throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `email attachment ${JSON.stringify(path)} cannot be read (${reason}); nothing was sent`,
        { details: { path } });
    }
  }
  return out;
}

function normalizeCharset(value: string): MimeCharset {
  const lower = String(value).trim().toLowerCase();
  const aliases: Record<string, MimeCharset> = {
    'utf-8': 'utf-8', utf8: 'utf-8', 'us-ascii': 'us-ascii', ascii: 'us-ascii', 'iso-8859-1': 'iso-8859-1', latin1: 'iso-8859-1', 'latin-1': 'iso-8859-1',
  };
  const charset = aliases[lower];
  if (charset === undefined) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `email mimeCharset is ${JSON.stringify(value)}; it must be one of ${MIME_CHARSETS.join(', ')}`);
  }
  return charset;
}

/** The body's bytes in the charset; a character the charset cannot hold is an error, not a "?". */
function encodeBody(html: string, charset: MimeCharset): Buffer | string {
  if (charset === 'utf-8') return html;
  const limit = charset === 'us-ascii' ? 0x7f : 0xff;
  for (const char of html) {
    if (char.codePointAt(0)! > limit) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT',
        `email htmlContent has ${JSON.stringify(char)}, which ${charset} cannot encode; use mimeCharset 'utf-8'`);
    }
  }
  return Buffer.from(html, 'latin1');
}

function conversationMessageId(id: string): string {
  const bare = id.trim().replace(/^<|>$/g, '');
  return `<${bare.includes('@') ? bare : `${bare}@updraft`}>`;
}

/** Failures while connecting (before any command was accepted) are retried up to retry_limit times. */
function isConnectFailure(error: unknown): boolean {
  const e = error as { code?: unknown; command?: unknown };
  return e.command === 'CONN' && (e.code === 'ETIMEDOUT' || e.code === 'ECONNECTION');
}

function sendFailure(error: unknown, at: { settings: SmtpSettings; secrets: string[] }): UpdraftError {
  const { settings } = at;
  const e = error as { message?: unknown; response?: unknown; responseCode?: unknown; command?: unknown; code?: unknown };
  const scrub = (text: string): string => at.secrets.reduce((out, secret) => (secret.length > 0 ? out.split(secret).join('***') : out), text);
  const server = `${settings.host}:${settings.port}`;
  const reply = typeof e.response === 'string' && e.response !== '' ? e.response.trim() : null;
  const command = typeof e.command === 'string' && e.command !== 'CONN' ? e.command : null;
  const reason = reply !== null
    ? `the server replied ${JSON.stringify(scrub(reply))}${command === null ? '' : ` to ${command.split(' ')[0]}`}`
    : scrub(String(e.message ?? toError(error).message));
  const hint = e.code === 'EAUTH' ? '; check the login and password of the connection'
    : e.code === 'ETIMEDOUT' ? '; check the host and port, or raise extra timeout'
      : reply === null ? '; check the host, the port and extra disable_ssl / disable_tls' : '';
  return new UpdraftError('UPDRAFT_ERR_EMAIL', `could not send email through SMTP server ${server} (connection ${JSON.stringify(settings.connId)}): ${reason}${hint}`, {
    details: {
      server, connId: settings.connId,
      ...(typeof e.code === 'string' ? { smtpError: e.code } : {}),
      ...(typeof e.responseCode === 'number' ? { responseCode: e.responseCode } : {}),
      ...(reply === null ? {} : { response: scrub(reply) }),
    },
  });
}
