import { test, describe } from 'node:test';
import { strict as assert } from 'node:assert';
import { isUpdraftError } from './errors.js';
import { decodeXCom, encodeXCom } from './xcom-codec.js';

const roundTrip = (value: unknown): unknown => decodeXCom(encodeXCom(value));

describe('XCom codec', () => {
  test('plain JSON stays plain and readable', () => {
    const value = { name: '한국어', n: 1.5, ok: true, none: null, list: [1, 'two', { three: 3 }] };
    assert.equal(encodeXCom(value), JSON.stringify(value));
    assert.deepEqual(roundTrip(value), value);
    assert.equal(encodeXCom('text'), '"text"');
    assert.equal(roundTrip('{"$t":"Date"}'), '{"$t":"Date"}');
  });

  test('Date, bigint, Buffer, Uint8Array, Map, Set survive', () => {
    const value = {
      at: new Date('2026-01-02T03:04:05.678Z'),
      big: 2n ** 70n,
      negative: -5n,
      bytes: Buffer.from('héllo'),
      raw: new Uint8Array([0, 1, 255]),
      floats: new Float64Array([1.5, -2]),
      map: new Map<unknown, unknown>([['k', 1], [2, new Date(0)], [{ o: 1 }, [3n]]]),
      set: new Set([1, 'a', 2n]),
      re: /a.b/gi,
    };
    const back = roundTrip(value) as typeof value;
    assert.ok(back.at instanceof Date);
    assert.equal(back.at.toISOString(), '2026-01-02T03:04:05.678Z');
    assert.equal(back.big, 2n ** 70n);
    assert.equal(back.negative, -5n);
    assert.ok(Buffer.isBuffer(back.bytes));
    assert.equal(back.bytes.toString(), 'héllo');
    assert.ok(back.raw instanceof Uint8Array && !Buffer.isBuffer(back.raw));
    assert.deepEqual([...back.raw], [0, 1, 255]);
    assert.ok(back.floats instanceof Float64Array);
    assert.deepEqual([...back.floats], [1.5, -2]);
    assert.ok(back.map instanceof Map);
    assert.deepEqual(back.map, value.map);
    assert.ok(back.set instanceof Set);
    assert.deepEqual(back.set, value.set);
    assert.ok(back.re instanceof RegExp);
    assert.equal(back.re.source, 'a.b');
    assert.equal(back.re.flags, 'gi');
    assert.deepEqual(roundTrip(new Date('2020-01-01T00:00:00Z')), new Date('2020-01-01T00:00:00Z'));
    assert.ok(Number.isNaN((roundTrip(new Date('nope')) as Date).getTime()));
  });

  test('a slice of a larger buffer keeps only its bytes', () => {
    const big = Buffer.from('0123456789');
    assert.equal((roundTrip(big.subarray(2, 5)) as Buffer).toString(), '234');
    const view = new Uint8Array(big.buffer, big.byteOffset + 1, 2);
    assert.deepEqual([...(roundTrip(view) as Uint8Array)], [49, 50]);
  });

  test('undefined, NaN and infinities survive; -0 may become 0', () => {
    const back = roundTrip({ a: undefined, list: [1, undefined, NaN, Infinity, -Infinity], z: -0 }) as Record<string, unknown>;
    assert.ok(Object.hasOwn(back, 'a'));
    assert.equal(back.a, undefined);
    assert.deepEqual(back.list, [1, undefined, NaN, Infinity, -Infinity]);
    assert.equal(Object.is(back.z, 0) || Object.is(back.z, -0), true);
    assert.equal(roundTrip(undefined), undefined);
    assert.ok(Number.isNaN(roundTrip(NaN)));
  });

  test('objects that look like tags are escaped', () => {
    const tricky = { $t: 'Date', v: '2020-01-01T00:00:00Z' };
    assert.deepEqual(roundTrip(tricky), tricky);
    const nested = { outer: { $t: 'BigInt', v: '1', extra: [{ $t: 'undefined' }] } };
    assert.deepEqual(roundTrip(nested), nested);
    assert.deepEqual(roundTrip({ $t: 'Object', v: { $t: 'x' } }), { $t: 'Object', v: { $t: 'x' } });
    const proto = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    const back = roundTrip(proto) as Record<string, unknown>;
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.deepEqual(Object.keys(back), ['__proto__']);
  });

  test('class instances encode as their data; toJSON is honoured', () => {
    class Point { constructor(public x: number, public y: number) {} }
    assert.deepEqual(roundTrip(new Point(1, 2)), { x: 1, y: 2 });
    assert.deepEqual(roundTrip({ u: new URL('https://example.com/a') }), { u: 'https://example.com/a' });
    const err = roundTrip(new TypeError('bad')) as Error;
    assert.ok(err instanceof Error);
    assert.equal(err.name, 'TypeError');
    assert.equal(err.message, 'bad');
  });

  test('functions, symbols and cycles are refused, naming the path', () => {
    const check = (value: unknown, pattern: RegExp): void => {
      assert.throws(() => encodeXCom(value), (e: unknown) => {
        assert.ok(isUpdraftError(e, 'UPDRAFT_ERR_INVALID_ARGUMENT'), String(e));
        assert.match((e as Error).message, pattern);
        return true;
      });
    };
    check({ a: [1, 2, () => 3] }, /^value\.a\[2\] is a function/);
    check({ 'odd key': Symbol('s') }, /^value\["odd key"\] is a symbol/);
    check(() => 1, /^value is a function/);
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    check(cyclic, /^value\.self is a circular reference/);
    check(new Map([['k', () => 1]]), /^value<Map entry 0>\.value is a function/);
    // The same object twice (not a cycle) is fine.
    const shared = { n: 1 };
    assert.deepEqual(roundTrip([shared, shared]), [{ n: 1 }, { n: 1 }]);
  });

  test('invalid JSON is reported', () => {
    assert.throws(() => decodeXCom('{nope'), (e: unknown) => isUpdraftError(e, 'UPDRAFT_ERR_INVALID_ARGUMENT'));
  });
});
