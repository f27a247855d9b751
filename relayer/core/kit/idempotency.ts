import { columnTypes } from "../store/ddl.js";
import { createHash } from "node:crypto";

import type { Migration, Sql, Store } from "../store/store.js";
import { IdempotencyInFlightError, IdempotencyMismatchError } from "./errors.js";

export const IDEMPOTENCY_COMPONENT = "kit.idempotency";

export const idempotencyMigrations: readonly Migration[] = [
  {
    version: 1,
    description: "Idempotency-Key records: request hash, state, stored response",
    async up(q) {
      const t = columnTypes(q.dialect);
      await q.run(
        `CREATE TABLE kit_idempotency (
           tenant TEXT NOT NULL,
           idem_key TEXT NOT NULL,
           request_hash TEXT NOT NULL,
           state TEXT NOT NULL,
           status ${t.int},
           response TEXT,
           created_at ${t.int} NOT NULL,
           updated_at ${t.int} NOT NULL,
           PRIMARY KEY (tenant, idem_key)
         )`,
      );
    },
  },
];

/** A stored answer: replayed verbatim for the same key and request. */
export interface StoredResponse {
  status: number;
  body: unknown;
}

export interface IdempotentRequest {
  tenant: string;
  key: string;
  /** `requestHash(...)` of what identifies the request: method, route, body. */
  hash: string;
}

export type BeginResult = { kind: "new" } | { kind: "replay"; response: StoredResponse };

/** SHA-256 of the request in canonical JSON (object keys sorted), so key order in a body does not matter. */
export function requestHash(parts: unknown): string {
  return createHash("sha256").update(canonicalJson(parts)).digest("hex");
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export interface IdempotencyOptions {
  /**
   * An in-flight record older than this is taken over (its process died mid-request and its work, being
   * uncommitted, never happened). Longer than any request may take.
   */
  staleAfterMs?: number;
  now?: () => number;
}

/**
 * Idempotency-Key handling in two steps so a service can store its intent in the same transaction as
 * `begin` (`beginIn`) and the answer with `complete`: same key and request → the stored answer; same key,
 * other request → `IdempotencyMismatchError` (422); still in flight → `IdempotencyInFlightError` (409).
 */
export class Idempotency {
  private readonly staleAfterMs: number;
  private readonly now: () => number;

  constructor(
    private readonly store: Store,
    options: IdempotencyOptions = {},
  ) {
    this.staleAfterMs = options.staleAfterMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  async beginIn(q: Sql, request: IdempotentRequest): Promise<BeginResult> {
    const now = this.now();
    const row = await q.get<{
      request_hash: string;
      state: string;
      status: number | null;
      response: string | null;
      updated_at: number;
    }>(
      "SELECT request_hash, state, status, response, updated_at FROM kit_idempotency WHERE tenant = ? AND idem_key = ?",
      [request.tenant, request.key],
    );
    if (row === undefined) {
      await q.run(
        `INSERT INTO kit_idempotency (tenant, idem_key, request_hash, state, created_at, updated_at)
         VALUES (?, ?, ?, 'in_flight', ?, ?)`,
        [request.tenant, request.key, request.hash, now, now],
      );
      return { kind: "new" };
    }
    if (row.request_hash !== request.hash) throw new IdempotencyMismatchError(request.key);
    if (row.state === "done") {
      return { kind: "replay", response: { status: row.status!, body: JSON.parse(row.response!) as unknown } };
    }
    if (now - row.updated_at < this.staleAfterMs) throw new IdempotencyInFlightError(request.key);
    await q.run("UPDATE kit_idempotency SET updated_at = ? WHERE tenant = ? AND idem_key = ?", [
      now,
      request.tenant,
      request.key,
    ]);
    return { kind: "new" };
  }

  async completeIn(q: Sql, request: IdempotentRequest, response: StoredResponse): Promise<void> {
    await q.run(
      `UPDATE kit_idempotency SET state = 'done', status = ?, response = ?, updated_at = ?
       WHERE tenant = ? AND idem_key = ? AND request_hash = ?`,
      [response.status, JSON.stringify(response.body), this.now(), request.tenant, request.key, request.hash],
    );
  }

  /** Forgets an in-flight record whose work failed without effect, so the caller may retry the key. */
  async abandonIn(q: Sql, request: IdempotentRequest): Promise<void> {
    await q.run("DELETE FROM kit_idempotency WHERE tenant = ? AND idem_key = ? AND state = 'in_flight'", [
      request.tenant,
      request.key,
    ]);
  }

  /**
   * Forgets answered keys older than `retentionMs` (a retry after that is a new request); in-flight
   * records are kept. Returns how many were removed. Run it from a periodic job.
   */
  async purge(retentionMs: number): Promise<number> {
    const { changes } = await this.store.tx((q) =>
      q.run("DELETE FROM kit_idempotency WHERE state = 'done' AND updated_at < ?", [this.now() - retentionMs]),
    );
    return changes;
  }

  /**
   * Runs `work` at most once per key: inside one write transaction with the record, so the effect and
   * the stored answer commit together. `work` must not wait on anything slow (it holds the write lock).
   */
  run(request: IdempotentRequest, work: (q: Sql) => Promise<StoredResponse>): Promise<StoredResponse> {
    return this.store.tx(async (q) => {
      const begun = await this.beginIn(q, request);
      if (begun.kind === "replay") return begun.response;
      const response = await work(q);
      await this.completeIn(q, request, response);
      return response;
    });
  }

  /**
   * For work that must not hold the write lock (a call to another system): the record is in flight
   * between the two transactions, so a concurrent duplicate gets a 409; a failure forgets it.
   */
  async runOutside(request: IdempotentRequest, work: () => Promise<StoredResponse>): Promise<StoredResponse> {
    const begun = await this.store.tx((q) => this.beginIn(q, request));
    if (begun.kind === "replay") return begun.response;
    let response: StoredResponse;
    try {
      response = await work();
    } catch (error) {
      await this.store.tx((q) => this.abandonIn(q, request));
      throw error;
    }
    await this.store.tx((q) => this.completeIn(q, request, response));
    return response;
  }
}
