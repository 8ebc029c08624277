import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isUpdraftError } from '../../../common/errors.js';
import { CopyTextParser, type RowBatch } from './copy-text.js';
import { JsonLinesByteEncoder } from './jsonl-bytes.js';

const columns = [{ name: 'id', kind: 'int' as const }, { name: 'title', kind: 'text' as const }];

function parse(chunks: string[]): Promise<RowBatch[]> {
  return new Promise((resolve, reject) => {
    const parser = new CopyTextParser(2);
    const out: RowBatch[] = [];
    parser.on('data', (batch: RowBatch) => out.push(batch)).on('error', reject).on('end', () => resolve(out));
    for (const chunk of chunks) parser.write(Buffer.from(chunk));
    parser.end();
  });
}

test('COPY text rows split across chunks parse to cells, with \\N as null and escapes undone', async () => {
  const batches = await parse(['1\tfirst\\tline\n2\t', '\\N\n']);
  assert.deepEqual(batches.flatMap((b) => b.cells), ['1', 'first\tline', '2', null]);
});

test('a COPY stream that is not what PostgreSQL sends fails with UPDRAFT_ERR_SQL, both parsers', async () => {
  await assert.rejects(parse(['1\tok\n2\n']), (e) => isUpdraftError(e, 'UPDRAFT_ERR_SQL') && /row has 1 fields, expected 2/.test(e.message));
  await assert.rejects(parse(['1\tcut short']), (e) => isUpdraftError(e, 'UPDRAFT_ERR_SQL') && /ended in the middle of a row/.test(e.message));
  const encoder = new JsonLinesByteEncoder(columns, { timestampFormat: 'iso', numericAs: 'number' });
  assert.equal(encoder.encode(Buffer.from('7\tseven\n')).bytes.toString(), '{"id":7,"title":"seven"}\n');
  assert.throws(() => encoder.encode(Buffer.from('7\n')), (e) => isUpdraftError(e, 'UPDRAFT_ERR_SQL'));
});
