import { columnTypes } from "../store/ddl.js";
import type { Migration } from "../store/store.js";

export const TX_COMPONENT = "txmanager";

/**
 * Requests (one per tenant and idempotency key), attempts (every signed transaction ever made for a
 * request: the nonce lives here and only here, next to the bytes and hash it was signed into), the
 * append-only history, and per signer the lowest nonce the chain leaves us (raised when another
 * sender uses the key, lowered explicitly on rewind). Portable SQL: amounts as decimal TEXT, ms INTEGER.
 */
export const TX_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "requests, attempts, history, signers",
    async up(q) {
      const t = columnTypes(q.dialect);
      await q.run(`CREATE TABLE tx_requests (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        idempotency_key TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        kind TEXT NOT NULL,
        signer TEXT NOT NULL,
        to_address TEXT NOT NULL,
        data TEXT NOT NULL,
        value ${t.amount} NOT NULL,
        gas_limit ${t.amount},
        status TEXT NOT NULL,
        nonce ${t.int},
        mined_hash TEXT,
        block_number ${t.int},
        block_hash TEXT,
        error_json TEXT,
        cancel_requested ${t.int} NOT NULL DEFAULT 0,
        expires_at ${t.int},
        created_at ${t.int} NOT NULL,
        updated_at ${t.int} NOT NULL,
        submitted_at ${t.int},
        UNIQUE (tenant, idempotency_key)
      )`);
      await q.run("CREATE INDEX tx_requests_status ON tx_requests (signer, status)");
      await q.run(`CREATE TABLE tx_attempts (
        hash TEXT PRIMARY KEY,
        request_id TEXT NOT NULL REFERENCES tx_requests (id),
        attempt_no ${t.int} NOT NULL,
        signer TEXT NOT NULL,
        nonce ${t.int} NOT NULL,
        purpose TEXT NOT NULL,
        raw TEXT NOT NULL,
        fees_json TEXT NOT NULL,
        created_at ${t.int} NOT NULL,
        broadcast_at ${t.int},
        UNIQUE (request_id, attempt_no)
      )`);
      await q.run("CREATE INDEX tx_attempts_signer_nonce ON tx_attempts (signer, nonce)");
      await q.run("CREATE INDEX tx_attempts_request ON tx_attempts (request_id)");
      await q.run(`CREATE TABLE tx_history (
        request_id TEXT NOT NULL REFERENCES tx_requests (id),
        seq ${t.int} NOT NULL,
        status TEXT NOT NULL,
        detail TEXT NOT NULL,
        at ${t.int} NOT NULL,
        PRIMARY KEY (request_id, seq)
      )`);
      await q.run(`CREATE TABLE tx_signers (
        signer TEXT PRIMARY KEY,
        chain_floor ${t.int} NOT NULL
      )`);
    },
  },
  {
    version: 2,
    description: "batch items",
    async up(q) {
      const t = columnTypes(q.dialect);
      await q.run(`CREATE TABLE tx_batch_items (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        idempotency_key TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        group_name TEXT NOT NULL,
        payload TEXT NOT NULL,
        status TEXT NOT NULL,
        batch_request_id TEXT REFERENCES tx_requests (id),
        item_index ${t.int},
        error_json TEXT,
        created_at ${t.int} NOT NULL,
        updated_at ${t.int} NOT NULL,
        UNIQUE (tenant, idempotency_key)
      )`);
      await q.run("CREATE INDEX tx_batch_items_group ON tx_batch_items (group_name, status)");
    },
  },
  {
    version: 3,
    description: "batch items claimed under the batch's idempotency key before it is submitted",
    async up(q) {
      // Set in the same conditional UPDATE that packs the items, before the batch request exists: two
      // packers can never put one item into two batches, and a crash before submit resumes with this key.
      await q.run("ALTER TABLE tx_batch_items ADD COLUMN batch_key TEXT");
    },
  },
];
