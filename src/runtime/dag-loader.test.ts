import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isUpdraftError } from '../common/errors.js';
import { runWithContext } from '../sdk/context.js';
import { Dag } from '../sdk/dag.js';
import { collectDags, loadDagModule, userFrameLocation } from './dag-loader.js';

let dir: string;
before(() => {
  // No package.json anywhere above: the files are still loaded as ES modules.
  dir = mkdtempSync(join(tmpdir(), 'updraft-loader-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, source: string): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, source);
  return path;
}

const importError = (pattern: RegExp) => (error: unknown): boolean => {
  assert.ok(isUpdraftError(error, 'UPDRAFT_ERR_DAG_IMPORT'), String(error));
  assert.match(error.message, pattern);
  return true;
};

describe('loadDagModule', () => {
  it("resolves 'updraft' to this package's own modules (same instances as the runtime)", async () => {
    const file = write('one.ts', `
      import { dag, task, getContext } from 'updraft';
      export default dag({ dagId: 'one' }, () => { task('t', () => getContext().dagId)(); });
    `);
    const dags = await loadDagModule(file);
    assert.equal(dags.length, 1);
    assert.ok(dags[0] instanceof Dag, 'the DAG class is the runtime\'s own');
    const ctx = { dagId: 'from-runtime' } as Parameters<typeof runWithContext>[0];
    const result = await runWithContext(ctx, () => dags[0]!.getTask('t').execute(ctx));
    assert.equal(result, 'from-runtime');
  });

  it('collects the default export, named exports and arrays of DAGs, each once', async () => {
    const file = write('many.mts', `
      import { dag } from 'updraft';
      const a = dag({ dagId: 'a' }, () => {});
      export const b = dag({ dagId: 'b' }, () => {});
      export const list = [a, b, dag({ dagId: 'c' }, () => {})];
      export const notADag = { dagId: 'x' };
      export default a;
    `);
    assert.deepEqual((await loadDagModule(file)).map((d) => d.dagId), ['a', 'b', 'c']);
    assert.deepEqual(await loadDagModule(write('none.ts', 'export const x = 1;\n')), []);
  });

  it('refuses two different DAGs with the same id in one file', async () => {
    const file = write('dup.ts', `
      import { dag } from 'updraft';
      export const a = dag({ dagId: 'same' }, () => {});
      export const b = dag({ dagId: 'same' }, () => {});
    `);
    await assert.rejects(loadDagModule(file), importError(/two different DAGs with id "same" \(export a and export b\)/));
    assert.deepEqual(collectDags({ x: 1, y: [1, 2] }, 'f'), []);
  });

  it('imports a changed file again when the version changes, helpers included', async () => {
    const helper = write('versioned/helper.ts', 'export const suffix = "v1";\n');
    const file = write('versioned/dag.ts', `
      import { dag } from 'updraft';
      import { suffix } from './helper.js';
      export default dag({ dagId: 'd_' + suffix }, () => {});
    `);
    assert.equal((await loadDagModule(file, '1'))[0]?.dagId, 'd_v1');
    writeFileSync(helper, 'export const suffix = "v2";\n');
    assert.equal((await loadDagModule(file, '1'))[0]?.dagId, 'd_v1', 'same version: cached');
    assert.equal((await loadDagModule(file, '2'))[0]?.dagId, 'd_v2');
  });

  it('works for .js and .mjs files too', async () => {
    const js = write('plain.js', "import { dag } from 'updraft';\nexport default dag({ dagId: 'js_dag' }, () => {});\n");
    const mjs = write('plain.mjs', "import { dag } from 'updraft';\nexport default dag({ dagId: 'mjs_dag' }, () => {});\n");
    assert.equal((await loadDagModule(js))[0]?.dagId, 'js_dag');
    assert.equal((await loadDagModule(mjs))[0]?.dagId, 'mjs_dag');
  });

  it('wraps a syntax error: file, message and location', async () => {
    const file = write('syntax.ts', "import { dag } from 'updraft';\nexport const x: number = ;\n");
    await assert.rejects(loadDagModule(file, 'a'),
      importError(new RegExp(`^DAG file ${file} could not be imported: SyntaxError: Unexpected ";" \\(at ${file}:2:25\\)$`)));
  });

  it('finds the line of a syntax error in a plain .mjs file', async () => {
    const file = write('syntax.mjs', "import { dag } from 'updraft';\n\nexport const x = ;\n");
    await assert.rejects(loadDagModule(file, 'a'), importError(new RegExp(`SyntaxError: Unexpected token ';' \\(at ${file}:3\\)$`)));
  });

  it('wraps an exception thrown at import with the user-code frame, keeping the stack', async () => {
    const file = write('throws.ts', "import { dag } from 'updraft';\n\nfunction boom(): never {\n  throw new TypeError('bad config');\n}\nboom();\n");
    const error = await loadDagModule(file, 'b').catch((e: unknown) => e);
    assert.ok(isUpdraftError(error, 'UPDRAFT_ERR_DAG_IMPORT'));
    assert.equal(error.message, `DAG file ${file} could not be imported: TypeError: bad config (at ${file}:4:9)`);
    assert.match(error.stack ?? '', /Caused by: TypeError: bad config\n\s+at boom/);
    assert.equal(error.stack?.includes('updraft_v'), false);
  });

  it('names SDK errors raised while the DAG is built', async () => {
    const file = write('cycle.ts', `
      import { dag, task } from 'updraft';
      export default dag({ dagId: 'cyc' }, () => {
        const a = task('a', () => 1)();
        const b = task('b', () => 1)();
        a.setDownstream(b);
        b.setDownstream(a);
      });
    `);
    await assert.rejects(loadDagModule(file), importError(/could not be imported: DAG "cyc" has a cycle: a -> b -> a/));
  });

  it('explains unknown updraft subpaths and missing files', async () => {
    const file = write('provider.ts', "import { Nope } from 'updraft/providers/nope';\nexport default Nope;\n");
    await assert.rejects(loadDagModule(file), importError(/Cannot find module 'updraft\/providers\/nope'.*'updraft\/providers\/<name>'/));
    await assert.rejects(loadDagModule(join(dir, 'missing.ts')), importError(/missing\.ts does not exist/));
  });
});

describe('userFrameLocation', () => {
  it('skips Node, node_modules and Updraft frames', () => {
    const stack = [
      'Error: x',
      '    at internal (node:internal/modules/esm/module_job:1:1)',
      '    at lib (/app/node_modules/lib/index.js:3:4)',
      `    at sdk (${join(process.cwd(), 'src/sdk/dag.ts')}:1:1)`,
      '    at file:///home/me/dags/etl.ts?updraft_v=12:7:3',
    ].join('\n');
    assert.equal(userFrameLocation(stack), '/home/me/dags/etl.ts:7:3');
    assert.equal(userFrameLocation(undefined), null);
  });
});
