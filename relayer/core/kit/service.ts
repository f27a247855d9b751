import { z } from "zod";

import type { Store } from "../store/store.js";
import { API_KEYS_COMPONENT, apiKeyMigrations } from "./api-keys.js";
import { createHttpApp, type HttpApp } from "./http.js";
import { IDEMPOTENCY_COMPONENT, Idempotency, idempotencyMigrations } from "./idempotency.js";
import type { Logger } from "./logger.js";
import { ServiceMetrics } from "./metrics.js";
import { storeCheck, type CheckResult, type ReadyCheck } from "./readiness.js";

/** Background work a service runs beside its HTTP API (a listener, a transaction manager loop). */
export interface Worker {
  name: string;
  /** Finishes the current step and persists what is not done; resolves when nothing runs any more. */
  stop(): Promise<void>;
}

export interface ServiceOptions {
  name: string;
  version?: string;
  logger: Logger;
  store: Store;
  metrics?: ServiceMetrics;
  http?: { bodyLimit?: number; rateLimit?: { max: number; windowMs: number } };
  /** Readiness conditions besides the store (which is always checked): node, listener lag, ... */
  readiness?: Record<string, ReadyCheck>;
  /** Registers the service's own routes. */
  routes(app: HttpApp, kit: ServiceKit): void | Promise<void>;
  /** Stopped in reverse order after HTTP stops taking requests, before the store closes. */
  workers?: readonly Worker[];
  /** How long in-flight requests may take to finish once shutdown starts (default 10 s). */
  shutdownGraceMs?: number;
}

/** What routes get besides the app. */
export interface ServiceKit {
  store: Store;
  logger: Logger;
  metrics: ServiceMetrics;
  idempotency: Idempotency;
  /** Aborted when shutdown starts: long handlers and workers finish their step, persist and return. */
  shutdownSignal: AbortSignal;
}

export interface Service extends ServiceKit {
  app: HttpApp;
  /** Listens on host:port (port 0: a free one); resolves to the base URL. */
  listen(options: { host: string; port: number }): Promise<string>;
  /** Graceful stop: no new requests, in-flight ones finish, workers stop, the store closes. Idempotent. */
  stop(reason?: string): Promise<void>;
  /** SIGTERM/SIGINT → `stop` then exit 0 (1 on failure); a second signal exits at once. Returns an uninstaller. */
  handleSignals(exit?: (code: number) => void): () => void;
}

const readyBody = z.object({
  ready: z.boolean(),
  checks: z.record(z.string(), z.object({ ok: z.boolean(), detail: z.string().optional() })),
});

/**
 * Wires a service: kit tables, HTTP layer, `/health`, `/ready`, `/metrics`, `/openapi.json`, the
 * service's routes and graceful shutdown. A service is its config, its routes and its workers.
 */
export async function createService(options: ServiceOptions): Promise<Service> {
  const { logger, store } = options;
  const graceMs = options.shutdownGraceMs ?? 10_000;
  const metrics = options.metrics ?? new ServiceMetrics(options.name);
  await store.migrate(API_KEYS_COMPONENT, apiKeyMigrations);
  await store.migrate(IDEMPOTENCY_COMPONENT, idempotencyMigrations);
  const idempotency = new Idempotency(store);
  const app = await createHttpApp({
    service: options.name,
    version: options.version ?? "0.0.0",
    logger,
    store,
    metrics,
    bodyLimit: options.http?.bodyLimit,
    rateLimit: options.http?.rateLimit,
  });

  let stopping: Promise<void> | undefined;
  const shutdown = new AbortController();
  const checks: Record<string, ReadyCheck> = { store: storeCheck(store), ...options.readiness };
  const publicRoute = { auth: false, rateLimit: false } as const;

  app.get(
    "/health",
    { config: publicRoute, schema: { security: [], response: { 200: z.object({ status: z.literal("ok") }) } } },
    async () => ({ status: "ok" as const }),
  );
  app.get(
    "/ready",
    { config: publicRoute, schema: { security: [], response: { 200: readyBody, 503: readyBody } } },
    async (_request, reply) => {
      const results: Record<string, CheckResult> = {};
      if (stopping !== undefined) results.shutdown = { ok: false, detail: "shutting down" };
      await Promise.all(
        Object.entries(checks).map(async ([name, check]) => {
          results[name] = await check();
        }),
      );
      const ready = Object.values(results).every((r) => r.ok);
      return reply.status(ready ? 200 : 503).send({ ready, checks: results });
    },
  );
  app.get("/metrics", { config: publicRoute, schema: { hide: true } }, async (_request, reply) => {
    reply.header("content-type", metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  // A keep-alive connection that finished its last request during shutdown would hold `close` open
  // until its idle timeout: answers sent while stopping close their connection.
  app.addHook("onSend", async (_request, reply) => {
    if (stopping !== undefined) reply.header("connection", "close");
  });

  const kit: ServiceKit = { store, logger, metrics, idempotency, shutdownSignal: shutdown.signal };
  await options.routes(app, kit);
  await app.ready();

  const stop = (reason = "stop requested"): Promise<void> => {
    stopping ??= (async () => {
      logger.info({ reason }, "shutting down: no new requests, in-flight requests finish");
      shutdown.abort();
      const force = setTimeout(() => {
        logger.warn({ graceMs }, "requests still open after the grace period: closing their connections");
        app.server.closeAllConnections();
      }, graceMs);
      try {
        await app.close();
      } finally {
        clearTimeout(force);
      }
      for (const worker of [...(options.workers ?? [])].reverse()) {
        logger.info({ worker: worker.name }, "stopping worker");
        await worker.stop();
      }
      await store.close();
      logger.info("stopped");
    })();
    return stopping;
  };

  return {
    ...kit,
    app,
    async listen({ host, port }) {
      const address = await app.listen({ host, port });
      logger.info({ address }, "listening");
      return address;
    },
    stop,
    handleSignals(exit = (code) => process.exit(code)) {
      const onSignal = (signal: NodeJS.Signals) => {
        if (stopping !== undefined) {
          logger.warn({ signal }, "second signal: exiting without waiting");
          exit(1);
          return;
        }
        stop(signal).then(
          // pino writes asynchronously: flush so the last lines are not lost on exit.
          () => logger.flush(() => exit(0)),
          (error: unknown) => {
            logger.error({ err: error }, "shutdown failed");
            exit(1);
          },
        );
      };
      process.on("SIGTERM", onSignal);
      process.on("SIGINT", onSignal);
      return () => {
        process.off("SIGTERM", onSignal);
        process.off("SIGINT", onSignal);
      };
    },
  };
}
