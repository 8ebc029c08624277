import { UpdraftError, isUpdraftError } from '../../common/errors.js';

const STATEMENT_LIMIT = 300;

/** The statement for a message: whitespace collapsed, cut at 300 characters. */
export function truncateStatement(statement: string, limit = STATEMENT_LIMIT): string {
  const flat = statement.replace(/\s+/g, ' ').trim();
  return flat.length <= limit ? flat : `${flat.slice(0, limit)}… (${flat.length} characters)`;
}

/** Removes a secret from driver text (a driver may echo a connection string); short ones would shred text. */
export function scrubSecret(text: string, secret: string | null | undefined): string {
  if (secret === null || secret === undefined || secret.length < 4) return text;
  return text.split(secret).join('***');
}

interface DriverErrorFields {
  message?: unknown;
  code?: unknown;
  sqlState?: unknown;
  errno?: unknown;
  position?: unknown;
  detail?: unknown;
  hint?: unknown;
}

/**
 * UPDRAFT_ERR_SQL naming the database, the statement (truncated) and the database's error, with
 * the driver error as cause. An UpdraftError passes through unchanged.
 */
export function sqlError(error: unknown, at: { database: string; statement: string | null; secret?: string | null | undefined }): UpdraftError {
  if (isUpdraftError(error)) return error;
  const fields = (typeof error === 'object' && error !== null ? error : {}) as DriverErrorFields;
  const raw = typeof fields.message === 'string' && fields.message !== '' ? fields.message
    : error instanceof AggregateError ? error.errors.map((e: unknown) => (e as Error).message).join('; ') : String(error);
  const message = scrubSecret(raw, at.secret);
  const sqlState = typeof fields.sqlState === 'string' ? fields.sqlState
    : typeof fields.code === 'string' && /^[0-9A-Z]{5}$/.test(fields.code) ? fields.code : null;
  const code = typeof fields.code === 'string' && fields.code !== sqlState ? fields.code : null;
  const tags = [sqlState === null ? null : `SQLSTATE ${sqlState}`, code].filter((t) => t !== null);
  const extra = [fields.detail, fields.hint].filter((t): t is string => typeof t === 'string' && t !== '')
    .map((t) => scrubSecret(t, at.secret));
  const details: Record<string, unknown> = { database: at.database };
  if (sqlState !== null) details.sqlState = sqlState;
  if (code !== null) details.code = code;
  if (typeof fields.errno === 'number') details.errno = fields.errno;
  if (typeof fields.position === 'string') details.position = Number(fields.position);
  let text: string;
  if (at.statement === null) {
    text = `could not connect to ${at.database}: ${message}${tags.length > 0 ? ` (${tags.join(', ')})` : ''}`;
  } else {
    const statement = truncateStatement(at.statement);
    details.statement = statement;
    text = `SQL statement failed on ${at.database}: ${message}${tags.length > 0 ? ` (${tags.join(', ')})` : ''}`
      + `${extra.length > 0 ? `; ${extra.join('; ')}` : ''}; statement: ${statement}`;
  }
  return new UpdraftError('UPDRAFT_ERR_SQL', text, { cause: error, details });
}
