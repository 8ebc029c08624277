import { strict as assert } from 'node:assert';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { ParseProcessorMessage, ParseWorkerMessage } from '../core/ports/parse-protocol.js';
import { eventually } from './test-support.js';

const PARSER = fileURLToPath(new URL('./parse-main.ts', import.meta.url));

let dir: string;
let child: ChildProcess;
const messages: ParseWorkerMessage[] = [];
let exited: Promise<number | null>;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'updraft-parse-'));
  child = fork(PARSER, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  child.on('message', (m) => messages.push(m as ParseWorkerMessage));
  exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
});
after(() => {
  child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

let nextId = 0;
async function parse(name: string, source: string | null, version = '1'): Promise<Extract<ParseWorkerMessage, { type: 'parsed' }>> {
  const file = join(dir, name);
  if (source !== null) writeFileSync(file, source);
  const requestId = ++nextId;
  const request: ParseProcessorMessage = { type: 'parse', requestId, file, version };
  child.send(request);
  return eventually(() => messages.find((m): m is Extract<ParseWorkerMessage, { type: 'parsed' }> => m.type === 'parsed' && m.requestId === requestId), `reply to ${name}`, 60_000);
}

describe('parse-main over a real fork', () => {
  it('says ready, then serializes the DAGs of a good file with their hashes', async () => {
    await eventually(() => messages.find((m) => m.type === 'ready'), 'ready', 60_000);
    const reply = await parse('good.ts', `
      import { dag, task, BashOperator } from 'updraft';
      export default dag({ dagId: 'good', schedule: '@daily', startDate: '2026-01-01' }, () => {
        const a = task('extract', () => 1)();
        a.setDownstream(new BashOperator({ taskId: 'load', bashCommand: 'echo {{ ds }}' }));
      });
    `);
    assert.ok(reply.ok);
    assert.equal(reply.dags.length, 1);
    const [parsed] = reply.dags;
    assert.equal(parsed?.spec.dagId, 'good');
    assert.equal(parsed?.spec.fileloc, join(dir, 'good.ts'));
    assert.deepEqual(parsed?.spec.tasks.map((t) => t.taskId), ['extract', 'load']);
    assert.match(parsed?.hash ?? '', /^[0-9a-f]{64}$/);
  });

  it('returns every DAG of a file with two', async () => {
    const reply = await parse('two.ts', `
      import { dag } from 'updraft';
      export const first = dag({ dagId: 'first' }, () => {});
      export default dag({ dagId: 'second' }, () => {});
    `);
    assert.ok(reply.ok);
    assert.deepEqual(reply.dags.map((d) => d.spec.dagId), ['second', 'first']);
    assert.notEqual(reply.dags[0]?.hash, reply.dags[1]?.hash);
  });

  it('reports a syntax error with the file and location', async () => {
    const reply = await parse('syntax.ts', "import { dag } from 'updraft';\nexport default dag({ dagId: 'x' }, () => { ;\n");
    assert.equal(reply.ok, false);
    assert.ok(!reply.ok);
    assert.match(reply.message, new RegExp(`^DAG file ${join(dir, 'syntax.ts')} could not be imported: SyntaxError: .*\\(at ${join(dir, 'syntax.ts')}:\\d+:\\d+\\)$`));
    assert.equal(reply.message.includes('updraft_v'), false);
  });

  it('reports an exception thrown at import, with its stack', async () => {
    const reply = await parse('throws.ts', "import { dag } from 'updraft';\nthrow new Error('no database here');\n");
    assert.ok(!reply.ok);
    assert.match(reply.message, /throws\.ts could not be imported: no database here \(at .*throws\.ts:2:7\)/);
    assert.match(reply.stack ?? '', /Caused by: Error: no database here/);
  });

  it('picks up a changed file under a new version, and keeps working after errors', async () => {
    const first = await parse('changing.ts', "import { dag } from 'updraft';\nexport default dag({ dagId: 'v_one' }, () => {});\n", 'a');
    assert.ok(first.ok);
    const second = await parse('changing.ts', "import { dag } from 'updraft';\nexport default dag({ dagId: 'v_two' }, () => {});\n", 'b');
    assert.ok(second.ok);
    assert.deepEqual([first.dags[0]?.spec.dagId, second.dags[0]?.spec.dagId], ['v_one', 'v_two']);
    const missing = await parse('missing.ts', null);
    assert.ok(!missing.ok);
    assert.match(missing.message, /does not exist/);
  });

  it('exits when the IPC channel closes', async () => {
    child.disconnect();
    assert.equal(await exited, 0);
  });
});
