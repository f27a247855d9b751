import { columnTypes } from "../store/ddl.js";
import { leaseColumnsMigration } from "../store/leased-rows.js";
import type { Migration } from "../store/store.js";

export const WEBHOOKS_COMPONENT = "core.webhooks";

/**
 * The durable outbox. One row per message: the body is fixed at enqueue (so every retry sends the same
 * bytes under the same id) and `seq` orders the messages of one endpoint. `attempts` counts the current
 * round (a replay starts a new one), `total_attempts` every attempt ever, numbering the history rows. `webhook_sequences` hands out
 * those numbers inside the enqueuing transaction; `webhook_attempts` keeps the history of each delivery.
 */
export const webhookMigrations: readonly Migration[] = [
  {
    version: 1,
    description: "webhook outbox: messages with per-endpoint sequence, delivery state and attempt history",
    async up(q) {
      const t = columnTypes(q.dialect);
      await q.run(
        `CREATE TABLE webhook_sequences (
           endpoint TEXT PRIMARY KEY,
           next_seq ${t.int} NOT NULL
         )`,
      );
      await q.run(
        `CREATE TABLE webhook_messages (
           id TEXT PRIMARY KEY,
           endpoint TEXT NOT NULL,
           seq ${t.int} NOT NULL,
           event_type TEXT NOT NULL,
           body TEXT NOT NULL,
           state TEXT NOT NULL,
           attempts ${t.int} NOT NULL,
           total_attempts ${t.int} NOT NULL,
           next_attempt_at ${t.int} NOT NULL,
           last_error TEXT,
           created_at ${t.int} NOT NULL,
           delivered_at ${t.int},
           UNIQUE (endpoint, seq)
         )`,
      );
      await q.run("CREATE INDEX webhook_messages_pending ON webhook_messages (state, endpoint, seq)");
      await q.run(
        `CREATE TABLE webhook_attempts (
           message_id TEXT NOT NULL,
           attempt ${t.int} NOT NULL,
           at ${t.int} NOT NULL,
           status ${t.int},
           error TEXT,
           PRIMARY KEY (message_id, attempt)
         )`,
      );
    },
  },
  // Several instances share the outbox: the instance delivering an endpoint's head message holds its lease.
  leaseColumnsMigration(2, "webhook_messages"),
];
