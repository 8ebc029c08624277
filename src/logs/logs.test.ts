import { strict as assert } from 'node:assert';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { isUpdraftError } from '../common/errors.js';
import { taskLogPath, taskLogRelativePath } from './log-paths.js';
import { SecretMasker, isSensitiveName } from './secret-masker.js';
import { followTaskLog, readTaskLog } from './task-log-reader.js';
import { TaskLogWriter, formatTaskLogLine, parseTaskLogLine } from './task-log-writer.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'updraft-logs-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const fixedClock = (): Date => new Date('2026-11-21T10:00:00.123Z');

describe('log paths', () => {
  it('follows the dag_id=/run_id=/task_id=/attempt= layout', () => {
    const key = { dagId: 'etl', runId: 'manual__2026-01-01T00:00:00+00:00', taskId: 'extract', tryNumber: 2 };
    assert.equal(taskLogRelativePath(key), 'dag_id=etl/run_id=manual__2026-01-01T00:00:00+00:00/task_id=extract/attempt=2.log');
    assert.equal(taskLogPath('/var/logs', key), '/var/logs/dag_id=etl/run_id=manual__2026-01-01T00:00:00+00:00/task_id=extract/attempt=2.log');
  });

  it('keeps path separators in ids from escaping their folder, one to one', () => {
    const path = taskLogRelativePath({ dagId: 'd', runId: '../../etc/passwd', taskId: 'a\\b%c', tryNumber: 1 });
    assert.equal(path, 'dag_id=d/run_id=..%2F..%2Fetc%2Fpasswd/task_id=a%5Cb%25c/attempt=1.log');
    assert.equal(path.split('/').length, 4);
    assert.notEqual(taskLogRelativePath({ dagId: 'd', runId: 'a/b', taskId: 't', tryNumber: 1 }),
      taskLogRelativePath({ dagId: 'd', runId: 'a%2Fb', taskId: 't', tryNumber: 1 }));
  });

  it('rejects a try number that is not a positive integer', () => {
    assert.throws(() => taskLogRelativePath({ dagId: 'd', runId: 'r', taskId: 't', tryNumber: 0 }),
      (e: unknown) => isUpdraftError(e, 'UPDRAFT_ERR_INVALID_ARGUMENT') && e.message.includes('try number 0'));
  });
});

describe('SecretMasker', () => {
  it('masks every registered value, longest first, and its URL-encoded form', () => {
    const masker = new SecretMasker();
    masker.add('p@ss w/rd');
    masker.add('hunter22');
    assert.equal(masker.mask('login with p@ss w/rd or hunter22 twice hunter22'), 'login with *** or *** twice ***');
    assert.equal(masker.mask('postgresql://u:p%40ss%20w%2Frd@host/db'), 'postgresql://u:***@host/db');
    assert.equal(masker.mask('form p%40ss+w%2Frd'), 'form ***');
  });

  it('ignores values shorter than 5 characters', () => {
    const masker = new SecretMasker();
    masker.add('abcd');
    masker.add('');
    masker.add(undefined);
    assert.equal(masker.size, 0);
    assert.equal(masker.mask('abcd is not a secret'), 'abcd is not a secret');
  });

  it('masks each line of a multi-line secret', () => {
    const masker = new SecretMasker();
    masker.add('-----BEGIN KEY-----\nMIIEvQIBADANBg\n-----END KEY-----');
    assert.equal(masker.mask('key line MIIEvQIBADANBg here'), 'key line *** here');
  });

  it('knows Airflow sensitive names', () => {
    assert.equal(isSensitiveName('DB_PASSWORD'), true);
    assert.equal(isSensitiveName('my_api_key'), true);
    assert.equal(isSensitiveName('bucket'), false);
  });
});

describe('TaskLogWriter', () => {
  it('prefixes each line with an ISO UTC timestamp, level and source', async () => {
    const path = join(dir, 'a', 'b', 'attempt=1.log');
    const writer = await TaskLogWriter.open(path, { now: fixedClock });
    writer.log('updraft', 'info', 'starting');
    writer.log('task', 'warn', 'two\nlines');
    writer.write('stdout', 'out\n');
    writer.write('stderr', Buffer.from('err\r\n'));
    await writer.close();
    assert.equal(readFileSync(path, 'utf8'), [
      '2026-11-21T10:00:00.123Z INFO  [updraft] starting',
      '2026-11-21T10:00:00.123Z WARN  [task] two',
      '2026-11-21T10:00:00.123Z WARN  [task] lines',
      '2026-11-21T10:00:00.123Z INFO  [stdout] out',
      '2026-11-21T10:00:00.123Z WARN  [stderr] err',
      '',
    ].join('\n'));
    assert.deepEqual(parseTaskLogLine('2026-11-21T10:00:00.123Z ERROR [task] boom'),
      { time: '2026-11-21T10:00:00.123Z', level: 'error', source: 'task', text: 'boom' });
    assert.equal(parseTaskLogLine('garbage'), null);
    assert.equal(formatTaskLogLine(fixedClock(), { level: 'debug', source: 'task', text: 'x' }), '2026-11-21T10:00:00.123Z DEBUG [task] x');
  });

  it('buffers partial writes until newline and flushes the rest on close', async () => {
    const path = join(dir, 'attempt=1.log');
    const writer = await TaskLogWriter.open(path, { now: fixedClock });
    writer.write('stdout', 'hel');
    writer.write('stdout', 'lo\nwor');
    assert.equal(readFileSync(path, 'utf8'), '2026-11-21T10:00:00.123Z INFO  [stdout] hello\n');
    // A multi-byte character split across two chunks survives.
    const bytes = Buffer.from('ld 한국\n');
    writer.write('stdout', bytes.subarray(0, 5));
    writer.write('stdout', bytes.subarray(5));
    writer.write('stdout', 'tail without newline');
    await writer.close();
    await writer.close();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    assert.deepEqual(lines.map((l) => parseTaskLogLine(l)?.text), ['hello', 'world 한국', 'tail without newline']);
  });

  it('masks secrets, also when split across two writes', async () => {
    const path = join(dir, 'attempt=1.log');
    const masker = new SecretMasker();
    const writer = await TaskLogWriter.open(path, { masker });
    writer.masker.add('s3cr3t-value');
    writer.masker.add('abc');
    writer.log('task', 'info', 'token is s3cr3t-value, abc stays');
    writer.write('stdout', 'printed s3cr3t');
    writer.write('stdout', '-value here\n');
    writer.write('stderr', 'no newline s3cr3t-');
    writer.write('stderr', 'value');
    await writer.close();
    const text = readFileSync(path, 'utf8');
    assert.equal(text.includes('s3cr3t'), false, text);
    assert.match(text, /\[task\] token is \*\*\*, abc stays/);
    assert.match(text, /\[stdout\] printed \*\*\* here/);
    assert.match(text, /\[stderr\] no newline \*\*\*/);
  });

  it('tees every formatted, masked line', async () => {
    const seen: string[] = [];
    const writer = await TaskLogWriter.open(join(dir, 'x.log'), { tee: (line) => seen.push(line), now: fixedClock });
    writer.masker.add('topsecret');
    writer.log('updraft', 'error', 'a topsecret b');
    writer.write('stdout', '1\n2\n');
    await writer.close();
    assert.deepEqual(seen, [
      '2026-11-21T10:00:00.123Z ERROR [updraft] a *** b',
      '2026-11-21T10:00:00.123Z INFO  [stdout] 1',
      '2026-11-21T10:00:00.123Z INFO  [stdout] 2',
    ]);
  });

  it('appends to an existing file and ignores writes after close', async () => {
    const path = join(dir, 'x.log');
    writeFileSync(path, 'before\n');
    const writer = await TaskLogWriter.open(path, { now: fixedClock });
    writer.log('task', 'info', 'after');
    await writer.close();
    writer.log('task', 'info', 'ignored');
    writer.write('stdout', 'ignored\n');
    assert.equal(readFileSync(path, 'utf8'), 'before\n2026-11-21T10:00:00.123Z INFO  [task] after\n');
    assert.equal(writer.closed, true);
  });
});

describe('reading logs', () => {
  it('readTaskLog returns the text, or null for a missing file', async () => {
    const path = join(dir, 'x.log');
    assert.equal(await readTaskLog(path), null);
    writeFileSync(path, 'a\nb\n');
    assert.equal(await readTaskLog(path), 'a\nb\n');
  });

  it('followTaskLog tails until the attempt finished and the file is drained', async () => {
    const path = join(dir, 'follow.log');
    const lines: string[] = [];
    let finished = false;
    const done = followTaskLog(path, { onLine: (l) => lines.push(l), isFinished: async () => finished, pollMs: 10 });
    await new Promise((r) => setTimeout(r, 30));
    appendFileSync(path, 'one\ntw');
    await new Promise((r) => setTimeout(r, 40));
    assert.deepEqual(lines, ['one']);
    appendFileSync(path, 'o\n');
    await new Promise((r) => setTimeout(r, 40));
    assert.deepEqual(lines, ['one', 'two']);
    // Written right before the end: must still be read.
    appendFileSync(path, 'three\nlast without newline');
    finished = true;
    await done;
    assert.deepEqual(lines, ['one', 'two', 'three', 'last without newline']);
  });

  it('followTaskLog stops when the signal aborts', async () => {
    const controller = new AbortController();
    const done = followTaskLog(join(dir, 'never.log'), { signal: controller.signal, onLine: () => undefined, isFinished: async () => false, pollMs: 10 });
    setTimeout(() => controller.abort(), 30);
    await done;
  });
});
