import { Counter, Gauge, type Registry } from "prom-client";
import type { Logger } from "pino";

import { signWebhook } from "../../../client/webhooks.js";
import type { Worker } from "../kit/service.js";
import { instanceId } from "../store/lease.js";
import type { Store } from "../store/store.js";
import { MESSAGE_COLUMNS, WebhookOutbox, toMessage, type MessageRow, type WebhookMessage } from "./outbox.js";

/** Where an endpoint name points when a message is sent; secrets are read at send time, so rotation needs no restart. */
export interface WebhookEndpoint {
  url: string;
  /** Active signing secrets (`whsec_...`); two during a rotation. */
  secrets: readonly string[];
}

export type EndpointResolver = (endpoint: string) => WebhookEndpoint | undefined | Promise<WebhookEndpoint | undefined>;

/**
 * Delay before each attempt, in ms: the first entry before the first attempt, and so on. The number of
 * entries is the number of attempts; after the last one fails the message becomes a dead letter.
 * This is the Standard Webhooks reference schedule (0 s, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h).
 */
export const DEFAULT_WEBHOOK_SCHEDULE_MS: readonly number[] = [
  0,
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
];

export interface WebhookDeliveryOptions {
  store: Store;
  logger: Logger;
  resolveEndpoint: EndpointResolver;
  schedule?: readonly number[];
  /** Per attempt, connect to response headers (default 10 s). */
  timeoutMs?: number;
  /** How often due messages are looked for when nothing wakes the worker (default 250 ms). */
  pollMs?: number;
  /** Endpoints delivered to at once (default 16); one message in flight per endpoint. */
  concurrency?: number;
  /** Registers pending/dead-letter gauges and an attempts counter here (a service's `metrics.registry`). */
  registry?: Registry;
  /** This instance as a lease owner (several instances on one database); a random one by default. */
  owner?: string;
  /** How long a claimed message stays this instance's; longer than `timeoutMs` (default timeout + 20 s). */
  leaseMs?: number;
  now?: () => number;
}

/**
 * Delivers the outbox. Per endpoint, strictly in sequence order: only the lowest pending message of an
 * endpoint is tried, so a later event never overtakes an earlier one (a dead letter stops blocking).
 * Endpoints are independent: a receiver that is down or slow holds only its own queue. Delivery is at
 * least once; the message id is the same on every attempt, so receivers deduplicate on it.
 *
 * Several instances on one database: an endpoint's head message is claimed (owner and lease expiry on
 * its row) before it is tried, so one instance at a time delivers an endpoint and order is kept; an
 * attempt lasts at most `timeoutMs`, less than the lease, so no heartbeat is needed, and a killed
 * instance's endpoint is picked up by another once the lease lapses.
 */
export class WebhookDeliveryWorker implements Worker {
  readonly name = "webhooks";
  readonly outbox: WebhookOutbox;
  private readonly schedule: readonly number[];
  private readonly timeoutMs: number;
  private readonly pollMs: number;
  private readonly concurrency: number;
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly abort = new AbortController();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly attemptsTotal: Counter<"result"> | undefined;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private readonly owner: string;
  private readonly leaseMs: number;
  /**
   * A counter ticked when a read of due messages starts and when a delivery settles. A read that began
   * before an endpoint's last delivery settled may predate that delivery's commit (on PostgreSQL the read
   * runs beside the write; on SQLite the store's one connection orders them): its row for the endpoint
   * is stale and would send the same attempt again, so it is left to the next pass.
   */
  private clock = 0;
  private readonly settledAt = new Map<string, number>();

  constructor(private readonly options: WebhookDeliveryOptions) {
    this.schedule = options.schedule ?? DEFAULT_WEBHOOK_SCHEDULE_MS;
    if (this.schedule.length === 0 || this.schedule.some((ms) => !Number.isFinite(ms) || ms < 0)) {
      throw new RangeError("a webhook schedule needs at least one non-negative delay");
    }
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.pollMs = options.pollMs ?? 250;
    this.concurrency = options.concurrency ?? 16;
    this.now = options.now ?? Date.now;
    this.owner = options.owner ?? instanceId("webhooks");
    this.leaseMs = options.leaseMs ?? this.timeoutMs + 20_000;
    if (this.leaseMs <= this.timeoutMs) throw new RangeError("a webhook lease must outlast an attempt's timeout");
    this.log = options.logger.child({ component: "webhooks" });
    this.outbox = new WebhookOutbox(options.store);
    if (options.registry !== undefined) this.attemptsTotal = this.registerMetrics(options.registry);
  }

  /** Starts the loop (once); returns the worker for chaining. */
  start(): this {
    this.loop ??= this.run();
    return this;
  }

  /** Looks for due messages now (call after enqueueing to skip the poll interval). */
  notify(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.wake?.();
    await this.loop;
    await Promise.allSettled(this.inFlight.values());
  }

  private async run(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        const free = this.concurrency - this.inFlight.size;
        if (free > 0) {
          const readAt = ++this.clock;
          for (const message of await this.dueHeads(free + this.inFlight.size)) {
            if (this.inFlight.has(message.endpoint) || this.inFlight.size >= this.concurrency) continue;
            if ((this.settledAt.get(message.endpoint) ?? 0) > readAt) continue;
            const delivery = this.deliver(message)
              .catch((error: unknown) => this.log.error({ err: error, message: message.id }, "delivery step failed"))
              .finally(() => {
                this.settledAt.set(message.endpoint, ++this.clock);
                this.inFlight.delete(message.endpoint);
                this.wake?.();
              });
            this.inFlight.set(message.endpoint, delivery);
          }
        }
      } catch (error) {
        if (this.abort.signal.aborted) break;
        this.log.error({ err: error }, "looking for due webhooks failed");
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.pollMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.wake = done;
      });
      this.wake = undefined;
    }
  }

  /** The lowest pending message of each endpoint, when it is due and this instance could claim it. */
  private async dueHeads(limit: number): Promise<WebhookMessage[]> {
    const now = this.now();
    const rows = await this.options.store.read((q) =>
      q.all<MessageRow>(
        `SELECT ${MESSAGE_COLUMNS} FROM webhook_messages m
         WHERE m.state = 'pending' AND m.next_attempt_at <= ?
           AND (m.lease_owner IS NULL OR m.lease_owner = ? OR m.lease_until < ?)
           AND m.seq = (SELECT MIN(seq) FROM webhook_messages p WHERE p.endpoint = m.endpoint AND p.state = 'pending')
         ORDER BY m.next_attempt_at, m.endpoint
         LIMIT ?`,
        [now, this.owner, now, limit],
      ),
    );
    if (rows.length === 0) return [];
    // Claimed one by one, conditionally: another instance that claimed a head first keeps it.
    const claimed = await this.options.store.tx(async (q) => {
      const mine: MessageRow[] = [];
      for (const row of rows) {
        const { changes } = await q.run(
          `UPDATE webhook_messages SET lease_owner = ?, lease_until = ?
           WHERE id = ? AND state = 'pending' AND total_attempts = ?
             AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ?)`,
          [this.owner, now + this.leaseMs, row.id, row.total_attempts, this.owner, now],
        );
        if (changes === 1) mine.push(row);
      }
      return mine;
    });
    return claimed.map(toMessage);
  }

  private async deliver(message: WebhookMessage): Promise<void> {
    let status: number | null = null;
    let error: string | null = null;
    let endpoint: WebhookEndpoint | undefined;
    try {
      endpoint = await this.options.resolveEndpoint(message.endpoint);
    } catch (cause) {
      // Counted as a failed attempt, so a broken lookup ends in the dead letters instead of spinning.
      error = `endpoint lookup failed: ${describe(cause)}`;
    }
    if (error === null && endpoint === undefined) {
      error = `no endpoint configured for "${message.endpoint}"`;
    } else if (endpoint !== undefined) {
      try {
        const headers = signWebhook({
          id: message.id,
          timestamp: Math.floor(this.now() / 1000),
          body: message.body,
          secrets: endpoint.secrets,
        });
        const response = await fetch(endpoint.url, {
          method: "POST",
          headers: { ...headers, "content-type": "application/json" },
          body: message.body,
          redirect: "manual",
          signal: AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.abort.signal]),
        });
        status = response.status;
        // The receiver's answer is not needed; not reading it keeps a large reply from costing memory.
        await response.body?.cancel().catch(() => undefined);
      } catch (cause) {
        // Shutting down mid-attempt is not the receiver's failure: the message stays due for the next start.
        if (this.abort.signal.aborted) return;
        error = describe(cause);
      }
    }
    const delivered = status !== null && status >= 200 && status < 300;
    if (!delivered && error === null) error = `HTTP ${status}`;
    const now = this.now();
    const attempts = message.attempts + 1;
    const dead = !delivered && attempts >= this.schedule.length;
    const recorded = await this.options.store.tx(async (q) => {
      // Guarded by the attempt count it read (a replay in between started a new round and wins) and by the
      // lease (an instance that lost the message to another records nothing; the other one's attempt counts).
      const { changes } = await q.run(
        `UPDATE webhook_messages SET state = ?, attempts = ?, total_attempts = ?, next_attempt_at = ?,
           last_error = ?, delivered_at = ?
         WHERE id = ? AND state = 'pending' AND total_attempts = ? AND lease_owner = ?`,
        [
          delivered ? "delivered" : dead ? "dead" : "pending",
          attempts,
          message.totalAttempts + 1,
          dead || delivered ? now : now + this.schedule[attempts]!,
          delivered ? null : error,
          delivered ? now : null,
          message.id,
          message.totalAttempts,
          this.owner,
        ],
      );
      if (changes === 0) return false;
      await q.run("INSERT INTO webhook_attempts (message_id, attempt, at, status, error) VALUES (?, ?, ?, ?, ?)", [
        message.id,
        message.totalAttempts + 1,
        now,
        status,
        error,
      ]);
      return true;
    });
    if (!recorded) {
      this.log.info({ message: message.id }, "attempt not recorded: the message moved on meanwhile");
      return;
    }
    const result = delivered ? "delivered" : dead ? "dead" : "failed";
    this.attemptsTotal?.inc({ result });
    const context = { message: message.id, endpoint: message.endpoint, seq: message.seq, attempt: attempts };
    if (delivered) this.log.debug(context, "webhook delivered");
    else if (dead) this.log.warn({ ...context, error }, "webhook moved to dead letters after its last attempt");
    else this.log.info({ ...context, error }, "webhook attempt failed; will retry");
  }

  private registerMetrics(registry: Registry): Counter<"result"> {
    const outbox = this.outbox;
    const counts = async () => {
      try {
        return await outbox.counts();
      } catch {
        return undefined; // the store is closed: report nothing rather than fail the scrape
      }
    };
    new Gauge({
      name: "ledgerlink_webhooks_pending",
      help: "Webhook messages waiting for delivery",
      registers: [registry],
      async collect() {
        const c = await counts();
        if (c !== undefined) this.set(c.pending);
      },
    });
    new Gauge({
      name: "ledgerlink_webhooks_dead_letters",
      help: "Webhook messages whose every attempt failed",
      registers: [registry],
      async collect() {
        const c = await counts();
        if (c !== undefined) this.set(c.dead);
      },
    });
    return new Counter({
      name: "ledgerlink_webhook_attempts_total",
      help: "Webhook delivery attempts by result (delivered, failed, dead)",
      labelNames: ["result"],
      registers: [registry],
    });
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return cause?.code !== undefined ? `${error.message} (${cause.code})` : error.message;
  }
  return String(error);
}
