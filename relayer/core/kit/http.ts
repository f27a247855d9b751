import { randomUUID } from "node:crypto";

import fastifyRateLimit from "@fastify/rate-limit";
import fastifySwagger from "@fastify/swagger";
import Fastify, { type FastifyInstance } from "fastify";
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";

import type { Store } from "../store/store.js";
import type { Principal } from "./api-keys.js";
import { authenticate } from "./auth.js";
import { errorBody, toServiceError } from "./error-response.js";
import { NotFoundError, RateLimitedError } from "./errors.js";
import type { Logger } from "./logger.js";
import type { ServiceMetrics } from "./metrics.js";

declare module "fastify" {
  interface FastifyRequest {
    /** Set on every authenticated route before validation; routes with `config.auth: false` have none. */
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** False for public routes (health, metrics, documents); every other route needs an API key. */
    auth?: boolean;
  }
}

export type HttpApp = FastifyInstance<
  import("node:http").Server,
  import("node:http").IncomingMessage,
  import("node:http").ServerResponse,
  Logger,
  ZodTypeProvider
>;

export interface HttpOptions {
  service: string;
  version: string;
  logger: Logger;
  store: Store;
  metrics: ServiceMetrics;
  /** Largest accepted request body in bytes (default 64 KiB). */
  bodyLimit?: number;
  /** Requests per window per API key (per IP before authentication). */
  rateLimit?: { max: number; windowMs: number };
}

// A caller's request id is kept when it is short and plain, so it can be followed across services.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * The HTTP layer every service stands on: zod schemas for validation and the OpenAPI document, API-key
 * authentication, body and rate limits, request ids on every log line and typed errors rendered as
 * `{ error: { code, message, details? } }`.
 */
export async function createHttpApp(options: HttpOptions): Promise<HttpApp> {
  const bodyLimit = options.bodyLimit ?? 64 * 1024;
  const app = Fastify({
    loggerInstance: options.logger,
    bodyLimit,
    genReqId(req) {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
    },
    return503OnClosing: true,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: options.service, version: options.version },
      components: {
        securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "a tenant API key (llk_...)" } },
      },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });

  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
    await authenticate(request, options.store);
  });

  await app.register(fastifyRateLimit, {
    global: true,
    max: options.rateLimit?.max ?? 600,
    timeWindow: options.rateLimit?.windowMs ?? 60_000,
    // After authentication, so one tenant's traffic never spends another's budget.
    hook: "preHandler",
    keyGenerator: (request) => request.principal?.keyId ?? request.ip,
    errorResponseBuilder: (_request, context) => new RateLimitedError(context.ttl),
  });

  app.addHook("onResponse", async (request, reply) => {
    options.metrics.httpRequestSeconds.observe(
      { method: request.method, route: request.routeOptions.url ?? "unknown", status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  app.setNotFoundHandler((request) => {
    throw new NotFoundError(`no route ${request.method} ${request.url.split("?")[0]}`);
  });

  app.setErrorHandler((error, request, reply) => {
    const mapped = toServiceError(error, bodyLimit);
    if (mapped.status >= 500) request.log.error({ err: error }, "request failed");
    else request.log.info({ code: mapped.code }, mapped.message);
    options.metrics.errors.inc({ code: mapped.code });
    if (mapped instanceof RateLimitedError) {
      reply.header("retry-after", Math.ceil((mapped.details as { retryAfterMs: number }).retryAfterMs / 1000));
    }
    return reply.status(mapped.status).send(errorBody(mapped));
  });

  app.get("/openapi.json", { config: { auth: false, rateLimit: false }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
  return app;
}
