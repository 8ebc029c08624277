import { UpdraftError } from './errors.js';

/**
 * The XCom wire format: JSON where values JSON would mangle are tagged objects `{"$t": tag, "v": …}`.
 * Ordinary JSON stays as it is (readable in the UI and the database); a plain object that happens to
 * have a "$t" key is escaped as `{"$t": "Object", "v": {…}}`. Round-trips Date, bigint, Buffer,
 * Uint8Array (and other typed arrays), Map, Set, RegExp, undefined, NaN and ±Infinity; -0 becomes 0.
 */
const TAG = '$t';

type Tagged = { [TAG]: string; v?: unknown };

const TYPED_ARRAYS = {
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array,
} as const;
type TypedArrayName = keyof typeof TYPED_ARRAYS;

export function encodeXCom(value: unknown): string {
  return JSON.stringify(encodeValue(value, 'value', new Set()));
}

export function decodeXCom(text: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT',
      `An XCom value is not valid JSON (${(error as Error).message}): ${JSON.stringify(text.slice(0, 60))}`);
  }
  return decodeValue(parsed);
}

function pathOf(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

function encodeValue(value: unknown, path: string, seen: Set<object>): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : { [TAG]: 'Number', v: String(value) };
    case 'bigint':
      return { [TAG]: 'BigInt', v: value.toString() };
    case 'undefined':
      return { [TAG]: 'undefined' };
    case 'function':
    case 'symbol':
      throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT',
        `${path} is a ${typeof value}, which cannot be stored in XCom; push data (strings, numbers, Date, bigint, Buffer, Map, Set, arrays, objects)`,
        { details: { path } });
    case 'object':
      break;
  }
  if (value === null) return null;
  const object = value as object;
  if (seen.has(object)) {
    throw new UpdraftError('UPDRAFT_ERR_INVALID_ARGUMENT', `${path} is a circular reference, which cannot be stored in XCom`, { details: { path } });
  }
  seen.add(object);
  try {
    return encodeObject(object, path, seen);
  } finally {
    seen.delete(object);
  }
}

function encodeObject(value: object, path: string, seen: Set<object>): unknown {
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (let i = 0; i < value.length; i++) out.push(encodeValue(value[i], pathOf(path, i), seen));
    return out;
  }
  if (value instanceof Date) return { [TAG]: 'Date', v: Number.isNaN(value.getTime()) ? null : value.toISOString() };
  if (Buffer.isBuffer(value)) return { [TAG]: 'Buffer', v: value.toString('base64') };
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const name = value.constructor.name as TypedArrayName;
    if (name in TYPED_ARRAYS) {
      return { [TAG]: name, v: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
    }
  }
  if (value instanceof Map) {
    let i = 0;
    const entries: unknown[] = [];
    for (const [k, v] of value) {
      const entryPath = `${path}<Map entry ${i++}>`;
      entries.push([encodeValue(k, `${entryPath}.key`, seen), encodeValue(v, `${entryPath}.value`, seen)]);
    }
    return { [TAG]: 'Map', v: entries };
  }
  if (value instanceof Set) {
    let i = 0;
    const items: unknown[] = [];
    for (const item of value) items.push(encodeValue(item, `${path}<Set item ${i++}>`, seen));
    return { [TAG]: 'Set', v: items };
  }
  if (value instanceof RegExp) return { [TAG]: 'RegExp', v: [value.source, value.flags] };
  if (value instanceof Error) return { [TAG]: 'Error', v: { name: value.name, message: value.message } };
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return encodeValue(toJSON.call(value), path, seen);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) defineData(out, key, encodeValue(item, pathOf(path, key), seen));
  return Object.hasOwn(out, TAG) ? { [TAG]: 'Object', v: out } : out;
}

function decodeValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(decodeValue);
  const record = value as Record<string, unknown>;
  if (typeof record[TAG] === 'string') {
    const decoded = decodeTagged(record as Tagged);
    if (decoded !== NOT_A_TAG) return decoded;
  }
  return decodeEntries(record);
}

function decodeEntries(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(record)) {
    defineData(out, key, decodeValue(item));
  }
  return out;
}

const NOT_A_TAG = Symbol('not a tag');

/** Sets a key as plain data: a "__proto__" key must stay a key, not replace the prototype. */
function defineData(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function decodeTagged(record: Tagged): unknown {
  const v = record.v;
  const tag = record[TAG];
  switch (tag) {
    case 'undefined':
      return undefined;
    case 'Number':
      return v === 'NaN' ? Number.NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : NOT_A_TAG;
    case 'BigInt':
      return typeof v === 'string' && /^-?\d+$/.test(v) ? BigInt(v) : NOT_A_TAG;
    case 'Date':
      return v === null ? new Date(Number.NaN) : typeof v === 'string' ? new Date(v) : NOT_A_TAG;
    case 'Buffer':
      return typeof v === 'string' ? Buffer.from(v, 'base64') : NOT_A_TAG;
    case 'Map':
      return Array.isArray(v) ? new Map(v.map((entry) => {
        const [k, item] = entry as [unknown, unknown];
        return [decodeValue(k), decodeValue(item)];
      })) : NOT_A_TAG;
    case 'Set':
      return Array.isArray(v) ? new Set(v.map(decodeValue)) : NOT_A_TAG;
    case 'RegExp':
      return Array.isArray(v) && typeof v[0] === 'string' && typeof v[1] === 'string' ? new RegExp(v[0], v[1]) : NOT_A_TAG;
    case 'Error': {
      if (typeof v !== 'object' || v === null) return NOT_A_TAG;
      const { name, message } = v as { name?: unknown; message?: unknown };
      const error = new Error(typeof message === 'string' ? message : '');
      if (typeof name === 'string') error.name = name;
      return error;
    }
    case 'Object':
      return typeof v === 'object' && v !== null && !Array.isArray(v) ? decodeEntries(v as Record<string, unknown>) : NOT_A_TAG;
    default:
      if (tag in TYPED_ARRAYS && typeof v === 'string') {
        const bytes = Buffer.from(v, 'base64');
        const Ctor = TYPED_ARRAYS[tag as TypedArrayName];
        const copy = new ArrayBuffer(bytes.byteLength);
        new Uint8Array(copy).set(bytes);
        return new Ctor(copy);
      }
      return NOT_A_TAG;
  }
}
