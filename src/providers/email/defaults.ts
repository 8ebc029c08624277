import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The [smtp] settings in force for the task running now: `smtp_conn_id` (the connection EmailOperator
 * and sendEmail use when given none) and `smtp_mail_from` (the sender when neither the call nor the
 * connection's from_email names one). The runtime sets them for each attempt from the Workload the
 * scheduler built from its config; without them (a script, a test) the process environment's
 * UPDRAFT__SMTP__SMTP_CONN_ID / UPDRAFT__SMTP__SMTP_MAIL_FROM apply, then the config defaults.
 */
export interface SmtpDefaults {
  connId: string;
  mailFrom: string;
}

export const DEFAULT_SMTP_CONN_ID = 'smtp_default';
export const DEFAULT_MAIL_FROM = 'updraft@localhost';

const storage = new AsyncLocalStorage<SmtpDefaults>();

/** Runs `fn` with these [smtp] settings (the runtime calls it around each attempt). */
export function runWithSmtpDefaults<T>(defaults: SmtpDefaults | undefined, fn: () => T): T {
  return defaults === undefined ? fn() : storage.run(defaults, fn);
}

export function smtpDefaults(env: NodeJS.ProcessEnv = process.env): SmtpDefaults {
  const current = storage.getStore();
  if (current !== undefined) return current;
  const connId = env.UPDRAFT__SMTP__SMTP_CONN_ID?.trim();
  const mailFrom = env.UPDRAFT__SMTP__SMTP_MAIL_FROM?.trim();
  return {
    connId: connId === undefined || connId === '' ? DEFAULT_SMTP_CONN_ID : connId,
    mailFrom: mailFrom === undefined || mailFrom === '' ? DEFAULT_MAIL_FROM : mailFrom,
  };
}
