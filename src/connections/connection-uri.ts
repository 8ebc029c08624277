import { UpdraftError } from '../common/errors.js';
import { isSensitiveName } from '../common/sensitive.js';
import {
  UrlSyntaxError, cleanUrl, hostname, hostinfo, parseQsl, portNumber, quote, quotePlus, unquote, urlencode, urlsplit, userinfo,
  type SplitUrl,
} from './python-url.js';

/** The query parameter whose value is the whole extra as JSON text (Airflow's EXTRA_KEY). */
export const EXTRA_KEY = '__extra__';

const MASK = '***';

/** The fields a connection URI carries, as Airflow's Connection(uri=…) sets them. */
export interface ConnectionUriFields {
  connType: string;
  /** '' when the URI has no host. */
  host: string;
  /** '' when the URI has no path. */
  schema: string;
  /** null without "@"; '' for "@host" or ":pw@host". */
  login: string | null;
  /** null without ":" in the userinfo, and for an empty password ("user:@host"). */
  password: string | null;
  port: number | null;
  /** null when there is no query. Values are strings, as in the query. */
  extra: Record<string, unknown> | null;
}

/** The connection fields getUri() reads. */
export interface ConnectionUriInput {
  connType: string | null;
  host: string | null;
  schema: string | null;
  login: string | null;
  password: string | null;
  port: number | null;
  extra: Record<string, unknown>;
}

/** "postgresql" → "postgres"; otherwise every "-" → "_" (Airflow's _normalize_conn_type). */
export function normalizeConnType(connType: string): string {
  if (connType === 'postgresql') return 'postgres';
  return connType.replace(/-/g, '_');
}

const URI_HELP = 'percent-encode special characters in the login, password, host and schema ("/" as %2F, "@" as %40, ":" as %3A, '
  + 'space as %20), as Connection.getUri() does; the shape is type://login:password@host:port/schema?key=value';

function invalidUri(uri: string, why: string, connId?: string): UpdraftError {
  const masked = maskConnectionUri(uri);
  const subject = connId === undefined ? 'connection URI' : `the URI of connection "${connId}"`;
  return new UpdraftError('UPDRAFT_ERR_CONNECTION_INVALID', `${subject} "${masked}" is not valid: ${why}`,
    { details: connId === undefined ? { uri: masked } : { connId, uri: masked } });
}

function countOccurrences(text: string, part: string): number {
  return text.split(part).length - 1;
}

function split(uri: string, connId: string | undefined): SplitUrl {
  try {
    return urlsplit(uri);
  } catch (error) {
    if (error instanceof UrlSyntaxError) throw invalidUri(uri, error.message, connId);
    throw error;
  }
}

/**
 * Airflow's _parse_netloc_to_hostname: Python's lower-cased hostname, percent-decoded; when the
 * decoded host holds a "/" (a socket path, a protocol), the raw netloc instead, case kept.
 */
function hostFromNetloc(netloc: string): string {
  const host = unquote(hostname(netloc) ?? '');
  if (!host.includes('/')) return host;
  let raw = netloc;
  const at = raw.lastIndexOf('@');
  if (at >= 0) raw = raw.slice(at + 1);
  const colon = raw.indexOf(':');
  if (colon >= 0) raw = raw.slice(0, colon);
  return unquote(raw);
}

/**
 * Parses a connection URI by Airflow 3's rules (models/connection.py _parse_from_uri). One
 * deliberate difference: with a protocol in the host, only the leading "<type>://" is removed
 * (Python's str.replace removes every occurrence, which garbles "http://http://h" and upper-case
 * schemes), and a protocol that is not a URI scheme is rejected instead of turning into a path.
 */
export function parseConnectionUri(uri: string, connId?: string): ConnectionUriFields {
  const schemeCount = countOccurrences(uri, '://');
  if (schemeCount > 2) {
    throw invalidUri(uri, `it holds "://" ${schemeCount} times; at most two are allowed (type://protocol://host, for a host that `
      + `carries its own protocol, e.g. spark://k8s://100.68.0.1:443) — percent-encode any other "://" as %3A%2F%2F`, connId);
  }
  const whole = split(uri, connId);
  const connType = normalizeConnType(whole.scheme);
  let parts = whole;
  let protocol: string | null = null;
  if (schemeCount === 2) {
    const cleaned = cleanUrl(uri);
    const prefix = `${whole.scheme}://`;
    if (whole.scheme === '' || cleaned.slice(0, prefix.length).toLowerCase() !== prefix) {
      throw invalidUri(uri, 'with two "://", the URI must start with type:// and the second must follow the host\'s protocol '
        + '(type://protocol://login:password@host:port/schema)', connId);
    }
    const rest = cleaned.slice(prefix.length);
    const protocolText = rest.slice(0, rest.indexOf('://'));
    if (protocolText.includes('@') || protocolText.includes(':')) {
      throw invalidUri(uri, 'a second "://" may only follow a protocol at the start of the host (type://protocol://login:password@host), '
        + 'not come after the login, password or port', connId);
    }
    parts = split(rest, connId);
    if (parts.scheme === '' || parts.scheme !== protocolText.toLowerCase()) {
      throw invalidUri(uri, `the protocol of the host ("${protocolText}") is not a URI scheme: it must start with a letter and hold only `
        + 'letters, digits, "+", "-" and "."', connId);
    }
    protocol = parts.scheme;
  }

  const host = hostFromNetloc(parts.netloc);
  const quotedSchema = parts.path.slice(1);
  const { username, password } = userinfo(parts.netloc);
  const portText = hostinfo(parts.netloc).port;
  const port = portNumber(portText);
  if (port !== null && Number.isNaN(port)) {
    const masked = maskConnectionUri(uri);
    // The "port" Python sees may be the tail of an unencoded password: never quote it then.
    const shown = portText !== null && masked.includes(`:${portText}`) ? ` "${portText}"` : '';
    throw invalidUri(uri, `the port${shown} is not a whole number from 0 to 65535 — if the password or login holds "/", "@", ":" `
      + `or "?", ${URI_HELP}`, connId);
  }

  let extra: Record<string, unknown> | null = null;
  if (parts.query !== '') {
    const query = new Map(parseQsl(parts.query));
    const extraJson = query.get(EXTRA_KEY);
    extra = extraJson === undefined ? Object.fromEntries(query) : parseExtraJson(extraJson, uri, connId);
  }
  return {
    connType,
    host: protocol !== null && host !== '' ? `${protocol}://${host}` : host,
    schema: quotedSchema === '' ? '' : unquote(quotedSchema),
    login: username ? unquote(username) : username,
    // Airflow's password setter ignores falsy values: "user:@host" has no password.
    password: password ? unquote(password) : null,
    port,
    extra,
  };
}

function parseExtraJson(text: string, uri: string, connId: string | undefined): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidUri(uri, `the ${EXTRA_KEY} parameter is not JSON; it must be a URL-encoded JSON object, e.g. ${EXTRA_KEY}=`
      + quotePlus('{"key": "value"}'), connId);
  }
  if (!isPlainObject(value)) {
    throw invalidUri(uri, `the ${EXTRA_KEY} parameter is JSON ${describeJson(value)}, not an object; it must be a URL-encoded JSON object`, connId);
  }
  return value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Whether urlencoding `extra` and parsing the query back gives the same object (all values strings). */
function queryRoundTrips(extra: Record<string, unknown>): extra is Record<string, string> {
  return !Object.hasOwn(extra, EXTRA_KEY) && Object.values(extra).every((value) => typeof value === 'string');
}

const SCHEME_PATTERN = /^[a-z][a-z0-9+\-.]*$/;

/**
 * Airflow 3's get_uri(): scheme from the type ("_" → "-"), a host's own protocol before the
 * authority, login/password/host/schema quoted with safe='', "@:port" when there is neither host
 * nor authority, and extras as a query when they survive parsing back (string values), otherwise
 * as `__extra__=<json>`, prefixed "?" after a schema and "/?" without one. Differences, all for the
 * round trip: port 0 is written (Python drops it as falsy), and a host protocol that would not parse
 * back as a protocol (not a lower-case scheme, equal to the type, or a host with a second "://") is
 * kept inside the quoted host instead.
 */
export function formatConnectionUri(conn: ConnectionUriInput): string {
  let uri = conn.connType ? `${conn.connType.toLowerCase().replace(/_/g, '-')}://` : '//';
  let host = conn.host;
  if (host && host.includes('://')) {
    const at = host.indexOf('://');
    const protocol = host.slice(0, at);
    const rest = host.slice(at + 3);
    if (conn.connType && SCHEME_PATTERN.test(protocol) && protocol !== conn.connType && rest !== '' && !rest.includes('://')) {
      uri += `${protocol}://`;
      host = rest;
    }
  }
  let authority = '';
  if (conn.login !== null) authority += quote(conn.login);
  if (conn.password !== null) authority += `:${quote(conn.password)}`;
  if (authority !== '') uri += `${authority}@`;
  let hostBlock = host ? quote(host) : '';
  if (conn.port !== null) hostBlock += hostBlock === '' && authority === '' ? `@:${conn.port}` : `:${conn.port}`;
  if (conn.schema) hostBlock += `/${quote(conn.schema)}`;
  uri += hostBlock;
  if (Object.keys(conn.extra).length > 0) {
    const prefix = conn.schema ? '?' : '/?';
    uri += prefix + (queryRoundTrips(conn.extra)
      ? urlencode(Object.entries(conn.extra))
      : urlencode([[EXTRA_KEY, JSON.stringify(conn.extra)]]));
  }
  return uri;
}

/** Replaces the values of sensitive keys (isSensitiveName), at any depth, with "***". */
export function maskSensitiveValues(value: unknown, sensitive = false): unknown {
  if (Array.isArray(value)) return value.map((item) => maskSensitiveValues(item, sensitive));
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, maskSensitiveValues(item, sensitive || isSensitiveName(key))]));
  }
  return sensitive && value !== null && value !== undefined ? MASK : value;
}

function maskQuery(query: string): string {
  return query.split('&').map((part) => {
    const eq = part.indexOf('=');
    if (eq < 0) return part;
    const name = unquote(part.slice(0, eq).replace(/\+/g, ' '));
    if (name === EXTRA_KEY) {
      try {
        const extra: unknown = JSON.parse(unquote(part.slice(eq + 1).replace(/\+/g, ' ')));
        if (isPlainObject(extra)) return `${part.slice(0, eq)}=${quotePlus(JSON.stringify(maskSensitiveValues(extra)))}`;
      } catch {
        // Not JSON: nothing in it can be told apart, so all of it is hidden.
      }
      return `${part.slice(0, eq)}=${MASK}`;
    }
    return isSensitiveName(name) ? `${part.slice(0, eq)}=${MASK}` : part;
  }).join('&');
}

/**
 * The URI with its password replaced by "***", and the values of sensitive query parameters (and of
 * sensitive keys inside `__extra__`) too. Works on malformed URIs as well, erring towards hiding
 * more: the userinfo is taken to end at the last "@" before the query (or the last "@" at all).
 */
export function maskConnectionUri(uri: string): string {
  const question = uri.indexOf('?');
  const head = question < 0 ? uri : uri.slice(0, question);
  let at = head.lastIndexOf('@');
  if (at < 0) at = uri.lastIndexOf('@');
  let masked = uri;
  if (at >= 0) {
    const separator = uri.indexOf('://');
    const start = separator >= 0 && separator < at ? separator + 3 : (uri.startsWith('//') ? 2 : 0);
    const colon = uri.indexOf(':', start);
    if (colon >= 0 && colon < at) masked = `${uri.slice(0, colon + 1)}${MASK}${uri.slice(at)}`;
  }
  const maskedQuestion = masked.indexOf('?', Math.max(0, masked.lastIndexOf(`${MASK}@`)));
  if (maskedQuestion < 0) return masked;
  return masked.slice(0, maskedQuestion + 1) + maskQuery(masked.slice(maskedQuestion + 1));
}
