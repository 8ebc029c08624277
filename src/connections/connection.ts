import { UpdraftError } from '../common/errors.js';
import { isSensitiveName } from '../common/sensitive.js';
import {
  describeJson, formatConnectionUri, isPlainObject, maskSensitiveValues, normalizeConnType, parseConnectionUri,
} from './connection-uri.js';
import { connectionTypeInfo } from './connection-types.js';

/** Airflow 3's conn_id rule (RE_SANITIZE_CONN_ID): word characters and # ! ( ) - . : / \ ; Python's \w is Unicode-aware. */
const CONN_ID_PATTERN = /^[\p{L}\p{N}_#!()\-.:/\\]+$/u;
export const CONN_ID_MAX_LENGTH = 250;
const CONN_ID_ALLOWED = `1 to ${CONN_ID_MAX_LENGTH} letters, digits and the characters _ # ! ( ) - . : / \\`;

function shown(text: string): string {
  const chars = [...text];
  return JSON.stringify(chars.length > 60 ? `${chars.slice(0, 60).join('')}…` : text);
}

/** Throws UPDRAFT_ERR_CONNECTION_INVALID unless `connId` follows Airflow 3's rule. */
export function validateConnId(connId: string): void {
  if (typeof connId !== 'string') {
    throw new UpdraftError('UPDRAFT_ERR_CONNECTION_INVALID', `a connection id must be a string of ${CONN_ID_ALLOWED}; got ${describeJson(connId)}`);
  }
  const length = [...connId].length;
  if (length === 0) {
    throw new UpdraftError('UPDRAFT_ERR_CONNECTION_INVALID', `a connection id cannot be empty; use ${CONN_ID_ALLOWED}`, { details: { connId } });
  }
  if (length > CONN_ID_MAX_LENGTH) {
    throw new UpdraftError('UPDRAFT_ERR_CONNECTION_INVALID', `connection id ${shown(connId)} is ${length} characters long; use ${CONN_ID_ALLOWED}`,
      { details: { connId } });
  }
  if (!CONN_ID_PATTERN.test(connId)) {
    const bad = [...new Set([...connId].filter((char) => !CONN_ID_PATTERN.test(char)))].map((char) => JSON.stringify(char)).join(', ');
    throw new UpdraftError('UPDRAFT_ERR_CONNECTION_INVALID', `connection id ${shown(connId)} has characters that are not allowed (${bad}); `
      + `use ${CONN_ID_ALLOWED}`, { details: { connId } });
  }
}

export interface ConnectionFields {
  connId: string;
  connType?: string | null;
  host?: string | null;
  schema?: string | null;
  login?: string | null;
  password?: string | null;
  port?: number | null;
  /** An object, or its JSON text (which must be a JSON object). */
  extra?: Record<string, unknown> | string | null;
  description?: string | null;
}

function invalid(connId: string, why: string, details: Record<string, unknown> = {}): UpdraftError {
  return new UpdraftError('UPDRAFT_ERR_CONNECTION_INVALID', `connection "${connId}": ${why}`, { details: { connId, ...details } });
}

function checkPort(connId: string, port: unknown): number | null {
  if (port === null || port === undefined) return null;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw invalid(connId, `port ${typeof port === 'string' ? JSON.stringify(port) : String(port)} is not a whole number from 0 to 65535`, { port });
  }
  return port;
}

function checkText(connId: string, field: string, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw invalid(connId, `${field} must be a string or null, not ${describeJson(value)}`);
  return value;
}

/**
 * A connection's extra as an object: an object (copied), its JSON text, or nothing ({}). Anything
 * else is UPDRAFT_ERR_CONNECTION_INVALID; the text is never echoed (it may hold secrets).
 */
export function parseConnectionExtra(connId: string, extra: unknown): Record<string, unknown> {
  if (extra === null || extra === undefined || extra === '') return {};
  if (typeof extra === 'string') {
    let value: unknown;
    try {
      value = JSON.parse(extra);
    } catch {
      // The text is not echoed: it may hold secrets.
      throw invalid(connId, 'extra is not JSON; it must be a JSON object such as {"key": "value"}');
    }
    if (!isPlainObject(value)) throw invalid(connId, `extra is JSON ${describeJson(value)}, not an object; it must be a JSON object such as {"key": "value"}`);
    return value;
  }
  if (!isPlainObject(extra)) throw invalid(connId, `extra must be an object (or its JSON text), not ${describeJson(extra)}`);
  try {
    return structuredClone(extra);
  } catch {
    throw invalid(connId, 'extra must hold plain data (strings, numbers, booleans, null, arrays and objects), not functions or class instances');
  }
}

/** The keys of Airflow's JSON form of a connection. */
const JSON_KEYS = ['conn_type', 'description', 'host', 'schema', 'login', 'password', 'port', 'extra'] as const;

/**
 * A connection: where and how to reach an external system, looked up by id. Mirrors Airflow's
 * model, including its quirks: an empty password is no password, and a URI without a path has the
 * schema '' (not null).
 */
export class Connection {
  readonly connId: string;
  connType: string | null;
  host: string | null;
  schema: string | null;
  login: string | null;
  password: string | null;
  port: number | null;
  extra: Record<string, unknown>;
  description: string | null;

  constructor(fields: ConnectionFields) {
    validateConnId(fields.connId);
    const id = fields.connId;
    this.connId = id;
    this.connType = checkText(id, 'conn_type', fields.connType);
    this.host = checkText(id, 'host', fields.host);
    this.schema = checkText(id, 'schema', fields.schema);
    this.login = checkText(id, 'login', fields.login);
    // Airflow's password setter ignores falsy values: '' is no password.
    this.password = checkText(id, 'password', fields.password) || null;
    this.port = checkPort(id, fields.port);
    this.extra = parseConnectionExtra(id, fields.extra);
    this.description = checkText(id, 'description', fields.description);
  }

  /** Parses a connection URI by Airflow's rules (see parseConnectionUri). */
  static fromUri(connId: string, uri: string): Connection {
    validateConnId(connId);
    if (typeof uri !== 'string') throw invalid(connId, `the URI must be a string, not ${describeJson(uri)}`);
    const fields = parseConnectionUri(uri, connId);
    return new Connection({ connId, ...fields, extra: fields.extra ?? {} });
  }

  /**
   * Airflow's JSON form: { conn_type, description, host, schema, login, password, port, extra }, any
   * of them left out. conn_type is normalised as in a URI; port may be a number or a numeric string
   * ('' and null mean none); extra may be an object or its JSON text. A `conn_id` key, when present,
   * must equal `connId`.
   */
  static fromJson(connId: string, json: string | Record<string, unknown>): Connection {
    validateConnId(connId);
    let value: unknown = json;
    if (typeof json === 'string') {
      try {
        value = JSON.parse(json);
      } catch (error) {
        // JSON.parse's message quotes the text around the error, which may be a password.
        const position = /position (\d+)/.exec((error as Error).message)?.[1];
        throw invalid(connId, `the connection JSON is not valid JSON${position === undefined ? '' : ` (at character ${position})`}; expected an object `
          + `with the keys ${JSON_KEYS.join(', ')}`);
      }
    }
    if (!isPlainObject(value)) throw invalid(connId, `the connection JSON is ${describeJson(value)}, not an object with the keys ${JSON_KEYS.join(', ')}`);
    const unknown = Object.keys(value).filter((key) => !(JSON_KEYS as readonly string[]).includes(key) && key !== 'conn_id');
    if (unknown.length > 0) {
      throw invalid(connId, `the connection JSON has unknown keys ${unknown.map((key) => JSON.stringify(key)).join(', ')}; allowed: ${JSON_KEYS.join(', ')}`);
    }
    if (value.conn_id !== undefined && value.conn_id !== connId) {
      throw invalid(connId, `the connection JSON says conn_id ${JSON.stringify(value.conn_id)}, which is not "${connId}"`);
    }
    const connType = checkText(connId, 'conn_type', value.conn_type);
    return new Connection({
      connId,
      connType: connType ? normalizeConnType(connType) : connType,
      description: checkText(connId, 'description', value.description),
      host: checkText(connId, 'host', value.host),
      schema: checkText(connId, 'schema', value.schema),
      login: checkText(connId, 'login', value.login),
      password: checkText(connId, 'password', value.password),
      port: jsonPort(connId, value.port),
      extra: jsonExtra(connId, value.extra),
    });
  }

  /** From the value of a UPDRAFT_CONN_<ID> variable: JSON when it starts with "{" (after trimming), else a URI. */
  static fromEnvValue(connId: string, value: string): Connection {
    const text = value.trim();
    return text.startsWith('{') ? Connection.fromJson(connId, text) : Connection.fromUri(connId, text);
  }

  /** The URI form, by Airflow 3's get_uri() rules; Connection.fromUri(id, c.getUri()) gives the same fields back. */
  getUri(): string {
    return formatConnectionUri(this);
  }

  /** Airflow's JSON form, every key present (null when unset), extra as an object. */
  toJson(): Record<string, unknown> {
    return {
      conn_type: this.connType,
      description: this.description,
      host: this.host,
      schema: this.schema,
      login: this.login,
      password: this.password,
      port: this.port,
      extra: structuredClone(this.extra),
    };
  }

  /** The plain object tasks and templates see. */
  toObject(): Record<string, unknown> {
    return {
      connId: this.connId,
      connType: this.connType,
      host: this.host,
      schema: this.schema,
      login: this.login,
      password: this.password,
      port: this.port,
      extra: structuredClone(this.extra),
    };
  }

  /**
   * The values to register with the log masker: the password, and every value under an extra key
   * that is sensitive by name (isSensitiveName) or declared sensitive by the connection type, at
   * any depth. String values holding JSON objects or arrays are searched too (a "headers" string
   * with an Authorization inside). The masker adds the URL-encoded forms itself.
   */
  secrets(): string[] {
    const found = new Set<string>();
    if (this.password) found.add(this.password);
    const declared = new Set(connectionTypeInfo(this.connType)?.sensitiveExtras ?? []);
    const walk = (value: unknown, sensitive: boolean, depth: number): void => {
      if (depth > 32) return;
      if (Array.isArray(value)) {
        for (const item of value) walk(item, sensitive, depth + 1);
      } else if (isPlainObject(value)) {
        for (const [key, item] of Object.entries(value)) walk(item, sensitive || isSensitiveName(key), depth + 1);
      } else if (typeof value === 'string') {
        if (sensitive) {
          if (value !== '') found.add(value);
        } else if (/^\s*[[{]/.test(value)) {
          try {
            walk(JSON.parse(value), false, depth + 1);
          } catch {
            // Not JSON: an ordinary string.
          }
        }
      } else if (sensitive && (typeof value === 'number' || typeof value === 'bigint')) {
        found.add(String(value));
      }
    };
    for (const [key, value] of Object.entries(this.extra)) walk(value, declared.has(key) || isSensitiveName(key), 0);
    return [...found];
  }

  /** The URI with the password and sensitive extras replaced by "***", for display. */
  getMaskedUri(): string {
    const masked = new Connection({ ...this.toFields(), password: this.password === null ? null : '***', extra: this.maskedExtra() });
    return masked.getUri();
  }

  /** The extra with sensitive values (by name, or declared by the connection type) replaced by "***". */
  maskedExtra(): Record<string, unknown> {
    const declared = new Set(connectionTypeInfo(this.connType)?.sensitiveExtras ?? []);
    return Object.fromEntries(Object.entries(this.extra).map(([key, value]) => [key, maskSensitiveValues(value, declared.has(key) || isSensitiveName(key))]));
  }

  /** Every field, for building a changed copy: new Connection({ ...conn.toFields(), host: 'x' }). */
  toFields(): Required<ConnectionFields> {
    return {
      connId: this.connId, connType: this.connType, host: this.host, schema: this.schema, login: this.login,
      password: this.password, port: this.port, extra: structuredClone(this.extra), description: this.description,
    };
  }

  /** console.log / util.inspect show the password masked. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Connection ${JSON.stringify({ ...this.toObject(), password: this.password === null ? null : '***', extra: this.maskedExtra() })}`;
  }
}

function jsonPort(connId: string, port: unknown): number | null {
  if (port === null || port === undefined || port === '') return null;
  const text = typeof port === 'string' ? port.trim() : null;
  const number = text !== null && /^[+-]?[0-9]+$/.test(text) ? Number(text) : port;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 0 || number > 65535) {
    throw invalid(connId, `expected an integer value from 0 to 65535 for port, but got ${JSON.stringify(port)} instead`, { port });
  }
  return number;
}

function jsonExtra(connId: string, extra: unknown): Record<string, unknown> | string | null {
  if (extra === null || extra === undefined) return null;
  if (typeof extra === 'string' || isPlainObject(extra)) return extra;
  throw invalid(connId, `extra must be a JSON object or a string holding one, not ${describeJson(extra)}`);
}
