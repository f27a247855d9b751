import { columnTypes } from "../core/store/ddl.js";
import { leaseColumnsMigration } from "../core/store/leased-rows.js";
import type { Migration } from "../core/store/store.js";

export const OPERATOR_COMPONENT = "operator";

/**
 * `op_remittances`: what this operator sends (one row per accepted `POST /remittances`, persisted before
 * anything else happens), its quote, its steps and its SEP-31 status; `op_status_history` is append-only.
 * `op_inbound`: recipient details peers handed over for remittances addressed to this operator.
 * `op_payouts`: the payout intent of each remittance addressed to this operator, persisted from its
 * `RemittanceInitiated` event before the wallet is called.
 */
export const operatorMigrations: readonly Migration[] = [
  {
    version: 1,
    description: "remittances sent, inbound details, payout intents",
    async up(q) {
      const t = columnTypes(q.dialect);
      await q.run(`CREATE TABLE op_remittances (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        idempotency_key TEXT NOT NULL,
        amount ${t.amount} NOT NULL,
        receiving_operator TEXT NOT NULL,
        receiving_tenant TEXT NOT NULL,
        recipient_ref TEXT NOT NULL,
        compliance_json TEXT NOT NULL,
        recipient_hash TEXT NOT NULL,
        compliance_hash TEXT NOT NULL,
        quote_json TEXT,
        remittance_id TEXT UNIQUE,
        step TEXT NOT NULL,
        batch_item_id TEXT,
        status TEXT NOT NULL,
        fee ${t.amount},
        reason_code ${t.int},
        reason TEXT,
        payout_ref TEXT,
        record_json TEXT,
        deadline ${t.int},
        attempts ${t.int} NOT NULL DEFAULT 0,
        next_at ${t.int} NOT NULL DEFAULT 0,
        created_at ${t.int} NOT NULL,
        updated_at ${t.int} NOT NULL,
        UNIQUE (tenant, idempotency_key)
      )`);
      await q.run("CREATE INDEX op_remittances_step ON op_remittances (step, next_at)");
      await q.run("CREATE INDEX op_remittances_status ON op_remittances (tenant, status, created_at)");
      await q.run(`CREATE TABLE op_status_history (
        seq ${t.autoIdKey},
        id TEXT NOT NULL,
        status TEXT NOT NULL,
        detail TEXT,
        at ${t.int} NOT NULL
      )`);
      await q.run(`CREATE TABLE op_inbound (
        remittance_id TEXT PRIMARY KEY,
        sender TEXT NOT NULL,
        recipient_ref TEXT NOT NULL,
        compliance_json TEXT NOT NULL,
        created_at ${t.int} NOT NULL
      )`);
      await q.run(`CREATE TABLE op_payouts (
        remittance_id TEXT PRIMARY KEY,
        record_json TEXT NOT NULL,
        recipient_hash TEXT NOT NULL,
        compliance_hash TEXT NOT NULL,
        deadline ${t.int} NOT NULL,
        state TEXT NOT NULL,
        payout_ref TEXT,
        reason_code ${t.int},
        work_id TEXT,
        last_error TEXT,
        attempts ${t.int} NOT NULL DEFAULT 0,
        next_at ${t.int} NOT NULL DEFAULT 0,
        created_at ${t.int} NOT NULL,
        updated_at ${t.int} NOT NULL
      )`);
      await q.run("CREATE INDEX op_payouts_state ON op_payouts (state, next_at)");
    },
  },
  // Several instances on one database share these rows through leases (owner, expiry, heartbeat).
  leaseColumnsMigration(2, "op_remittances"),
  leaseColumnsMigration(3, "op_payouts"),
];
