import { describe } from 'node:test';
import { claimTests } from './conformance/claims-suite.js';
import { dagTests } from './conformance/dags-suite.js';
import type { MakeStore } from './conformance/fixtures.js';
import { migrationTests } from './conformance/migrations-suite.js';
import { recordTests } from './conformance/records-suite.js';
import { runTests } from './conformance/runs-suite.js';
import { taskInstanceTests } from './conformance/task-instances-suite.js';
import { transactionTests } from './conformance/transactions-suite.js';

export type { MakeStore, StoreHandle } from './conformance/fixtures.js';

/**
 * The MetadataStore contract, as tests every implementation must pass. `makeStore` gives each test a
 * store on a fresh, empty (not migrated) database, plus raw SQL access (`execSql`) to fake a newer
 * schema and, where the database allows it, `openAnother()` for a second store on the same database.
 */
export function describeStoreConformance(name: string, makeStore: MakeStore): void {
  describe(`MetadataStore conformance: ${name}`, () => {
    describe('migrations', () => migrationTests(makeStore));
    describe('DAGs', () => dagTests(makeStore));
    describe('DAG runs', () => runTests(makeStore));
    describe('task instances', () => taskInstanceTests(makeStore));
    describe('claims', () => claimTests(makeStore));
    describe('XCom, variables, connections, pools, import errors, schedulers, backfills', () => recordTests(makeStore));
    describe('transactions', () => transactionTests(makeStore));
  });
}
