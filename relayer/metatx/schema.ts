import { leaseColumnsMigration } from "../core/store/leased-rows.js";
import type { Migration } from "../core/store/store.js";

export const METATX_COMPONENT = "metatx";

/**
 * Budgets per tenant (wei of native gas), their append-only history, and the forwarded requests.
 * Conservation, kept by every statement in budgets.ts: granted + sponsored = reserved + spent + available.
 */
export const metatxMigrations: readonly Migration[] = [
  {
    version: 1,
    description: "gas budgets, budget history, forwarded requests",
    async up(q) {
      await q.run(
        `CREATE TABLE metatx_budgets (
           tenant TEXT PRIMARY KEY,
           granted TEXT NOT NULL,
           sponsored TEXT NOT NULL,
           reserved TEXT NOT NULL,
           spent TEXT NOT NULL,
           updated_at INTEGER NOT NULL
         )`,
      );
      await q.run(
        `CREATE TABLE metatx_budget_events (
           seq INTEGER PRIMARY KEY AUTOINCREMENT,
           tenant TEXT NOT NULL,
           kind TEXT NOT NULL,
           amount TEXT NOT NULL,
           actor TEXT NOT NULL,
           forward_id TEXT,
           at INTEGER NOT NULL
         )`,
      );
      await q.run(
        `CREATE TABLE metatx_forwards (
           id TEXT PRIMARY KEY,
           tenant TEXT NOT NULL,
           signer TEXT NOT NULL,
           target TEXT NOT NULL,
           selector TEXT NOT NULL,
           request_json TEXT NOT NULL,
           calldata TEXT NOT NULL,
           gas_limit TEXT NOT NULL,
           reserved TEXT NOT NULL,
           status TEXT NOT NULL,
           tx_id TEXT,
           charged TEXT,
           gas_used TEXT,
           tx_hash TEXT,
           block_number INTEGER,
           error_json TEXT,
           created_at INTEGER NOT NULL,
           updated_at INTEGER NOT NULL
         )`,
      );
      await q.run("CREATE INDEX metatx_forwards_open ON metatx_forwards (status, signer)");
    },
  },
  // Several instances on one database share the pending requests through leases.
  leaseColumnsMigration(2, "metatx_forwards"),
  {
    version: 3,
    description: "one lock row per member, taken when a request is accepted",
    async up(q) {
      // Serializes the acceptance of one member's requests across instances (the in-flight count fixes
      // the forwarder nonce the signature is checked against).
      await q.run("CREATE TABLE metatx_member_locks (signer TEXT PRIMARY KEY, touched_at INTEGER NOT NULL)");
    },
  },
];
