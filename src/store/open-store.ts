import type { Logger } from '../common/logger.js';
import type { MetadataStore } from '../core/ports/metadata-store.js';
import { openPostgresStore } from './postgres/postgres-store.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';
import { maskUrl, parseStoreUrl } from './store-url.js';

export interface OpenStoreOptions {
  logger?: Logger;
}

/**
 * Opens the metadata store a `[database] url` names: a SQLite file path (absolute or relative),
 * `sqlite:///abs/path.db`, `sqlite::memory:`, or a `postgresql://` / `postgres://` URL. The database
 * is not migrated here: call `migrate()` (or `check()`) next.
 */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<MetadataStore> {
  const location = parseStoreUrl(url);
  switch (location.dialect) {
    case 'sqlite': {
      const store = openSqliteStore(location.path);
      options.logger?.debug('opened the SQLite metadata database', { path: location.path });
      return store;
    }
    case 'postgres': {
      const store = await openPostgresStore(location.url, options.logger === undefined ? {} : { logger: options.logger });
      options.logger?.debug('connected to the PostgreSQL metadata database', { url: maskUrl(location.url) });
      return store;
    }
    default: {
      const exhaustive: never = location;
      throw new Error(`unknown store location ${JSON.stringify(exhaustive)}`);
    }
  }
}
