import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../common/logger.js';
import type { MetadataStore } from '../../core/ports/metadata-store.js';
import { openStore } from '../../store/open-store.js';
import { DagProcessor, type DagProcessorOptions, type ProcessSummary } from './dag-processor.js';

const parseEntry = fileURLToPath(new URL('../../runtime/parse-main.ts', import.meta.url));
const parseMainMissing = !existsSync(parseEntry);
if (parseMainMissing) process.stdout.write('# parse-main not present yet: skipping the DAG processor tests\n');

/** A DAG file as users write it. */
function dagFile(dagId: string, taskIds: string[] = ['only']): string {
  return [
    "import { dag, EmptyOperator } from 'updraft';",
    `export default dag({ dagId: ${JSON.stringify(dagId)}, schedule: null }, () => {`,
    ...taskIds.map((t) => `  new EmptyOperator({ taskId: ${JSON.stringify(t)} });`),
    '});',
    '',
  ].join('\n');
}

interface Env {
  dir: string;
  dags: string;
  store: MetadataStore;
  processor: DagProcessor;
  write(rel: string, text: string): Promise<string>;
}

const open: Env[] = [];

async function setup(options: Partial<DagProcessorOptions> = {}): Promise<Env> {
  const dir = await mkdtemp(join(tmpdir(), 'updraft-dagproc-'));
  const dags = join(dir, 'dags');
  await mkdir(dags);
  const store = await openStore(join(dir, 'updraft.db'));
  await store.migrate();
  const processor = new DagProcessor({
    store, dagsFolder: dags, parseEntry, parseTimeoutMs: 30_000, concurrency: 2, pausedOnCreate: true, logger: silentLogger, ...options,
  });
  let tick = 0;
  const write = async (rel: string, text: string): Promise<string> => {
    const path = join(dags, rel);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
    // Same-size rewrites within one mtime tick must still look changed.
    const when = new Date(Date.now() + ++tick * 1000);
    await utimes(path, when, when);
    return path;
  };
  const env = { dir, dags, store, processor, write };
  open.push(env);
  return env;
}

async function teardown(env: Env): Promise<void> {
  await env.processor.stop();
  await env.store.close();
  await rm(env.dir, { recursive: true, force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitGone(pid: number, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return true;
}

describe('DagProcessor (real parse worker, SQLite store)', { skip: parseMainMissing ? 'parse-main not present yet' : false }, () => {
  after(async () => {
    for (const env of open.splice(0)) await teardown(env);
  });

  let env: Env;
  before(async () => {
    env = await setup();
  });

  it('stores the DAGs of a new file, paused on create', async () => {
    const file = await env.write('alpha.ts', dagFile('alpha', ['extract', 'load']));
    const summary = await env.processor.processOnce();
    assert.deepEqual(summary.parsed, [file]);
    assert.deepEqual(summary.errors, []);
    assert.deepEqual(summary.dagIds, ['alpha']);
    assert.deepEqual(summary.changedDagIds, ['alpha']);
    const dag = await env.store.getDag('alpha');
    assert.ok(dag);
    assert.equal(dag.fileloc, file);
    assert.equal(dag.isActive, true);
    assert.equal(dag.isPaused, true);
    assert.deepEqual(dag.spec.tasks.map((t) => t.taskId).sort(), ['extract', 'load']);
  });

  it('does not parse an unchanged file again, and sends no query at all', async () => {
    const queries = env.store.queryCount;
    const summary = await env.processor.processOnce();
    assert.deepEqual(summary.parsed, []);
    assert.equal(summary.unchanged, 1);
    assert.equal(summary.filesSeen, 1);
    assert.deepEqual(summary.dagIds, ['alpha']);
    assert.equal(env.store.queryCount, queries);
  });

  it('parses a modified file again: a new version hash', async () => {
    const before = (await env.store.getDag('alpha'))!.versionHash;
    await env.write('alpha.ts', dagFile('alpha', ['extract', 'load', 'report']));
    const summary = await env.processor.processOnce();
    assert.equal(summary.parsed.length, 1);
    assert.deepEqual(summary.changedDagIds, ['alpha']);
    const dag = (await env.store.getDag('alpha'))!;
    assert.notEqual(dag.versionHash, before);
    assert.equal(dag.spec.tasks.length, 3);
    assert.ok(await env.store.getDagVersion('alpha', before), 'the old version stays in history');
  });

  it('records a syntax error and a throw at import as import errors; other DAGs are fine', async () => {
    const syntax = await env.write('broken/syntax.ts', "import { dag } from 'updraft';\nexport default dag({ dagId: 'syn' }, () => {;\n");
    const thrower = await env.write('throws.ts', "throw new Error('the warehouse is down');\n");
    const good = await env.write('beta.ts', dagFile('beta'));
    const summary = await env.processor.processOnce();
    assert.deepEqual([...summary.parsed].sort(), [syntax, good, thrower].sort());
    assert.deepEqual(summary.errors.map((e) => e.file).sort(), [syntax, thrower].sort());
    const errors = await env.store.listImportErrors();
    const byFile = new Map(errors.map((e) => [e.fileloc, e]));
    assert.match(byFile.get(syntax)!.message, /syntax\.ts/);
    assert.match(byFile.get(syntax)!.message, /SyntaxError|Unexpected|Expected/);
    assert.match(byFile.get(thrower)!.message, /the warehouse is down/);
    assert.ok(byFile.get(thrower)!.timestamp instanceof Date);
    assert.equal((await env.store.getDag('beta'))?.isActive, true);
    assert.equal((await env.store.getDag('alpha'))?.isActive, true);
    assert.deepEqual(summary.dagIds, ['alpha', 'beta']);
  });

  it('a broken file keeps its last good DAG version active; fixing it clears the error', async () => {
    const good = (await env.store.getDag('beta'))!;
    await env.write('beta.ts', `${dagFile('beta', ['x', 'y'])}\nconst oops: number = ;\n`);
    const broken = await env.processor.processOnce();
    assert.equal(broken.errors.length, 1);
    const kept = (await env.store.getDag('beta'))!;
    assert.equal(kept.isActive, true);
    assert.equal(kept.versionHash, good.versionHash);
    assert.deepEqual(broken.dagIds, ['alpha', 'beta']);
    const file = await env.write('beta.ts', dagFile('beta', ['x', 'y']));
    const fixed = await env.processor.processOnce();
    assert.deepEqual(fixed.errors, []);
    assert.deepEqual(fixed.changedDagIds, ['beta']);
    assert.equal((await env.store.listImportErrors()).some((e) => e.fileloc === file), false);
  });

  it('deleted files: their DAGs are deactivated and their import errors cleared', async () => {
    const errorsBefore = await env.store.listImportErrors();
    assert.ok(errorsBefore.length >= 2);
    for (const e of errorsBefore) await unlink(e.fileloc);
    await unlink(join(env.dags, 'beta.ts'));
    const summary = await env.processor.processOnce();
    assert.deepEqual(summary.deactivatedDagIds, ['beta']);
    assert.deepEqual(summary.dagIds, ['alpha']);
    assert.deepEqual(await env.store.listImportErrors(), []);
    assert.equal((await env.store.getDag('beta'))?.isActive, false);
    assert.equal((await env.store.getDag('alpha'))?.isActive, true);
  });

  it('a DAG id defined in two files: an import error on the second naming both; the first keeps it', async () => {
    const first = await env.write('dup_a.ts', dagFile('dup', ['from_a']));
    await env.processor.processOnce();
    const second = await env.write('dup_b.ts', dagFile('dup', ['from_b']));
    const summary = await env.processor.processOnce();
    assert.equal(summary.errors.length, 1);
    assert.equal(summary.errors[0]!.file, second);
    const error = (await env.store.listImportErrors()).find((e) => e.fileloc === second);
    assert.ok(error);
    assert.ok(error.message.includes(first) && error.message.includes(second), error.message);
    const dag = (await env.store.getDag('dup'))!;
    assert.equal(dag.fileloc, first);
    assert.deepEqual(dag.spec.tasks.map((t) => t.taskId), ['from_a']);
    // The first file goes away: the second one now defines the DAG, without being touched.
    await unlink(first);
    const after = await env.processor.processOnce();
    assert.deepEqual(after.errors, []);
    assert.deepEqual(after.deactivatedDagIds, []);
    const moved = (await env.store.getDag('dup'))!;
    assert.equal(moved.fileloc, second);
    assert.equal(moved.isActive, true);
    assert.deepEqual(moved.spec.tasks.map((t) => t.taskId), ['from_b']);
    assert.equal((await env.store.listImportErrors()).some((e) => e.fileloc === second), false);
    await unlink(second);
    await env.processor.processOnce();
  });

  it('a DAG moved from one file to another in one pass is not a duplicate', async () => {
    const from = await env.write('move_from.ts', dagFile('mover'));
    await env.processor.processOnce();
    await env.write('move_from.ts', '// moved to move_to.ts\nexport {};\n');
    const to = await env.write('move_to.ts', dagFile('mover'));
    const summary = await env.processor.processOnce();
    assert.deepEqual(summary.errors, []);
    assert.deepEqual(summary.deactivatedDagIds, []);
    const dag = (await env.store.getDag('mover'))!;
    assert.equal(dag.fileloc, to);
    assert.equal(dag.isActive, true);
    await unlink(from);
    await unlink(to);
    await env.processor.processOnce();
  });

  it('a changed helper module makes the DAG files that import it parse again', async () => {
    await env.write('lib/tasks.ts', "export const TASKS = ['one'];\n");
    await env.write('uses_helper.ts', [
      "import { dag, EmptyOperator } from 'updraft';",
      "import { TASKS } from './lib/tasks.ts';",
      "export default dag({ dagId: 'helped', schedule: null }, () => { for (const t of TASKS) new EmptyOperator({ taskId: t }); });",
      '',
    ].join('\n'));
    await env.processor.processOnce();
    assert.deepEqual((await env.store.getDag('helped'))!.spec.tasks.map((t) => t.taskId), ['one']);
    await env.write('lib/tasks.ts', "export const TASKS = ['one', 'two'];\n");
    const summary = await env.processor.processOnce();
    assert.deepEqual(summary.changedDagIds, ['helped']);
    assert.deepEqual((await env.store.getDag('helped'))!.spec.tasks.map((t) => t.taskId), ['one', 'two']);
  });

  it('skips node_modules, dot-folders, declaration and test files', async () => {
    const before = (await env.processor.processOnce()).filesSeen;
    await env.write('node_modules/pkg/index.js', 'throw new Error("must not be imported")\n');
    await env.write('.hidden/x.ts', 'throw new Error("must not be imported")\n');
    await env.write('types.d.ts', 'declare const x: number;\n');
    await env.write('alpha.test.ts', 'throw new Error("must not be imported")\n');
    await env.write('notes.md', 'not code\n');
    const summary = await env.processor.processOnce();
    assert.equal(summary.filesSeen, before);
    assert.deepEqual(summary.parsed, []);
  });
});

describe('DagProcessor: files that hang or kill their parse worker', { skip: parseMainMissing ? 'parse-main not present yet' : false }, () => {
  it('a file that loops forever times out, its worker is replaced, and the other files still parse', async () => {
    const env = await setup({ parseTimeoutMs: 4000, concurrency: 1 });
    try {
      // Parse the first file alone so the worker that will hang is known.
      await env.write('a_first.ts', dagFile('first'));
      await env.processor.processOnce();
      const [hungPid] = env.processor.parseWorkerPids;
      assert.ok(hungPid !== undefined);
      const loop = await env.write('b_loop.ts', 'while (true) {}\n');
      const next = await env.write('c_next.ts', dagFile('next'));
      const summary = await env.processor.processOnce();
      assert.deepEqual(summary.errors.map((e) => e.file), [loop]);
      assert.match(summary.errors[0]!.message, new RegExp(`DAG file ${loop} timed out after 4 s \\(infinite loop or a slow import\\?\\)`));
      assert.ok(summary.parsed.includes(next));
      assert.equal((await env.store.getDag('next'))?.isActive, true);
      assert.equal(alive(hungPid), false, 'the hung worker was killed');
      assert.ok(!env.processor.parseWorkerPids.includes(hungPid));
      const stored = (await env.store.listImportErrors()).find((e) => e.fileloc === loop);
      assert.match(stored!.message, /timed out/);
    } finally {
      await teardown(env);
    }
  });

  it('a file that calls process.exit() at import is an import error; the next file parses', async () => {
    const env = await setup({ concurrency: 1 });
    try {
      const exits = await env.write('a_exits.ts', 'process.exit(7);\n');
      await env.write('b_fine.ts', dagFile('fine'));
      const summary = await env.processor.processOnce();
      assert.deepEqual(summary.errors.map((e) => e.file), [exits]);
      assert.match(summary.errors[0]!.message, /exited with code 7/);
      assert.equal((await env.store.getDag('fine'))?.isActive, true);
    } finally {
      await teardown(env);
    }
  });

  it('recycles parse workers after recycleAfter files', async () => {
    const env = await setup({ concurrency: 1, recycleAfter: 2 });
    try {
      // Each DAG records the pid of the worker that parsed it.
      const pidDag = (id: string): string => `import { dag } from 'updraft';\nexport default dag({ dagId: '${id}', description: String(process.pid) }, () => {});\n`;
      for (const id of ['r1', 'r2', 'r3', 'r4']) await env.write(`${id}.ts`, pidDag(id));
      await env.processor.processOnce();
      const pids = await Promise.all(['r1', 'r2', 'r3', 'r4'].map(async (id) => Number((await env.store.getDag(id))!.spec.description)));
      assert.equal(pids[0], pids[1]);
      assert.equal(pids[2], pids[3]);
      assert.notEqual(pids[1], pids[2]);
      assert.equal(await waitGone(pids[0]!), true, 'the recycled worker exited');
    } finally {
      await teardown(env);
    }
  });

  it('a restarted processor keeps dag-id ownership from the store and reports nothing as changed', async () => {
    const env = await setup();
    try {
      await env.write('a.ts', dagFile('owned'));
      await env.processor.processOnce();
      await env.processor.stop();
      const restarted = new DagProcessor({ store: env.store, dagsFolder: env.dags, parseEntry, pausedOnCreate: false, logger: silentLogger });
      env.processor = restarted;
      const second = await env.write('b.ts', dagFile('owned'));
      const summary = await restarted.processOnce();
      assert.deepEqual(summary.changedDagIds, []);
      assert.deepEqual(summary.errors.map((e) => e.file), [second]);
      assert.equal((await env.store.getDag('owned'))?.fileloc, join(env.dags, 'a.ts'));
    } finally {
      await teardown(env);
    }
  });

  it('start(): a new file is picked up by the watcher and reported through onChange; stop() leaves no worker', async () => {
    const env = await setup({ debounceMs: 50 });
    try {
      const summaries: ProcessSummary[] = [];
      env.processor.start((s) => summaries.push(s), { rescanIntervalMs: 600_000 });
      // Passes never overlap: this resolves after start()'s own first pass, so what follows can only
      // be seen by the watcher (the rescan is 10 minutes away). The folder is new: a recursive watch.
      await env.processor.processOnce();
      await env.write('new_folder/watched.ts', dagFile('watched'));
      const deadline = Date.now() + 30_000;
      while (!summaries.some((s) => s.changedDagIds.includes('watched'))) {
        assert.ok(Date.now() < deadline, 'the new file was not picked up');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const pids = env.processor.parseWorkerPids;
      await env.processor.stop();
      for (const pid of pids) assert.equal(alive(pid), false, `parse worker ${pid} is gone`);
    } finally {
      await teardown(env);
    }
  });
});
