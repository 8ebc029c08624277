import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { isUpdraftError, type UpdraftError } from '../common/errors.js';
import type { ParamSpec } from './dag-spec.js';
import { paramProblems, resolveParams } from './params.js';

function invalid(specs: Record<string, ParamSpec>, conf: Record<string, unknown>): UpdraftError {
  let caught: unknown = null;
  try {
    resolveParams(specs, conf);
  } catch (error) {
    caught = error;
  }
  if (!isUpdraftError(caught, 'UPDRAFT_ERR_PARAMS_INVALID')) {
    throw new Error(`expected UPDRAFT_ERR_PARAMS_INVALID, got ${caught === null ? 'no error' : String(caught)}`);
  }
  return caught;
}

describe('resolveParams', () => {
  test('defaults, overlaid by conf', () => {
    const specs: Record<string, ParamSpec> = { bucket: { default: 'logs' }, limit: { default: 10, type: 'integer' } };
    assert.deepEqual(resolveParams(specs, {}), { bucket: 'logs', limit: 10 });
    assert.deepEqual(resolveParams(specs, { limit: 5 }), { bucket: 'logs', limit: 5 });
  });

  test('unknown conf keys are kept', () => {
    assert.deepEqual(resolveParams({ a: { default: 1 } }, { a: 2, extra: { nested: true } }), { a: 2, extra: { nested: true } });
    assert.deepEqual(resolveParams({}, { anything: 'goes' }), { anything: 'goes' });
  });

  test('does not change its inputs', () => {
    const specs: Record<string, ParamSpec> = { a: { default: 1 } };
    const conf = { b: 2 };
    resolveParams(specs, conf);
    assert.deepEqual(specs, { a: { default: 1 } });
    assert.deepEqual(conf, { b: 2 });
  });

  test('a missing param without a default is an error unless it is marked required: false', () => {
    const error = invalid({ table: { type: 'string' } }, {});
    assert.match(error.message, /"table" is required and has no default/);
    assert.match(invalid({ table: { required: true } }, {}).message, /"table"/);
    assert.deepEqual(resolveParams({ table: { type: 'string', required: false } }, {}), {});
    assert.deepEqual(resolveParams({ table: { type: 'string', required: true } }, { table: 'events' }), { table: 'events' });
    // An undefined value in conf counts as missing.
    assert.match(invalid({ table: {} }, { table: undefined }).message, /required/);
  });

  test('null is a value and is checked', () => {
    assert.match(invalid({ a: { type: 'string', default: 'x' } }, { a: null }).message, /"a" = null is not of type string/);
    assert.deepEqual(resolveParams({ a: { type: 'null' } }, { a: null }), { a: null });
  });

  test('the message names every bad param, its value and the broken constraint', () => {
    const error = invalid({
      limit: { type: 'integer', minimum: 1, default: 10 },
      mode: { enum: ['full', 'delta'], default: 'full' },
      name: { type: 'string', minLength: 3, pattern: '^[a-z]+$', default: 'abc' },
      missing: { type: 'number' },
      ok: { type: 'boolean', default: true },
    }, { limit: 0, mode: 'partial', name: 'A1' });
    assert.match(error.message, /"limit" = 0 is below the minimum 1/);
    assert.match(error.message, /"mode" = "partial" is not one of "full", "delta"/);
    assert.match(error.message, /"name" = "A1" is shorter than the minLength 3, and does not match the pattern "\^\[a-z\]\+\$"/);
    assert.match(error.message, /"missing" is required/);
    assert.doesNotMatch(error.message, /"ok"/);
    assert.equal((error.details.problems as string[]).length, 4);
  });

  test('an invalid default is reported like an invalid conf value', () => {
    assert.match(invalid({ n: { type: 'integer', default: 1.5 } }, {}).message, /"n" = 1.5 is not of type integer/);
  });
});

describe('paramProblems', () => {
  test('types', () => {
    const ok: Array<[NonNullable<ParamSpec['type']>, unknown]> = [
      ['string', ''], ['number', 1.5], ['number', 3], ['integer', 3], ['boolean', false], ['object', { a: 1 }],
      ['array', [1]], ['null', null],
    ];
    for (const [type, value] of ok) assert.deepEqual(paramProblems({ type }, value), [], `${type} ${JSON.stringify(value)}`);
    const bad: Array<[NonNullable<ParamSpec['type']>, unknown]> = [
      ['string', 1], ['number', '1'], ['number', Number.NaN], ['integer', 1.5], ['boolean', 'true'], ['object', [1]],
      ['object', null], ['array', { 0: 1 }], ['null', 0],
    ];
    for (const [type, value] of bad) assert.deepEqual(paramProblems({ type }, value), [`is not of type ${type}`], `${type} ${String(value)}`);
  });

  test('numeric bounds are inclusive and apply to numbers only', () => {
    assert.deepEqual(paramProblems({ minimum: 1, maximum: 5 }, 1), []);
    assert.deepEqual(paramProblems({ minimum: 1, maximum: 5 }, 5), []);
    assert.deepEqual(paramProblems({ minimum: 1, maximum: 5 }, 6), ['is above the maximum 5']);
    assert.deepEqual(paramProblems({ minimum: 1 }, 'zero'), []);
  });

  test('string length counts characters (code points), not UTF-16 units', () => {
    assert.deepEqual(paramProblems({ maxLength: 2 }, '데이'), []);
    assert.deepEqual(paramProblems({ maxLength: 2 }, '😀😀'), []);
    assert.deepEqual(paramProblems({ maxLength: 2 }, '데이터'), ['is longer than the maxLength 2']);
    assert.deepEqual(paramProblems({ minLength: 1 }, 5), []);
  });

  test('pattern is a search (unanchored), like JSON Schema', () => {
    assert.deepEqual(paramProblems({ pattern: '[0-9]' }, 'abc1'), []);
    assert.deepEqual(paramProblems({ pattern: '^[0-9]+$' }, 'abc1'), ['does not match the pattern "^[0-9]+$"']);
    assert.match(paramProblems({ pattern: '(' }, 'x')[0]!, /not a valid regular expression/);
  });

  test('enum compares JSON values (object key order does not matter)', () => {
    assert.deepEqual(paramProblems({ enum: [{ a: 1, b: [1, 2] }] }, { b: [1, 2], a: 1 }), []);
    assert.deepEqual(paramProblems({ enum: [1, 2] }, '1'), ['is not one of 1, 2']);
    assert.deepEqual(paramProblems({ enum: [null] }, null), []);
  });
});
