import { createHash, timingSafeEqual } from "node:crypto";

import type { FastifyRequest } from "fastify";
import { z } from "zod";

import { Roles } from "../../client/roles.js";
import { principalOf } from "../core/kit/auth.js";
import type { HttpApp } from "../core/kit/http.js";
import type { ServiceKit } from "../core/kit/service.js";
import { budgetJson, getBudget, setGrant, topUp } from "./budgets.js";
import type { ChainReads } from "./chain-reads.js";
import { budgetErrors } from "./errors.js";
import type { Forwarding } from "./forwarding.js";

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/);
const uint = z.string().regex(/^(0|[1-9]\d{0,77})$/, "a non-negative integer as a decimal string");
const hexBytes = z.string().regex(/^0x([0-9a-fA-F]{2})*$/, "0x-prefixed hex of whole bytes");
const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "a 0x-prefixed bytes32 tenant id");

const forwardBody = z.object({
  request: z.strictObject({
    from: address,
    to: address,
    value: uint,
    gas: uint,
    deadline: uint,
    data: hexBytes,
    signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/, "a 65-byte signature"),
  }),
});
const revert = z.object({ name: z.string(), text: z.string(), data: z.string() });
const forwardStatus = z.object({
  id: z.string(),
  tenant: z.string(),
  signer: z.string(),
  target: z.string(),
  selector: z.string(),
  status: z.enum(["pending", "confirmed", "reverted", "failed"]),
  gasLimit: z.string(),
  reserved: z.string(),
  charged: z.string().nullable(),
  gasUsed: z.string().nullable(),
  txHash: z.string().nullable(),
  blockNumber: z.number().nullable(),
  error: z.object({ code: z.string(), message: z.string(), revert: revert.optional() }).nullable(),
});
const budget = z.object({
  tenant: z.string(),
  granted: z.string(),
  sponsored: z.string(),
  funded: z.string(),
  reserved: z.string(),
  spent: z.string(),
  available: z.string(),
});
const amountBody = z.object({ amount: uint });
const tenantParams = z.object({ tenant: bytes32 });

const digest = (text: string) => createHash("sha256").update(text).digest();

/** The operator's routes take the admin key from the environment, never a tenant API key. */
function adminGuard(adminKey: string | undefined) {
  const expected = adminKey === undefined ? undefined : digest(adminKey);
  return async (request: FastifyRequest) => {
    if (expected === undefined) throw budgetErrors.adminDisabled();
    const presented = request.headers["x-admin-key"];
    if (typeof presented !== "string" || presented === "") throw budgetErrors.adminKey();
    if (!timingSafeEqual(digest(presented), expected)) throw budgetErrors.adminKey();
  };
}

export function metatxRoutes(options: { forwarding: Forwarding; reads: ChainReads; adminKey: string | undefined }) {
  const { forwarding, reads } = options;
  const admin = adminGuard(options.adminKey);
  // Public: the member's signature is the authentication; limits are per member inside `accept`.
  const signed = { auth: false } as const;
  return (app: HttpApp, kit: ServiceKit) => {
    app.post(
      "/forward",
      { config: signed, schema: { security: [], body: forwardBody, response: { 202: forwardStatus } } },
      async (request, reply) => reply.status(202).send(await forwarding.accept(request.body.request)),
    );
    app.get(
      "/forward/:id",
      {
        config: signed,
        schema: { security: [], params: z.object({ id: bytes32 }), response: { 200: forwardStatus } },
      },
      async (request) => forwarding.get(request.params.id.toLowerCase()),
    );
    app.put(
      "/budgets/:tenant",
      {
        config: { auth: false },
        preHandler: admin,
        schema: { security: [], params: tenantParams, body: amountBody, response: { 200: budget } },
      },
      async (request) =>
        budgetJson(
          await kit.store.tx((q) => setGrant(q, request.params.tenant.toLowerCase(), BigInt(request.body.amount))),
        ),
    );
    app.get(
      "/budgets/:tenant",
      {
        config: { auth: false },
        preHandler: admin,
        schema: { security: [], params: tenantParams, response: { 200: budget } },
      },
      async (request) => budgetJson(await kit.store.read((q) => getBudget(q, request.params.tenant.toLowerCase()))),
    );
    // A sponsor's API key is issued for its bytes32 tenant id; the registry decides who sponsors whom.
    app.post(
      "/budgets/:tenant/top-ups",
      { schema: { params: tenantParams, body: amountBody, response: { 200: budget } } },
      async (request) => {
        const tenant = request.params.tenant.toLowerCase();
        const sponsor = principalOf(request).tenant.toLowerCase();
        if (!/^0x[0-9a-f]{64}$/.test(sponsor) || !(await reads.isSponsorOf(sponsor, tenant, Roles.sponsor))) {
          throw budgetErrors.notSponsor(tenant);
        }
        return budgetJson(await kit.store.tx((q) => topUp(q, tenant, BigInt(request.body.amount), sponsor)));
      },
    );
  };
}
