import { randomUUID } from "node:crypto";

import fastifyRateLimit from "@fastify/rate-limit";
import fastifySwagger from "@fastify/swagger";
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";

import type { Store } from "../store/store.js";
import { authenticateApiKey, type Principal } from "./api-keys.js";
import {
  BodyTooLargeError,
  ForbiddenError,
  InternalError,
  InvalidRequestError,
  MalformedJsonError,
  NotFoundError,
  RateLimitedError,
  ServiceError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  type FieldIssue,
} from "./errors.js";
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

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
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
    if (request.routeOptions.config.auth === false || request.is404) return;
    const header = request.headers.authorization;
    const presented = header?.startsWith("Bearer ") ? header.slice("Bearer ".length).trim() : undefined;
    if (presented === undefined || presented === "") throw new UnauthorizedError("missing API key");
    const principal = await authenticateApiKey(options.store, presented);
    if (principal === undefined) throw new UnauthorizedError("invalid or revoked API key");
    request.principal = principal;
    request.log = request.log.child({ tenant: principal.tenant });
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

export function errorBody(error: ServiceError): ErrorBody {
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  if (error.details !== undefined) body.error.details = error.details;
  return body;
}

/** Every failure a request can meet, as one of the kit's typed errors. */
export function toServiceError(error: unknown, bodyLimit: number): ServiceError {
  if (error instanceof ServiceError) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = (error as FastifyError).validationContext ?? "body";
    const issues: FieldIssue[] = error.validation.map((v) => ({
      in: where,
      path: v.instancePath,
      message: v.message ?? "invalid",
    }));
    return new InvalidRequestError(
      `invalid ${where}: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`,
      issues,
    );
  }
  const code = (error as FastifyError | undefined)?.code;
  switch (code) {
    case "FST_ERR_CTP_INVALID_JSON_BODY":
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new MalformedJsonError();
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new BodyTooLargeError(bodyLimit);
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new UnsupportedMediaTypeError(String((error as FastifyError).message.split(": ").pop()));
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return new InvalidRequestError("content-length does not match the body");
  }
  const status = (error as FastifyError | undefined)?.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return new ServiceError(status, "bad_request", (error as Error).message);
  }
  return new InternalError(error);
}

/** The principal of an authenticated request; for routes that must have one. */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === undefined) throw new UnauthorizedError();
  return request.principal;
}

/** Refuses access to a resource owned by another tenant (403), after a lookup that found it. */
export function assertOwner(request: FastifyRequest, ownerTenant: string): void {
  if (principalOf(request).tenant !== ownerTenant) throw new ForbiddenError();
}

export type { FastifyReply, FastifyRequest };
