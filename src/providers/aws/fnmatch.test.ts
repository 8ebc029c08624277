import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fnmatch, wildcardPrefix } from './fnmatch.js';

test('fnmatch follows Python: * crosses slashes, ?, [seq], [!seq], literal specials', () => {
  assert.ok(fnmatch('data/2024/01/a.csv', 'data/*.csv'));
  assert.ok(fnmatch('data/a.csv', 'data/?.csv'));
  assert.ok(!fnmatch('data/ab.csv', 'data/?.csv'));
  assert.ok(fnmatch('data/b1.csv', 'data/[abc][0-9].csv'));
  assert.ok(!fnmatch('data/d1.csv', 'data/[abc]1.csv'));
  assert.ok(fnmatch('data/d1.csv', 'data/[!abc]1.csv'));
  assert.ok(fnmatch('a.b+(c)', 'a.b+(c)'));
  assert.ok(!fnmatch('aXb', 'a.b'));
  assert.ok(fnmatch('x[y', 'x[y'), 'an unclosed [ is literal');
  assert.ok(!fnmatch('Data/a.csv', 'data/*'), 'case-sensitive');
});

test('wildcardPrefix is the literal part before the first wildcard', () => {
  assert.equal(wildcardPrefix('logs/2024-*/x?.gz'), 'logs/2024-');
  assert.equal(wildcardPrefix('logs/[ab]'), 'logs/');
  assert.equal(wildcardPrefix('plain/key'), 'plain/key');
});
