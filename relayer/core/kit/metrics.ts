import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

import type { TxMetrics } from "../tx/metrics.js";

/** What a listener reports: how far each subscription's checkpoint is behind the chain head. */
export interface ListenerMetricsSource {
  lags(): readonly ListenerLag[] | Promise<readonly ListenerLag[]>;
}

export interface ListenerLag {
  subscription: string;
  blocks: number;
}

// Seconds, from a tenth of a block on a 1 s chain to a stuck transaction.
const CHAIN_BUCKETS = [0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5, 8, 13, 21, 34, 60, 120];
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * The Prometheus metrics of one service, in a registry of its own (two services in one process, as in
 * the tests, never share or clash). Names carry the `ledgerlink_` prefix.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly httpRequestSeconds: Histogram<"method" | "route" | "status">;
  /** Seconds from a transaction's first broadcast to its receipt. */
  readonly submitToMinedSeconds: Histogram<never>;
  readonly txQueueDepth: Gauge<never>;
  readonly txInFlight: Gauge<never>;
  readonly txNonceGap: Gauge<"signer">;
  readonly errors: Counter<"code">;

  private listener: ListenerMetricsSource | undefined;

  constructor(service: string, options: { defaultMetrics?: boolean } = {}) {
    this.registry.setDefaultLabels({ service });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: "ledgerlink_" });
    this.httpRequestSeconds = new Histogram({
      name: "ledgerlink_http_request_seconds",
      help: "HTTP request duration by route and status",
      labelNames: ["method", "route", "status"],
      buckets: HTTP_BUCKETS,
      registers: [this.registry],
    });
    this.submitToMinedSeconds = new Histogram({
      name: "ledgerlink_tx_submit_to_mined_seconds",
      help: "Seconds from broadcasting a transaction to seeing it mined",
      buckets: CHAIN_BUCKETS,
      registers: [this.registry],
    });
    this.errors = new Counter({
      name: "ledgerlink_http_errors_total",
      help: "Error responses by machine-readable code",
      labelNames: ["code"],
      registers: [this.registry],
    });
    this.txQueueDepth = new Gauge({
      name: "ledgerlink_tx_queue_depth",
      help: "Transaction requests waiting for a nonce",
      registers: [this.registry],
    });
    this.txInFlight = new Gauge({
      name: "ledgerlink_tx_in_flight",
      help: "Transactions with a nonce whose outcome is not final",
      registers: [this.registry],
    });
    this.txNonceGap = new Gauge({
      name: "ledgerlink_tx_nonce_gap",
      help: "Next nonce in the store minus the chain's pending nonce, per signer",
      labelNames: ["signer"],
      registers: [this.registry],
    });
    // `collect` runs with the gauge as `this`; this reads the listener bound later.
    const listener = () => this.listener;
    new Gauge({
      name: "ledgerlink_listener_lag_blocks",
      help: "Blocks between the chain head and each subscription's checkpoint",
      labelNames: ["subscription"],
      registers: [this.registry],
      async collect() {
        const source = listener();
        if (source === undefined) return;
        this.reset();
        for (const { subscription, blocks } of await source.lags()) this.set({ subscription }, blocks);
      },
    });
  }

  /** The hooks to hand the transaction manager (`TxManager.open({ metrics })`): it pushes, we record. */
  transactionHooks(): TxMetrics {
    return {
      queueDepth: (count) => this.txQueueDepth.set(count),
      inFlight: (count) => this.txInFlight.set(count),
      nonceGap: (signer, gap) => this.txNonceGap.set({ signer }, gap),
      submitToMined: (ms) => this.submitToMinedSeconds.observe(ms / 1000),
    };
  }

  bindListener(source: ListenerMetricsSource): void {
    this.listener = source;
  }

  /**
   * An end-to-end latency histogram for a service's own flow (say, remittance requested → paid out),
   * in seconds. Call once per name at startup.
   */
  latency(name: string, help: string, buckets: readonly number[] = CHAIN_BUCKETS): Histogram<never> {
    return new Histogram({
      name: `ledgerlink_${name}_seconds`,
      help,
      buckets: [...buckets],
      registers: [this.registry],
    });
  }
}
