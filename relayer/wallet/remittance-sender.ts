import type { Logger } from "pino";
import type { Counter } from "prom-client";

import type { Worker } from "../core/kit/service.js";
import type { Store } from "../core/store/store.js";
import { TRANSFER_COLUMNS, markSubmitted, refundTransfer, type TransferRow } from "./transfers.js";

export interface RetryPolicy {
  initialMs: number;
  factor: number;
  maxMs: number;
}

export interface RemittanceSenderOptions {
  store: Store;
  logger: Logger;
  /** The operator relayer's base URL. */
  url: string;
  apiKey?: string;
  timeoutMs: number;
  retry: RetryPolicy;
  pollMs: number;
  /** Transfers sent at once (1: strictly in order of acceptance). */
  concurrency?: number;
  /** Counts outcomes: submitted, refused, retry. */
  outcomes?: Counter<"outcome">;
}

/** How one call to `POST /remittances` ended, from the wallet's point of view. */
type CallResult =
  | { kind: "accepted"; remittanceId: string; status: string }
  | { kind: "refused"; code: string; message: string }
  | { kind: "retry"; error: string };

// Statuses that say "not now" rather than "no": the request may succeed when repeated.
const RETRYABLE_4XX = new Set([408, 409, 425, 429]);

export function backoffMs(policy: RetryPolicy, attempts: number): number {
  return Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, attempts - 1));
}

/**
 * Sends accepted transfers to the operator relayer and resumes the unfinished ones after a restart.
 * Every call carries the transfer's own idempotency key and its stored body, so a repeat (after a lost
 * answer, a timeout or a crash) is recognised by the relayer and never starts a second remittance.
 * A 4xx refusal refunds the user at once with the relayer's code; 5xx, timeouts and transport errors
 * retry with backoff for as long as it takes (the relayer may have the request: never refund on doubt).
 */
export class RemittanceSender implements Worker {
  readonly name = "remittance-sender";
  private readonly abort = new AbortController();
  private readonly log: Logger;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: RemittanceSenderOptions) {
    this.log = options.logger.child({ component: "remittance-sender" });
  }

  start(): this {
    this.loop ??= this.run();
    return this;
  }

  /** A transfer was accepted: look now instead of at the next poll. */
  notify(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.abort.signal.aborted) {
      let busy = false;
      try {
        const limit = Math.max(1, this.options.concurrency ?? 1);
        const due = await this.options.store.read((q) =>
          q.all<TransferRow>(
            `SELECT ${TRANSFER_COLUMNS} FROM wallet_transfers WHERE state = 'accepted' AND next_attempt_at <= ?
             ORDER BY next_attempt_at LIMIT ?`,
            [Date.now(), Math.max(16, 4 * limit)],
          ),
        );
        busy = due.length > 0;
        // Up to `limit` calls at once, taken in order of acceptance; each transfer is in one call only
        // (rows are read once per round and a round ends when all its calls have).
        let next = 0;
        const worker = async () => {
          while (next < due.length && !this.abort.signal.aborted) await this.send(due[next++]!);
        };
        // Every call ends before the next round reads the rows again, even when one of them fails.
        const ended = await Promise.allSettled(Array.from({ length: Math.min(limit, due.length) }, worker));
        for (const outcome of ended) if (outcome.status === "rejected") throw outcome.reason;
      } catch (error) {
        if (this.abort.signal.aborted) break;
        busy = false; // wait a poll interval before trying again
        this.log.error({ err: error }, "sending transfers failed");
      }
      if (busy) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.options.pollMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.wake = done;
      });
      this.wake = undefined;
    }
  }

  private async send(row: TransferRow): Promise<void> {
    const result = await this.call(row);
    // Shutting down mid-call: the transfer stays accepted and the next start repeats the call.
    if (result === undefined) return;
    const log = this.log.child({ transfer: row.id });
    await this.options.store.tx(async (q) => {
      const current = await q.get<TransferRow>(`SELECT ${TRANSFER_COLUMNS} FROM wallet_transfers WHERE id = ?`, [
        row.id,
      ]);
      if (current === undefined) return;
      switch (result.kind) {
        case "accepted":
          await markSubmitted(q, current, result.remittanceId, result.status);
          log.info({ remittance: result.remittanceId, status: result.status }, "remittance accepted by the relayer");
          break;
        case "refused":
          if (current.state !== "accepted") return;
          await refundTransfer(q, current, result.code);
          log.warn({ code: result.code, message: result.message }, "relayer refused the remittance; user refunded");
          break;
        case "retry": {
          const attempts = Number(current.attempts) + 1;
          const delay = backoffMs(this.options.retry, attempts);
          await q.run(
            "UPDATE wallet_transfers SET attempts = ?, next_attempt_at = ?, last_error = ?, updated_at = ? WHERE id = ? AND state = 'accepted'",
            [attempts, Date.now() + delay, result.error, Date.now(), row.id],
          );
          log.info({ attempts, retryInMs: delay, error: result.error }, "relayer call failed; will retry");
          break;
        }
      }
    });
    this.options.outcomes?.inc({ outcome: result.kind });
  }

  private async call(row: TransferRow): Promise<CallResult | undefined> {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "idempotency-key": row.idempotency_key,
      "x-request-id": row.id,
    };
    if (this.options.apiKey !== undefined) headers.authorization = `Bearer ${this.options.apiKey}`;
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.options.url}/remittances`, {
        method: "POST",
        headers,
        body: row.request_body,
        signal: AbortSignal.any([AbortSignal.timeout(this.options.timeoutMs), this.abort.signal]),
      });
      text = await response.text();
    } catch (error) {
      if (this.abort.signal.aborted) return undefined;
      return { kind: "retry", error: error instanceof Error ? error.message : String(error) };
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (response.status >= 200 && response.status < 300) {
      const answer = body as { id?: unknown; status?: unknown } | undefined;
      if (typeof answer?.id !== "string" || answer.id === "") {
        // Taken but unreadable: repeating with the same key fetches the answer again.
        return { kind: "retry", error: `HTTP ${response.status} without a remittance id` };
      }
      return {
        kind: "accepted",
        remittanceId: answer.id,
        status: typeof answer.status === "string" ? answer.status : "pending",
      };
    }
    if (response.status >= 400 && response.status < 500 && !RETRYABLE_4XX.has(response.status)) {
      const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
      return {
        kind: "refused",
        code: typeof error?.code === "string" ? error.code : `http_${response.status}`,
        message: typeof error?.message === "string" ? error.message : text.slice(0, 200),
      };
    }
    return { kind: "retry", error: `HTTP ${response.status}` };
  }
}
