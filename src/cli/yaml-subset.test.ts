import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseYaml, toYaml } from './yaml-subset.js';

test('toYaml output parses back to the same data', () => {
  const data = {
    pg: { conn_type: 'postgres', host: 'db', port: 5432, password: 'p@ss: #not a comment', extra: { sslmode: 'require', nested: { list: [1, 'two', { three: 3 }] } } },
    'odd id:/x': { conn_type: null, extra: {}, tags: [], flag: true, ratio: 1.5, text: '123', empty: '', multi: 'line1\nline2', quote: 'it\'s "quoted"' },
  };
  assert.deepEqual(parseYaml(toYaml(data)), data);
});

test('parseYaml reads hand-written YAML: plain and quoted scalars, comments, lists, block scalars, flow JSON', () => {
  const text = [
    '---',
    '# connections',
    'smtp_main:',
    '  conn_type: smtp   # trailing comment',
    '  port: 587',
    "  password: 'it''s # secret'",
    '  extra:',
    '    ssl: false',
    '    recipients:',
    '      - a@example.com',
    '      - "b@example.com"',
    '    servers:',
    '    - name: one',
    '      weight: 2',
    '    - name: two',
    '    key: |',
    '      -----BEGIN KEY-----',
    '      abc',
    '      -----END KEY-----',
    '    folded: >-',
    '      one',
    '      two',
    '    headers: {"X-Api": "k"}',
    '    nothing: ~',
    'web: http://web.example.com:8080/path?q=1',
  ].join('\n');
  assert.deepEqual(parseYaml(text), {
    smtp_main: {
      conn_type: 'smtp', port: 587, password: "it's # secret",
      extra: {
        ssl: false, recipients: ['a@example.com', 'b@example.com'], servers: [{ name: 'one', weight: 2 }, { name: 'two' }],
        key: '-----BEGIN KEY-----\nabc\n-----END KEY-----\n', folded: 'one two', headers: { 'X-Api': 'k' }, nothing: null,
      },
    },
    web: 'http://web.example.com:8080/path?q=1',
  });
});

test('parseYaml refuses what it does not read, naming the line', () => {
  assert.throws(() => parseYaml('a:\n  b: [unclosed\n'), /YAML line 2: flow collections/);
  assert.throws(() => parseYaml('a: 1\na: 2\n'), /YAML line 2: key "a" appears twice/);
  assert.throws(() => parseYaml('a: &anchor 1\n'), /YAML line 1: anchors/);
  assert.throws(() => parseYaml('a:\n\tb: 1\n'), /tabs/);
  assert.throws(() => parseYaml('a: 1\n---\nb: 2\n'), /one document/);
  assert.throws(() => parseYaml('a: 1\n    b: 2\n'), /unexpected indentation/);
});
