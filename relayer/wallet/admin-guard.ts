import { createHash, timingSafeEqual } from "node:crypto";

import type { FastifyRequest } from "fastify";

import { AdminDisabledError, AdminKeyError } from "./errors.js";

export const ADMIN_KEY_HEADER = "x-admin-key";

const digest = (text: string) => createHash("sha256").update(text).digest();

/**
 * Admin routes (fault switch, settlement funding) take a separate key from the environment, not a tenant
 * API key: the operator relayer's key must not be able to switch faults on. Digests are compared so the
 * comparison takes the same time whatever the length of the presented key.
 */
export function adminGuard(adminKey: string | undefined): (request: FastifyRequest) => Promise<void> {
  const expected = adminKey === undefined ? undefined : digest(adminKey);
  return async (request) => {
    if (expected === undefined) throw new AdminDisabledError();
    const presented = request.headers[ADMIN_KEY_HEADER];
    if (typeof presented !== "string" || presented === "") throw new AdminKeyError();
    if (!timingSafeEqual(digest(presented), expected)) throw new AdminKeyError();
  };
}
