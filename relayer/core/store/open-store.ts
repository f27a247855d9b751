import { PgStore, type PgStoreLogger } from "./pg-store.js";
import { SqliteStore } from "./sqlite-store.js";
import type { Store } from "./store.js";

/**
 * Where a service keeps its state: a SQLite file (the default, one instance) or a PostgreSQL database
 * (several instances, or an existing managed server with its backups). `url` carries a password: it is
 * a secret, redacted from logs (see logger.ts) and never echoed in errors.
 */
export type StoreConfig =
  { path: string; url?: undefined; poolSize?: undefined } | { url: string; poolSize: number; path?: undefined };

export interface OpenStoreOptions {
  logger?: PgStoreLogger;
}

/** The one way services open their store, so the choice between SQLite and PostgreSQL is configuration. */
export function openStore(config: StoreConfig, options: OpenStoreOptions = {}): Promise<Store> {
  if (config.url !== undefined) {
    return PgStore.open({ url: config.url, poolSize: config.poolSize, logger: options.logger });
  }
  return SqliteStore.open(config.path);
}
