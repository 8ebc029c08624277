import { migration0001 } from './0001-initial.js';
import { migration0002 } from './0002-claim-order.js';
import type { Migration } from './migration.js';

export type { Migration } from './migration.js';

/** Every migration, oldest first. Append new ones; never edit a released one. */
export const MIGRATIONS: readonly Migration[] = [migration0001, migration0002];

export const LATEST_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

export const MIGRATIONS_TABLE = 'updraft_schema_migrations';

/** Every table any migration creates, children before parents (the order to drop them in). */
export const TABLES_DROP_ORDER: readonly string[] = MIGRATIONS.flatMap((m) => m.tables).reverse();
