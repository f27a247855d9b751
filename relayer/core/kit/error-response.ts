import type { FastifyError } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";

import { StoreConflictError } from "../store/errors.js";
import {
  BodyTooLargeError,
  InternalError,
  InvalidRequestError,
  MalformedJsonError,
  ServiceError,
  UnsupportedMediaTypeError,
  type FieldIssue,
} from "./errors.js";

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export function errorBody(error: ServiceError): ErrorBody {
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  if (error.details !== undefined) body.error.details = error.details;
  return body;
}

/** Every failure a request can meet, as one of the kit's typed errors. */
export function toServiceError(error: unknown, bodyLimit: number): ServiceError {
  if (error instanceof ServiceError) return error;
  if (error instanceof StoreConflictError) {
    // Rolled back entirely: the same request sent again is safe, and will likely find less contention.
    return new ServiceError(
      503,
      "store_conflict",
      "too many concurrent writes; nothing was stored: retry the request",
      {
        cause: error,
      },
    );
  }
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
