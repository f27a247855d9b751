import type { FastifyRequest } from "fastify";

import type { Store } from "../store/store.js";
import { authenticateApiKey, type Principal } from "./api-keys.js";
import { ForbiddenError, UnauthorizedError } from "./errors.js";

/**
 * Verifies the request's `Authorization: Bearer <API key>` and sets `request.principal`; public routes
 * (`config.auth: false`) and unknown routes pass. Runs before the body is read, so an unauthenticated
 * caller learns nothing about validation.
 */
export async function authenticate(request: FastifyRequest, store: Store): Promise<void> {
  if (request.routeOptions.config.auth === false || request.is404) return;
  const header = request.headers.authorization;
  const presented = header?.startsWith("Bearer ") ? header.slice("Bearer ".length).trim() : undefined;
  if (presented === undefined || presented === "") throw new UnauthorizedError("missing API key");
  const principal = await authenticateApiKey(store, presented);
  if (principal === undefined) throw new UnauthorizedError("invalid or revoked API key");
  request.principal = principal;
  request.log = request.log.child({ tenant: principal.tenant });
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
