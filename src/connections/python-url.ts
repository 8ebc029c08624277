import { isIP } from 'node:net';

/*
 * The pieces of Python's urllib.parse that Airflow's connection URIs are defined by (urlsplit, its
 * username/password/hostname/port properties, quote, unquote, parse_qsl, urlencode), reproduced
 * rule for rule. WHATWG `URL` differs on exactly the edge cases Airflow's tests pin down (empty
 * userinfo, hostnames with percent escapes, unknown schemes), so it cannot be used here.
 */

export interface SplitUrl {
  /** Lower-cased; '' when there is none. */
  scheme: string;
  netloc: string;
  path: string;
  query: string;
  fragment: string;
}

/** Raised for what Python's urlsplit rejects (unbalanced IPv6 brackets); callers add context. */
export class UrlSyntaxError extends Error {
  override name = 'UrlSyntaxError';
}

const SCHEME_CHARS = /^[A-Za-z0-9+\-.]*$/;

/** What Python does to a URL before splitting it (WHATWG rules): tab/CR/LF removed, leading C0 controls and spaces stripped. */
export function cleanUrl(input: string): string {
  const text = input.replace(/[\t\r\n]/g, '');
  let start = 0;
  while (start < text.length && text.charCodeAt(start) <= 0x20) start++;
  return text.slice(start);
}

export function urlsplit(input: string): SplitUrl {
  let url = cleanUrl(input);
  let scheme = '';
  let netloc = '';
  let query = '';
  let fragment = '';
  const colon = url.indexOf(':');
  if (colon > 0 && /^[A-Za-z]/.test(url) && SCHEME_CHARS.test(url.slice(0, colon))) {
    scheme = url.slice(0, colon).toLowerCase();
    url = url.slice(colon + 1);
  }
  if (url.startsWith('//')) {
    let end = url.length;
    for (const delimiter of ['/', '?', '#']) {
      const at = url.indexOf(delimiter, 2);
      if (at >= 0 && at < end) end = at;
    }
    netloc = url.slice(2, end);
    url = url.slice(end);
    checkBrackets(netloc);
  }
  const hash = url.indexOf('#');
  if (hash >= 0) {
    fragment = url.slice(hash + 1);
    url = url.slice(0, hash);
  }
  const question = url.indexOf('?');
  if (question >= 0) {
    query = url.slice(question + 1);
    url = url.slice(0, question);
  }
  return { scheme, netloc, path: url, query, fragment };
}

function checkBrackets(netloc: string): void {
  const open = netloc.includes('[');
  const close = netloc.includes(']');
  if (open !== close) throw new UrlSyntaxError('an IPv6 address has an unbalanced "[" or "]"');
  if (!open) return;
  const hostAndPort = netloc.slice(netloc.lastIndexOf('@') + 1);
  const bracket = hostAndPort.indexOf('[');
  if (bracket < 0) return;
  if (bracket > 0) throw new UrlSyntaxError('text comes before the "[" of an IPv6 address');
  const bracketed = hostAndPort.slice(bracket + 1);
  const end = bracketed.indexOf(']');
  const host = end >= 0 ? bracketed.slice(0, end) : bracketed;
  const after = end >= 0 ? bracketed.slice(end + 1) : '';
  if (after !== '' && !after.startsWith(':')) throw new UrlSyntaxError('text other than ":port" follows the "]" of an IPv6 address');
  if (host.startsWith('v')) {
    if (!/^v[a-fA-F0-9]+\..+$/.test(host)) throw new UrlSyntaxError(`"[${host}]" is not a valid IPvFuture address`);
  } else {
    const version = isIP(host.split('%')[0] ?? '');
    if (version === 4) throw new UrlSyntaxError('an IPv4 address cannot be in brackets');
    if (version !== 6) throw new UrlSyntaxError(`"[${host}]" is not a valid IPv6 address`);
  }
}

/** Python's SplitResult.username / .password: from the netloc up to its last "@". */
export function userinfo(netloc: string): { username: string | null; password: string | null } {
  const at = netloc.lastIndexOf('@');
  if (at < 0) return { username: null, password: null };
  const info = netloc.slice(0, at);
  const colon = info.indexOf(':');
  return colon < 0 ? { username: info, password: null } : { username: info.slice(0, colon), password: info.slice(colon + 1) };
}

/** Python's SplitResult._hostinfo: the raw host (brackets removed) and the raw port text. */
export function hostinfo(netloc: string): { host: string; port: string | null } {
  const info = netloc.slice(netloc.lastIndexOf('@') + 1);
  const bracket = info.indexOf('[');
  let host: string;
  let port: string;
  if (bracket >= 0) {
    const bracketed = info.slice(bracket + 1);
    const end = bracketed.indexOf(']');
    host = end >= 0 ? bracketed.slice(0, end) : bracketed;
    const after = end >= 0 ? bracketed.slice(end + 1) : '';
    const colon = after.indexOf(':');
    port = colon >= 0 ? after.slice(colon + 1) : '';
  } else {
    const colon = info.indexOf(':');
    host = colon >= 0 ? info.slice(0, colon) : info;
    port = colon >= 0 ? info.slice(colon + 1) : '';
  }
  return { host, port: port === '' ? null : port };
}

/**
 * Python's SplitResult.hostname: null when empty; lower-cased up to the first "%" (what follows
 * may be an IPv6 zone id, which Python keeps as written — and so keeps any percent escapes too).
 */
export function hostname(netloc: string): string | null {
  const { host } = hostinfo(netloc);
  if (host === '') return null;
  const percent = host.indexOf('%');
  return percent < 0 ? host.toLowerCase() : host.slice(0, percent).toLowerCase() + host.slice(percent);
}

/** Python's SplitResult.port rule: ASCII digits only, 0–65535. Returns null when absent, NaN when invalid. */
export function portNumber(portText: string | null): number | null {
  if (portText === null) return null;
  if (!/^[0-9]+$/.test(portText)) return Number.NaN;
  const port = Number(portText);
  return port <= 65535 ? port : Number.NaN;
}

function isAlwaysSafe(byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
    || byte === 0x5f || byte === 0x2e || byte === 0x2d || byte === 0x7e;
}

/** Python's quote(text, safe): UTF-8 bytes, everything but letters, digits, "_.-~" and `safe` as %XX. */
export function quote(text: string, safe = ''): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    if (isAlwaysSafe(byte) || (byte < 0x80 && safe.includes(char))) out += char;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Python's quote_plus: as quote, with spaces as "+". */
export function quotePlus(text: string): string {
  return quote(text, ' ').replace(/ /g, '+');
}

/** Python's unquote: %XX runs decoded as UTF-8 (invalid bytes → U+FFFD); malformed escapes and "+" kept. */
export function unquote(text: string): string {
  if (!text.includes('%')) return text;
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'));
}

/** Python's parse_qsl(query, keep_blank_values=True): "&"-separated, "+" is a space, "a" alone is ("a", ""). */
export function parseQsl(query: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    pairs.push([unquote(name.replace(/\+/g, ' ')), unquote(value.replace(/\+/g, ' '))]);
  }
  return pairs;
}

/** Python's urlencode(pairs) with quote_plus. */
export function urlencode(pairs: Iterable<readonly [string, string]>): string {
  return [...pairs].map(([name, value]) => `${quotePlus(name)}=${quotePlus(value)}`).join('&');
}
