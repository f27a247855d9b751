import { randomUUID } from "node:crypto";

import type { Sql, Store } from "../store/store.js";

/** What Standard Webhooks ids may contain (the signer and verifier in client/webhooks.ts agree). */
const MESSAGE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export type WebhookMessageState = "pending" | "delivered" | "dead";

export interface EnqueueParams {
  /** The endpoint's name; the delivery worker resolves it to a URL and its secrets when sending. */
  endpoint: string;
  /** The event type, e.g. `remittance.status_changed`. */
  eventType: string;
  /** The event data; serialized once, here, so every retry sends the same bytes. */
  payload: unknown;
  /** A message id chosen by the caller (to tie it to its event); a random `msg_...` by default. */
  id?: string;
  now?: number;
}

export interface EnqueuedMessage {
  id: string;
  endpoint: string;
  seq: number;
}

/** The body every endpoint receives, in the shape Standard Webhooks recommends (`type`, `timestamp`, `data`). */
export interface WebhookEnvelope<T = unknown> {
  type: string;
  /** When the event happened (ISO 8601); the header timestamp is the attempt's. */
  timestamp: string;
  /** Position of the message among its endpoint's messages, from 1, so a receiver can spot reordering. */
  sequence: number;
  data: T;
}

export interface WebhookMessage {
  id: string;
  endpoint: string;
  seq: number;
  eventType: string;
  body: string;
  state: WebhookMessageState;
  attempts: number;
  totalAttempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  createdAt: number;
  deliveredAt: number | null;
}

export interface MessageRow {
  id: string;
  endpoint: string;
  seq: number;
  event_type: string;
  body: string;
  state: WebhookMessageState;
  attempts: number;
  total_attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

export const MESSAGE_COLUMNS =
  "id, endpoint, seq, event_type, body, state, attempts, total_attempts, next_attempt_at, last_error, created_at, delivered_at";

export function toMessage(row: MessageRow): WebhookMessage {
  return {
    id: row.id,
    endpoint: row.endpoint,
    seq: Number(row.seq),
    eventType: row.event_type,
    body: row.body,
    state: row.state,
    attempts: Number(row.attempts),
    totalAttempts: Number(row.total_attempts),
    nextAttemptAt: Number(row.next_attempt_at),
    lastError: row.last_error,
    createdAt: Number(row.created_at),
    deliveredAt: row.delivered_at === null ? null : Number(row.delivered_at),
  };
}

/**
 * Queues a webhook inside the caller's transaction: the state change that caused it and the message
 * commit or roll back together, so no event is announced that did not happen, and none is lost.
 */
export async function enqueue(q: Sql, params: EnqueueParams): Promise<EnqueuedMessage> {
  const now = params.now ?? Date.now();
  const id = params.id ?? `msg_${randomUUID().replaceAll("-", "")}`;
  // Checked here, not at send time: an id the signer refuses would otherwise sit at the head of its queue.
  if (!MESSAGE_ID.test(id)) throw new RangeError("a webhook message id is 1..128 characters of [A-Za-z0-9._:-]");
  // The number comes from a counter row updated in this very transaction, not from a database sequence or
  // a SERIAL column. A sequence hands out numbers at insert time, outside transaction order: T1 takes 7,
  // T2 takes 8 and commits first, a reader delivers 8 as the endpoint's head, then T1 commits 7 behind it
  // (out of order, and a reader that keeps a high-water mark skips 7 for good). Updating the counter row
  // takes its row lock until commit (PostgreSQL) or the database's write lock (SQLite), so the next
  // enqueuer of the endpoint waits for this commit: per endpoint, sequence order is commit order.
  await q.run(
    `INSERT INTO webhook_sequences (endpoint, next_seq) VALUES (?, 2)
     ON CONFLICT (endpoint) DO UPDATE SET next_seq = webhook_sequences.next_seq + 1`,
    [params.endpoint],
  );
  const row = await q.get<{ next_seq: number }>("SELECT next_seq FROM webhook_sequences WHERE endpoint = ?", [
    params.endpoint,
  ]);
  const seq = Number(row!.next_seq) - 1;
  const envelope: WebhookEnvelope = {
    type: params.eventType,
    timestamp: new Date(now).toISOString(),
    sequence: seq,
    data: params.payload,
  };
  await q.run(
    `INSERT INTO webhook_messages (id, endpoint, seq, event_type, body, state, attempts, total_attempts,
       next_attempt_at, last_error, created_at, delivered_at)
     VALUES (?, ?, ?, ?, ?, 'pending', 0, 0, ?, NULL, ?, NULL)`,
    [id, params.endpoint, seq, params.eventType, JSON.stringify(envelope), now, now],
  );
  return { id, endpoint: params.endpoint, seq };
}

export type ReplayTarget = string | { endpoint: string; since: number };

/**
 * Reads and operator actions on the outbox: a message, the dead letters, and replay on request.
 */
export class WebhookOutbox {
  constructor(private readonly store: Store) {}

  /** Enqueues in a transaction of its own (for events that change no other state). */
  enqueue(params: EnqueueParams): Promise<EnqueuedMessage> {
    return this.store.tx((q) => enqueue(q, params));
  }

  async message(id: string): Promise<WebhookMessage | undefined> {
    const row = await this.store.read((q) =>
      q.get<MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM webhook_messages WHERE id = ?`, [id]),
    );
    return row === undefined ? undefined : toMessage(row);
  }

  /** An endpoint's messages in sequence order (at most `limit`). */
  async messages(endpoint: string, limit = 1000): Promise<WebhookMessage[]> {
    const rows = await this.store.read((q) =>
      q.all<MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM webhook_messages WHERE endpoint = ? ORDER BY seq LIMIT ?`, [
        endpoint,
        limit,
      ]),
    );
    return rows.map(toMessage);
  }

  /** Messages whose every attempt failed, oldest first. */
  async deadLetters(endpoint?: string, limit = 1000): Promise<WebhookMessage[]> {
    const rows = await this.store.read((q) =>
      endpoint === undefined
        ? q.all<MessageRow>(
            `SELECT ${MESSAGE_COLUMNS} FROM webhook_messages WHERE state = 'dead' ORDER BY created_at, seq LIMIT ?`,
            [limit],
          )
        : q.all<MessageRow>(
            `SELECT ${MESSAGE_COLUMNS} FROM webhook_messages WHERE state = 'dead' AND endpoint = ? ORDER BY seq LIMIT ?`,
            [endpoint, limit],
          ),
    );
    return rows.map(toMessage);
  }

  /** The attempt history of one message: number, time, HTTP status or transport error. */
  attempts(id: string): Promise<{ attempt: number; at: number; status: number | null; error: string | null }[]> {
    return this.store.read((q) =>
      q.all("SELECT attempt, at, status, error FROM webhook_attempts WHERE message_id = ? ORDER BY attempt", [id]),
    );
  }

  /**
   * Queues messages for delivery again, with their original id and body and a fresh round of attempts:
   * one message by id, or every message of an endpoint created at or after `since` (ms), dead letters
   * included. Returns how many were queued.
   */
  replay(target: ReplayTarget, now = Date.now()): Promise<number> {
    return this.store.tx(async (q) => {
      const result =
        typeof target === "string"
          ? await q.run(
              `UPDATE webhook_messages SET state = 'pending', attempts = 0, next_attempt_at = ?, delivered_at = NULL
               WHERE id = ?`,
              [now, target],
            )
          : await q.run(
              `UPDATE webhook_messages SET state = 'pending', attempts = 0, next_attempt_at = ?, delivered_at = NULL
               WHERE endpoint = ? AND created_at >= ?`,
              [now, target.endpoint, target.since],
            );
      return result.changes;
    });
  }

  /** Counts by state, for metrics and readiness. */
  async counts(): Promise<Record<WebhookMessageState, number>> {
    const rows = await this.store.read((q) =>
      q.all<{ state: WebhookMessageState; n: number }>(
        "SELECT state, COUNT(*) AS n FROM webhook_messages GROUP BY state",
      ),
    );
    const counts: Record<WebhookMessageState, number> = { pending: 0, delivered: 0, dead: 0 };
    for (const row of rows) counts[row.state] = Number(row.n);
    return counts;
  }
}
