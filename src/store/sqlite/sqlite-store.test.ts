import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { MetadataStore } from '../../core/ports/metadata-store.js';
import { describeStoreConformance } from '../conformance.js';
import { T0, newTask, seedDag, seedRun } from '../conformance/fixtures.js';
import { openStore } from '../open-store.js';

describeStoreConformance('sqlite (temp file)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'updraft-store-'));
  const path = join(dir, 'updraft.db');
  const store = await openStore(path);
  const others: MetadataStore[] = [];
  return {
    store,
    async execSql(text: string): Promise<void> {
      const db = new Database(path);
      try {
        db.exec(text);
      } finally {
        db.close();
      }
    },
    async openAnother(): Promise<MetadataStore> {
      const other = await openStore(`sqlite://${path}`);
      others.push(other);
      return other;
    },
    async cleanup(): Promise<void> {
      for (const s of [store, ...others]) await s.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe('SQLite store specifics', () => {
  it('sets WAL, synchronous=NORMAL, foreign keys and the busy timeout on its connection', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'updraft-store-'));
    try {
      const path = join(dir, 'nested', 'dir', 'updraft.db');
      const store = await openStore(path);
      await store.migrate();
      assert.ok(existsSync(path), 'the folder and file are created');
      const db = new Database(path);
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      db.close();
      await store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('sqlite::memory: works as a store', async () => {
    const store = await openStore('sqlite::memory:');
    try {
      await store.migrate();
      await seedDag(store, 'mem');
      await seedRun(store, { dagId: 'mem', runId: 'r1', tasks: [newTask('a')] });
      await store.updateTaskInstance({ dagId: 'mem', runId: 'r1', taskId: 'a' }, { state: 'scheduled' });
      const claimed = await store.claimScheduledTaskInstances({ schedulerId: 's', limit: 5, poolFreeSlots: new Map(), now: T0 });
      assert.deepEqual(claimed.map((t) => t.taskId), ['a']);
      assert.equal(store.dialect, 'sqlite');
    } finally {
      await store.close();
    }
  });

  it('stores dates as integer epoch milliseconds and JSON as text', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'updraft-store-'));
    try {
      const path = join(dir, 'updraft.db');
      const store = await openStore(path);
      await store.migrate();
      await seedDag(store, 'etl');
      await seedRun(store, { dagId: 'etl', runId: 'r1', conf: { k: '값' } });
      await store.close();
      const db = new Database(path, { readonly: true });
      const row = db.prepare('SELECT logical_date, conf FROM dag_runs').get() as { logical_date: unknown; conf: unknown };
      db.close();
      assert.equal(row.logical_date, T0.getTime());
      assert.equal(row.conf, '{"k":"값"}');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
