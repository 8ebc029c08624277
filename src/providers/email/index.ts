// updraft/providers/email: send email through an `smtp` connection (nodemailer), as a function or
// as an operator. Failure and retry emails of tasks (emailOnFailure / emailOnRetry) use the same code.
export { EmailOperator, type EmailOperatorOptions } from './email-operator.js';
export { sendEmail, MIME_CHARSETS, MIME_SUBTYPES, type MimeCharset, type MimeSubtype, type SendEmailOptions, type SentEmail } from './send-email.js';
export { emailAddressList } from './recipients.js';
export { resolveSmtpSettings, type SmtpConnectionFields, type SmtpSettings } from './smtp-config.js';
export { DEFAULT_MAIL_FROM, DEFAULT_SMTP_CONN_ID, smtpDefaults, type SmtpDefaults } from './defaults.js';
