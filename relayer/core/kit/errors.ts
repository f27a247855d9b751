/**
 * The kit's typed errors. Each carries a stable machine-readable `code` and the HTTP status it maps to,
 * so the HTTP layer renders `{ error: { code, message, details? } }` without knowing the subclasses.
 */
export interface ServiceErrorOptions {
  details?: unknown;
  cause?: unknown;
}

export class ServiceError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: unknown;

  constructor(status: number, code: string, message: string, options: ServiceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.details = options.details;
  }
}

/** One field that failed validation: `path` is where it sits in the request part (`body`, `query`, ...). */
export interface FieldIssue {
  in: string;
  path: string;
  message: string;
}

export class InvalidRequestError extends ServiceError {
  constructor(message: string, issues: readonly FieldIssue[] = []) {
    super(400, "invalid_request", message, { details: { issues } });
  }
}

export class MalformedJsonError extends ServiceError {
  constructor(message = "request body is not valid JSON") {
    super(400, "malformed_json", message);
  }
}

export class UnsupportedMediaTypeError extends ServiceError {
  constructor(contentType: string) {
    super(415, "unsupported_media_type", `content type ${contentType} is not accepted; send application/json`);
  }
}

export class BodyTooLargeError extends ServiceError {
  constructor(limitBytes: number) {
    super(413, "body_too_large", `request body exceeds ${limitBytes} bytes`, { details: { limitBytes } });
  }
}

export class UnauthorizedError extends ServiceError {
  constructor(message = "missing or invalid API key") {
    super(401, "unauthorized", message);
  }
}

export class ForbiddenError extends ServiceError {
  constructor(message = "this resource belongs to another tenant") {
    super(403, "forbidden", message);
  }
}

export class NotFoundError extends ServiceError {
  constructor(message = "not found") {
    super(404, "not_found", message);
  }
}

/** The same Idempotency-Key is still being processed for an earlier request. */
export class IdempotencyInFlightError extends ServiceError {
  constructor(key: string) {
    super(409, "idempotency_in_flight", `a request with Idempotency-Key "${key}" is still in flight; retry later`);
  }
}

/** The same Idempotency-Key was used before with a different request. */
export class IdempotencyMismatchError extends ServiceError {
  constructor(key: string) {
    super(422, "idempotency_key_reused", `Idempotency-Key "${key}" was already used with a different request`);
  }
}

export class RateLimitedError extends ServiceError {
  constructor(retryAfterMs: number) {
    super(429, "rate_limited", `too many requests; retry in ${Math.ceil(retryAfterMs / 1000)} s`, {
      details: { retryAfterMs },
    });
  }
}

/** The service is shutting down or not ready: the caller should retry elsewhere or later. */
export class UnavailableError extends ServiceError {
  constructor(message = "service unavailable") {
    super(503, "unavailable", message);
  }
}

/** Anything unexpected: the message shown to callers never carries internal detail. */
export class InternalError extends ServiceError {
  constructor(cause?: unknown) {
    super(500, "internal", "internal error", { cause });
  }
}

/** Startup failures: a bad config file, a keystore that does not open. Never reach a caller over HTTP. */
export class ConfigError extends Error {
  readonly code = "config_invalid";
  constructor(
    message: string,
    readonly issues: readonly string[] = [],
  ) {
    super(issues.length === 0 ? message : `${message}:\n  ${issues.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

export class KeystoreError extends Error {
  readonly code = "keystore_invalid";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "KeystoreError";
  }
}
