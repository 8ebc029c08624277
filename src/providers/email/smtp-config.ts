import { UpdraftError } from '../../common/errors.js';
import { parseConnectionExtra } from '../../connections/connection.js';

/**
 * How an `smtp` connection becomes a nodemailer SMTP transport, Airflow's way: SSL from the start
 * (port 465) unless extra disable_ssl; then STARTTLS, required, unless extra disable_tls; login only
 * when both login and password are set; extra timeout in seconds (default 30), retry_limit (default
 * 5) connection attempts, ssl_context "none" to skip certificate checks, from_email as the default
 * sender.
 */

/** The fields of a connection this module reads (a TaskConnection or a Connection's plain object). */
export interface SmtpConnectionFields {
  connId?: string | null;
  connType?: string | null;
  host?: string | null;
  port?: number | null;
  login?: string | null;
  password?: string | null;
  extra?: Record<string, unknown> | string | null;
}

export interface SmtpSettings {
  connId: string;
  host: string;
  port: number;
  /** SSL from the first byte (implicit TLS). */
  secure: boolean;
  /** Plain connection upgraded with STARTTLS (required), or left plain. */
  startTls: boolean;
  verifyCertificates: boolean;
  auth: { user: string; pass: string } | null;
  timeoutMs: number;
  retryLimit: number;
  fromEmail: string | null;
}

const CONNECTION_TYPES = new Set(['smtp', 'smtps', 'email']);

export function resolveSmtpSettings(connection: SmtpConnectionFields): SmtpSettings {
  const connId = connection.connId ?? '(unnamed)';
  const what = `smtp connection ${JSON.stringify(connId)}`;
  const invalid = (message: string): UpdraftError => new UpdraftError('UPDRAFT_ERR_CONNECTION_INVALID', `${what} ${message}`, { details: { connId } });
  if (typeof connection.connType === 'string' && connection.connType !== '' && !CONNECTION_TYPES.has(connection.connType)) {
    throw invalid(`has type ${JSON.stringify(connection.connType)}; email needs a connection of type smtp (smtp://user:password@host:port)`);
  }
  const host = typeof connection.host === 'string' ? connection.host.trim() : '';
  if (host === '') throw invalid('has no host; set it, e.g. smtp://user:password@smtp.example.com:465');
  const extras = parseConnectionExtra(connId, connection.extra);
  const secure = !flag(extras, 'disable_ssl', invalid);
  const startTls = !secure && !flag(extras, 'disable_tls', invalid);
  const port = connection.port ?? (secure ? 465 : 25);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid(`has port ${JSON.stringify(port)}; it must be 1-65535`);
  const sslContext = extras.ssl_context;
  if (sslContext !== undefined && sslContext !== null && sslContext !== 'default' && sslContext !== 'none') {
    throw invalid(`has extra ssl_context=${JSON.stringify(sslContext)}; it must be "default" (verify certificates) or "none"`);
  }
  const login = connection.login ?? '';
  const password = connection.password ?? '';
  const from = extras.from_email;
  if (from !== undefined && from !== null && typeof from !== 'string') throw invalid(`has extra from_email=${JSON.stringify(from)}; it must be an address string`);
  return {
    connId,
    host,
    port,
    secure,
    startTls,
    verifyCertificates: sslContext !== 'none',
    auth: login !== '' && password !== '' ? { user: login, pass: password } : null,
    timeoutMs: positive(extras, { key: 'timeout', fallback: 30, invalid }) * 1000,
    retryLimit: Math.max(1, Math.floor(positive(extras, { key: 'retry_limit', fallback: 5, invalid }))),
    fromEmail: typeof from === 'string' && from.trim() !== '' ? from.trim() : null,
  };
}

/** nodemailer SMTP transport options for these settings. */
export function transportOptions(settings: SmtpSettings): {
  host: string; port: number; secure: boolean; requireTLS: boolean; ignoreTLS: boolean;
  auth?: { user: string; pass: string }; connectionTimeout: number; greetingTimeout: number; socketTimeout: number;
  tls: { rejectUnauthorized: boolean; servername?: string };
} {
  return {
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    requireTLS: settings.startTls,
    ignoreTLS: !settings.secure && !settings.startTls,
    ...(settings.auth === null ? {} : { auth: settings.auth }),
    connectionTimeout: settings.timeoutMs,
    greetingTimeout: settings.timeoutMs,
    socketTimeout: settings.timeoutMs,
    tls: { rejectUnauthorized: settings.verifyCertificates },
  };
}

/** Booleans arrive as strings from URIs (?disable_ssl=true): read them, refuse what is neither. */
function flag(extras: Record<string, unknown>, key: string, invalid: (message: string) => UpdraftError): boolean {
  const value = extras[key];
  if (value === undefined || value === null || value === '') return false;
  if (typeof value === 'boolean') return value;
  const text = String(value).trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(text)) return true;
  if (['false', '0', 'no', 'off'].includes(text)) return false;
  throw invalid(`has extra ${key}=${JSON.stringify(value)}; it must be true or false`);
}

function positive(extras: Record<string, unknown>, spec: { key: string; fallback: number; invalid: (message: string) => UpdraftError }): number {
  const value = extras[spec.key];
  if (value === undefined || value === null || value === '') return spec.fallback;
  const number = typeof value === 'number' ? value : Number(String(value).trim());
  if (!Number.isFinite(number) || number <= 0) {
    throw spec.invalid(`has extra ${spec.key}=${JSON.stringify(value)}; it must be a positive number`);
  }
  return number;
}
