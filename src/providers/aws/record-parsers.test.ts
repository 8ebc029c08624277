import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv, parseJsonLines } from './record-parsers.js';

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Feeds the text in chunks of `size` bytes, so records, quotes and UTF-8 sequences span chunks. */
async function* chunks(text: string, size: number): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

test('parseCsv: RFC 4180 quoting, CRLF, embedded newlines, doubled quotes, nulls, BOM, any chunking', async () => {
  const text = '\uFEFFid,name,note\r\n1,"Kim, Min-jun","said ""hi""\r\nthen left"\r\n2,한국어,\n3,"",x\n';
  const expected = [
    ['id', 'name', 'note'],
    ['1', 'Kim, Min-jun', 'said "hi"\r\nthen left'],
    ['2', '한국어', null],
    ['3', '', 'x'],
  ];
  for (const size of [1, 2, 3, 7, 1000]) {
    assert.deepEqual(await collect(parseCsv(chunks(text, size))), expected, `chunk size ${size}`);
  }
});

test('parseCsv: last record without newline, blank lines skipped, custom delimiter and null value', async () => {
  assert.deepEqual(await collect(parseCsv(chunks('a;b\n\n1;NULL', 4), { delimiter: ';', nullValue: 'NULL' })), [['a', 'b'], ['1', null]]);
});

test('parseCsv: an unclosed quote or text after a closing quote is an error naming the line', async () => {
  await assert.rejects(collect(parseCsv(chunks('a\n"open', 3), {}, 's3://b/k')), /s3:\/\/b\/k is not valid CSV at line 2: a quoted field is not closed/);
  await assert.rejects(collect(parseCsv(chunks('"a"b\n', 3))), /text after the closing quote/);
  await assert.rejects(collect(parseCsv(chunks('a', 3), { delimiter: '' })), /csv delimiter "" is not allowed/);
});

test('parseJsonLines: one object per line, UTF-8 across chunks, blank lines skipped, bad lines named', async () => {
  const text = '{"a":1,"b":"한국어"}\r\n\n{"a":2,"b":null}\n';
  for (const size of [1, 5, 1000]) {
    assert.deepEqual(await collect(parseJsonLines(chunks(text, size))), [{ a: 1, b: '한국어' }, { a: 2, b: null }]);
  }
  await assert.rejects(collect(parseJsonLines(chunks('{"a":1}\n[1]\n', 4), 'x.jsonl')), /x\.jsonl line 2 is an array; each line must be a JSON object/);
  await assert.rejects(collect(parseJsonLines(chunks('{"a":\n', 4))), /line 1 is not valid JSON/);
});
