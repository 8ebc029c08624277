import { strict as assert } from 'node:assert';
import { it } from 'node:test';
import { isUpdraftError } from '../../common/errors.js';
import type { MetadataStore } from '../../core/ports/metadata-store.js';
import { day, deferred, seedDag, seedRun, sleep, withStore, type MakeStore } from './fixtures.js';

const variable = (key: string, value = '1') => ({ key, value, description: null, isEncrypted: false });

async function keys(store: MetadataStore): Promise<string[]> {
  return (await store.listVariables()).map((v) => v.key);
}

export function transactionTests(makeStore: MakeStore): void {
  it('transaction commits on success and rolls everything back on throw, rethrowing the same error', () => withStore(makeStore, async (store) => {
    const value = await store.transaction(async () => {
      await store.setVariable(variable('kept'));
      await seedDag(store, 'etl');
      return 42;
    });
    assert.equal(value, 42);
    const boom = new Error('boom');
    await assert.rejects(store.transaction(async () => {
      await store.setVariable(variable('lost'));
      await seedRun(store, { dagId: 'etl', runId: 'r1' });
      await store.deleteVariable('kept');
      throw boom;
    }), (e) => e === boom);
    assert.deepEqual(await keys(store), ['kept']);
    assert.equal(await store.getDagRun('etl', 'r1'), null);
    assert.deepEqual(await store.listTaskInstances({ dagId: 'etl' }), []);
  }));

  it('nested transactions join the outer one; a nested failure undoes only its own writes', () => withStore(makeStore, async (store) => {
    await store.transaction(async () => {
      await store.setVariable(variable('outer'));
      await store.transaction(async () => {
        await store.setVariable(variable('inner'));
      });
      await assert.rejects(store.transaction(async () => {
        await store.setVariable(variable('inner_failed'));
        await store.transaction(async () => store.setVariable(variable('inner_inner')));
        throw new Error('inner');
      }));
      // The outer transaction is still usable after the nested failure.
      await store.setVariable(variable('after'));
    });
    assert.deepEqual(await keys(store), ['after', 'inner', 'outer']);

    await assert.rejects(store.transaction(async () => {
      await store.transaction(async () => store.setVariable(variable('nested_committed')));
      throw new Error('outer');
    }));
    assert.equal(await store.getVariable('nested_committed'), null, 'nested writes commit only with the outer transaction');
  }));

  it('atomic commits or rolls back on its own, and inside a transaction joins it: its writes go with the outer one', () => withStore(makeStore, async (store) => {
    assert.equal(await store.atomic(async () => { await store.setVariable(variable('alone')); return 7; }), 7);
    await assert.rejects(store.atomic(async () => {
      await store.setVariable(variable('alone_failed'));
      throw new Error('alone');
    }));
    assert.deepEqual(await keys(store), ['alone']);
    await assert.rejects(store.transaction(async () => {
      await store.atomic(async () => store.setVariable(variable('joined')));
      throw new Error('outer');
    }));
    assert.equal(await store.getVariable('joined'), null, 'an atomic block inside a transaction commits only with it');
    await store.transaction(async () => {
      await store.atomic(async () => store.setVariable(variable('joined_ok')));
    });
    assert.deepEqual(await keys(store), ['alone', 'joined_ok']);
  }));

  it('a RUN_EXISTS inside a transaction can be caught and the transaction goes on', () => withStore(makeStore, async (store) => {
    await seedDag(store, 'etl');
    await seedRun(store, { dagId: 'etl', runId: 'r1', logicalDate: day(0) });
    await store.transaction(async () => {
      await assert.rejects(seedRun(store, { dagId: 'etl', runId: 'r2', logicalDate: day(0) }), (e) => isUpdraftError(e, 'UPDRAFT_ERR_RUN_EXISTS'));
      await seedRun(store, { dagId: 'etl', runId: 'r3', logicalDate: day(1) });
    });
    assert.deepEqual((await store.listDagRuns({ dagId: 'etl' })).map((r) => r.runId), ['r1', 'r3']);
  }));

  it('statements from outside an open transaction do not join it', () => withStore(makeStore, async (store) => {
    const gate = deferred();
    const inside = deferred();
    const tx = store.transaction(async () => {
      await store.setVariable(variable('in_tx'));
      inside.resolve();
      await gate.promise;
      throw new Error('roll back');
    });
    await inside.promise;
    const outside = store.setVariable(variable('outside'));
    const read = store.getVariable('in_tx');
    await sleep(30);
    gate.resolve();
    await assert.rejects(tx, /roll back/);
    await outside;
    assert.equal(await read, null, 'uncommitted writes are not visible outside');
    assert.deepEqual(await keys(store), ['outside']);
  }));

  it('concurrent transactions all commit', () => withStore(makeStore, async (store) => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.transaction(async () => {
      await store.setVariable(variable(`v${String(i).padStart(2, '0')}`, String(i)));
      await sleep(1);
      await store.setVariable(variable(`w${String(i).padStart(2, '0')}`, String(i)));
    })));
    assert.equal((await keys(store)).length, 40);
  }));

  it('queryCount counts the statements sent', () => withStore(makeStore, async (store) => {
    const before = store.queryCount;
    await store.listDags();
    await store.getVariable('x');
    const after = store.queryCount;
    assert.ok(after >= before + 2, `queryCount went from ${before} to ${after}`);
    await store.listPools();
    assert.ok(store.queryCount > after);
  }));

  it('a closed store refuses further work with UPDRAFT_ERR_DB', () => withStore(makeStore, async (store) => {
    await store.close();
    await assert.rejects(store.listDags(), (e) => isUpdraftError(e, 'UPDRAFT_ERR_DB'));
    await store.close();
  }));
}
