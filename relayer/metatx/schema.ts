import { columnTypes } from "../core/store/ddl.js";
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
      const t = columnTypes(q.dialect);
      await q.run(
        `CREATE TABLE metatx_budgets (
           tenant TEXT PRIMARY KEY,
           granted ${t.amount} NOT NULL,
           sponsored ${t.amount} NOT NULL,
           reserved ${t.amount} NOT NULL,
           spent ${t.amount} NOT NULL,
           updated_at ${t.int} NOT NULL
         )`,
      );
      await q.run(
        `CREATE TABLE metatx_budget_events (
           seq ${t.autoIdKey},
           tenant TEXT NOT NULL,
           kind TEXT NOT NULL,
           amount ${t.amount} NOT NULL,
           actor TEXT NOT NULL,
           forward_id TEXT,
           at ${t.int} NOT NULL
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
           gas_limit ${t.amount} NOT NULL,
           reserved ${t.amount} NOT NULL,
           status TEXT NOT NULL,
           tx_id TEXT,
           charged ${t.amount},
           gas_used ${t.amount},
           tx_hash TEXT,
           block_number ${t.int},
           error_json TEXT,
           created_at ${t.int} NOT NULL,
           updated_at ${t.int} NOT NULL
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
      await q.run(
        `CREATE TABLE metatx_member_locks (signer TEXT PRIMARY KEY, touched_at ${columnTypes(q.dialect).int} NOT NULL)`,
      );
    },
  },
];
