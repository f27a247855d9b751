import { columnTypes } from "../core/store/ddl.js";
import type { Migration } from "../core/store/store.js";

export const QUOTES_COMPONENT = "quotes";

/**
 * Firm quotes as issued. `state` is outstanding until the chain shows the quote used (its remittance
 * exists) or its expiry (plus a margin for the chain's clock) has passed; outstanding quotes hold back
 * their destination amount from the liquidity the service may still promise.
 */
export const quotesMigrations: readonly Migration[] = [
  {
    version: 1,
    description: "firm quotes and their state",
    async up(q) {
      const t = columnTypes(q.dialect);
      await q.run(`CREATE TABLE quotes (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        sending_tenant TEXT NOT NULL,
        receiving_tenant TEXT NOT NULL,
        corridor_id TEXT NOT NULL,
        corridor_label TEXT NOT NULL,
        destination_token TEXT NOT NULL,
        client_ref TEXT NOT NULL,
        source_amount ${t.amount} NOT NULL,
        destination_amount ${t.amount} NOT NULL,
        fee ${t.amount} NOT NULL,
        rate TEXT NOT NULL,
        expiry ${t.int} NOT NULL,
        latest_deadline ${t.int} NOT NULL,
        signature TEXT NOT NULL,
        signer TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('outstanding', 'used', 'expired')),
        created_at ${t.int} NOT NULL
      )`);
      await q.run("CREATE INDEX quotes_outstanding ON quotes (state, destination_token)");
    },
  },
];
