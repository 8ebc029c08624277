import { UpdraftError } from '../../common/errors.js';
import { BaseOperator, type BaseOperatorOptions } from '../../sdk/base-operator.js';
import type { TaskContext } from '../../sdk/context.js';
import { describe, isPlainObject } from '../../sdk/naming.js';
import { resolveTemplateFunctions, type Templated } from '../../sdk/templated.js';
import { smtpDefaults } from './defaults.js';
import { MIME_CHARSETS, MIME_SUBTYPES, sendEmail, type MimeCharset, type MimeSubtype } from './send-email.js';

export interface EmailOperatorOptions extends BaseOperatorOptions {
  /** Recipients (templated): an address, addresses separated by `,` or `;`, or a list. */
  to: Templated<string | string[]>;
  /** Subject line (templated). */
  subject: Templated<string>;
  /** HTML body (templated). */
  htmlContent: Templated<string>;
  /** Paths of files to attach (templated). */
  files?: Templated<string[]>;
  cc?: string | string[];
  bcc?: string | string[];
  /** Default 'mixed'. */
  mimeSubtype?: MimeSubtype;
  /** Default 'utf-8'. */
  mimeCharset?: MimeCharset;
  /** Threads the messages that share it (In-Reply-To / References headers). */
  conversationId?: string;
  customHeaders?: Record<string, string>;
  /** The `smtp` connection; default [smtp] smtp_conn_id ('smtp_default'). */
  connId?: string;
  /** The From address; default the connection's extra from_email, then [smtp] smtp_mail_from. */
  from?: string;
}

const OWN_OPTIONS = ['to', 'subject', 'htmlContent', 'files', 'cc', 'bcc', 'mimeSubtype', 'mimeCharset', 'conversationId', 'customHeaders', 'connId', 'from'];

/**
 * Sends an email (Airflow's EmailOperator) through an `smtp` connection. to, subject, htmlContent and
 * files are templated (`'Report for {{ ds }}'`). Returns nothing; a failure to send fails the task
 * with UPDRAFT_ERR_EMAIL.
 */
export class EmailOperator extends BaseOperator<void> {
  override readonly templateFields: readonly string[] = ['to', 'subject', 'htmlContent', 'files'];
  to: Templated<string | string[]>;
  subject: Templated<string>;
  htmlContent: Templated<string>;
  files: Templated<string[]> | undefined;
  readonly cc: string | string[] | undefined;
  readonly bcc: string | string[] | undefined;
  readonly mimeSubtype: MimeSubtype;
  readonly mimeCharset: MimeCharset;
  readonly conversationId: string | undefined;
  readonly customHeaders: Readonly<Record<string, string>>;
  /** undefined: [smtp] smtp_conn_id of the worker, read when the task runs. */
  readonly connId: string | undefined;
  readonly from: string | undefined;

  constructor(options: EmailOperatorOptions) {
    super(options, OWN_OPTIONS);
    const what = `EmailOperator ${JSON.stringify(this.taskId)} in DAG ${JSON.stringify(this.dagId)}`;
    const bad = (field: string, value: unknown, allowed: string): UpdraftError =>
      new UpdraftError('UPDRAFT_ERR_INVALID_DAG', `${what} has ${field}: ${describe(value)}; ${allowed}`);
    const isAddresses = (value: unknown): boolean => (typeof value === 'string' && value.trim() !== '')
      || (Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string'));
    const isText = (value: unknown): boolean => typeof value === 'string' || typeof value === 'function';
    if (typeof options.to !== 'function' && !isAddresses(options.to)) {
      throw bad('to', options.to, 'it must be an address, addresses separated by "," or ";", a non-empty list of addresses, or a function of the task context');
    }
    if (!isText(options.subject)) throw bad('subject', options.subject, 'it must be a string (templated) or a function of the task context');
    if (!isText(options.htmlContent)) throw bad('htmlContent', options.htmlContent, 'it must be a string of HTML (templated) or a function of the task context');
    if (options.files !== undefined && typeof options.files !== 'function'
      && !(Array.isArray(options.files) && options.files.every((f) => typeof f === 'string'))) {
      throw bad('files', options.files, "it must be a list of file paths like ['/tmp/report.csv']");
    }
    for (const field of ['cc', 'bcc'] as const) {
      if (options[field] !== undefined && !isAddresses(options[field])) throw bad(field, options[field], 'it must be an address, addresses separated by "," or ";", or a list of addresses');
    }
    if (options.mimeSubtype !== undefined && !(MIME_SUBTYPES as readonly string[]).includes(options.mimeSubtype)) {
      throw bad('mimeSubtype', options.mimeSubtype, `it must be one of ${MIME_SUBTYPES.join(', ')}`);
    }
    if (options.mimeCharset !== undefined && !(MIME_CHARSETS as readonly string[]).includes(options.mimeCharset)) {
      throw bad('mimeCharset', options.mimeCharset, `it must be one of ${MIME_CHARSETS.join(', ')}`);
    }
    if (options.customHeaders !== undefined
      && !(isPlainObject(options.customHeaders) && Object.values(options.customHeaders).every((v) => typeof v === 'string'))) {
      throw bad('customHeaders', options.customHeaders, "it must be an object of strings like { 'Reply-To': 'team@example.com' }");
    }
    for (const field of ['connId', 'from', 'conversationId'] as const) {
      const value = options[field];
      if (value !== undefined && (typeof value !== 'string' || value.trim() === '')) throw bad(field, value, 'it must be a non-empty string');
    }
    this.to = options.to;
    this.subject = options.subject;
    this.htmlContent = options.htmlContent;
    this.files = options.files;
    this.cc = options.cc;
    this.bcc = options.bcc;
    this.mimeSubtype = options.mimeSubtype ?? 'mixed';
    this.mimeCharset = options.mimeCharset ?? 'utf-8';
    this.conversationId = options.conversationId;
    this.customHeaders = Object.freeze({ ...(options.customHeaders ?? {}) });
    this.connId = options.connId;
    this.from = options.from;
  }

  async execute(ctx: TaskContext): Promise<void> {
    const to = resolveTemplateFunctions(this.to, ctx) as string | string[];
    const subject = resolveTemplateFunctions(this.subject, ctx);
    const htmlContent = resolveTemplateFunctions(this.htmlContent, ctx);
    const files = resolveTemplateFunctions(this.files, ctx) as string[] | undefined;
    if (typeof subject !== 'string' || typeof htmlContent !== 'string') {
      throw new UpdraftError('UPDRAFT_ERR_TEMPLATE',
        `EmailOperator ${this.taskId}: subject and htmlContent must render to strings; got ${describe(subject)} and ${describe(htmlContent)}`);
    }
    const connId = this.connId ?? smtpDefaults().connId;
    ctx.log.info(`Sending email "${subject}" to ${describe(to)}`
      + (this.cc === undefined ? '' : `, cc ${describe(this.cc)}`)
      + (this.bcc === undefined ? '' : `, bcc ${describe(this.bcc)}`)
      + (files === undefined || files.length === 0 ? '' : `, attaching ${files.join(', ')}`)
      + ` through connection ${connId}`);
    const sent = await sendEmail({
      to, subject, htmlContent, connId,
      mimeSubtype: this.mimeSubtype,
      mimeCharset: this.mimeCharset,
      customHeaders: this.customHeaders,
      ...(files === undefined ? {} : { files }),
      ...(this.cc === undefined ? {} : { cc: this.cc }),
      ...(this.bcc === undefined ? {} : { bcc: this.bcc }),
      ...(this.from === undefined ? {} : { from: this.from }),
      ...(this.conversationId === undefined ? {} : { conversationId: this.conversationId }),
    });
    if (sent.rejected.length > 0) ctx.log.warn(`The server refused these recipients: ${sent.rejected.join(', ')}`);
    ctx.log.info(`Email sent (${sent.messageId}) to ${sent.accepted.length} recipient(s): ${sent.response}`);
  }
}
