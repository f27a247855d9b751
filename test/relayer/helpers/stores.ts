import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { openStore, type StoreConfig } from "../../../relayer/core/store/open-store.js";
import type { Store } from "../../../relayer/core/store/store.js";
import { newPostgresDatabase } from "./postgres.js";

/** The stores a store-backed spec runs against: `for (const kind of STORE_KINDS) describe(...)`. */
export const STORE_KINDS = ["sqlite", "postgres"] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

/** One empty database of either kind; `open` may be called again on it to model a restart. */
export interface TestDatabase {
  kind: StoreKind;
  /** What a service's config would hold to use this database. */
  config: StoreConfig;
  open(): Promise<Store>;
  destroy(): Promise<void>;
}

/**
 * `inMemory`: SQLite in memory (fast, but gone on close, so no reopen); PostgreSQL is a fresh database
 * either way.
 */
export async function newTestDatabase(
  kind: StoreKind,
  name = "test",
  options: { inMemory?: boolean } = {},
): Promise<TestDatabase> {
  if (kind === "postgres") {
    const db = await newPostgresDatabase(name.replace(/[^a-z0-9_]/g, "_"));
    const config: StoreConfig = { url: db.url, poolSize: 8 };
    return { kind, config, open: () => openStore(config), destroy: () => db.drop() };
  }
  if (options.inMemory === true) {
    const config: StoreConfig = { path: ":memory:" };
    return { kind, config, open: () => openStore(config), destroy: async () => undefined };
  }
  const dir = await mkdtemp(path.join(tmpdir(), `ll-${name}-`));
  const config: StoreConfig = { path: path.join(dir, `${name}.sqlite`) };
  return { kind, config, open: () => openStore(config), destroy: () => rm(dir, { recursive: true, force: true }) };
}
