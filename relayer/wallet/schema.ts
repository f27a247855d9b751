import { columnTypes } from "../core/store/ddl.js";
import type { Migration } from "../core/store/store.js";

export const WALLET_COMPONENT = "wallet";

/**
 * The wallet's tables. Amounts are decimal TEXT in the currency's base units (the settlement token's),
 * signed in postings (debit positive, credit negative); every journal's postings sum to zero.
 */
export const walletMigrations: readonly Migration[] = [
  {
    version: 1,
    description: "accounts, journals and postings, payouts, transfers, received webhooks",
    async up(q) {
      const t = columnTypes(q.dialect);
      // `balance` is the sum of the account's postings, kept in step in the posting transaction.
      await q.run(
        `CREATE TABLE wallet_accounts (
           id TEXT PRIMARY KEY,
           kind TEXT NOT NULL,
           ref TEXT UNIQUE,
           name TEXT,
           currency TEXT NOT NULL,
           balance ${t.amount} NOT NULL,
           created_at ${t.int} NOT NULL
         )`,
      );
      await q.run(
        `CREATE TABLE wallet_journals (
           id TEXT PRIMARY KEY,
           kind TEXT NOT NULL,
           ref TEXT NOT NULL,
           created_at ${t.int} NOT NULL
         )`,
      );
      await q.run(
        `CREATE TABLE wallet_postings (
           journal_id TEXT NOT NULL REFERENCES wallet_journals (id),
           line ${t.int} NOT NULL,
           account_id TEXT NOT NULL REFERENCES wallet_accounts (id),
           currency TEXT NOT NULL,
           amount ${t.amount} NOT NULL,
           PRIMARY KEY (journal_id, line)
         )`,
      );
      await q.run("CREATE INDEX wallet_postings_account ON wallet_postings (account_id)");
      // One row per remittance ever presented: the primary key is what makes a payout happen once.
      await q.run(
        `CREATE TABLE wallet_payouts (
           remittance_id TEXT PRIMARY KEY,
           request_hash TEXT NOT NULL,
           outcome TEXT NOT NULL,
           account_id TEXT,
           amount ${t.amount} NOT NULL,
           journal_id TEXT,
           status ${t.int} NOT NULL,
           response TEXT NOT NULL,
           created_at ${t.int} NOT NULL
         )`,
      );
      await q.run(
        `CREATE TABLE wallet_transfers (
           id TEXT PRIMARY KEY,
           account_id TEXT NOT NULL REFERENCES wallet_accounts (id),
           amount ${t.amount} NOT NULL,
           currency TEXT NOT NULL,
           receiving_operator TEXT NOT NULL,
           recipient_ref TEXT NOT NULL,
           idempotency_key TEXT NOT NULL UNIQUE,
           request_body TEXT NOT NULL,
           state TEXT NOT NULL,
           remote_status TEXT,
           remittance_id TEXT UNIQUE,
           fee ${t.amount},
           refund_reason TEXT,
           attempts ${t.int} NOT NULL,
           next_attempt_at ${t.int} NOT NULL,
           last_error TEXT,
           created_at ${t.int} NOT NULL,
           updated_at ${t.int} NOT NULL
         )`,
      );
      await q.run("CREATE INDEX wallet_transfers_due ON wallet_transfers (state, next_attempt_at)");
      await q.run(
        `CREATE TABLE wallet_webhook_events (
           id TEXT PRIMARY KEY,
           event_type TEXT NOT NULL,
           remittance_id TEXT,
           status TEXT,
           outcome TEXT NOT NULL,
           received_at ${t.int} NOT NULL
         )`,
      );
    },
  },
];
