import { ServiceError } from "../core/kit/errors.js";

/**
 * Refusals of the meta-transaction relayer: each a stable code; every one is raised before anything is
 * reserved or submitted, so a refused request leaves no trace but a log line.
 */
export class ForwardRefusedError extends ServiceError {}

export const refuse = {
  replayed: (id: string, status: string) =>
    new ForwardRefusedError(409, "forward_replayed", `request ${id} was already received (${status})`, {
      details: { id, status },
    }),
  valueNotSupported: () =>
    new ForwardRefusedError(422, "value_not_supported", "the relayer forwards no native value: value must be 0"),
  targetNotAllowed: (target: string) =>
    new ForwardRefusedError(403, "target_not_allowed", `target ${target} is not on the relayer's allow list`),
  functionNotAllowed: (target: string, selector: string) =>
    new ForwardRefusedError(
      403,
      "function_not_allowed",
      `function ${selector} of ${target} is not on the relayer's allow list`,
      { details: { target, selector } },
    ),
  gasTooHigh: (gas: bigint, max: number) =>
    new ForwardRefusedError(422, "gas_too_high", `request gas ${gas} exceeds the relayer's maximum ${max}`),
  expired: (deadline: bigint, now: bigint) =>
    new ForwardRefusedError(
      422,
      "request_expired",
      `the request's deadline ${deadline} is past or too close (chain time ${now})`,
    ),
  invalidSignature: () =>
    new ForwardRefusedError(
      422,
      "invalid_signature",
      "the signature does not match the request, its signer or the signer's next forwarder nonce",
    ),
  notMember: (account: string) =>
    new ForwardRefusedError(403, "not_member", `${account} is not a member of any tenant`),
  tenantNotActive: (tenant: string, status: string) =>
    new ForwardRefusedError(403, "tenant_not_active", `the signer's tenant ${tenant} is ${status}`, {
      details: { tenant, status },
    }),
  inFlight: (limit: number) =>
    new ForwardRefusedError(
      429,
      "member_in_flight_limit",
      `the signer already has ${limit} request(s) in flight; wait for the outcome`,
    ),
  memberRateLimited: (retryAfterMs: number) =>
    new ForwardRefusedError(429, "member_rate_limited", "too many requests from this member; retry later", {
      details: { retryAfterMs },
    }),
  wouldRevert: (revert: { name: string; text: string; data: string } | undefined, data: string) =>
    new ForwardRefusedError(
      422,
      "would_revert",
      `the target would reject the call: ${revert?.text ?? (data === "0x" ? "no reason given" : data)}`,
      { details: { revert: revert ?? { name: "unknown", text: "unknown", data } } },
    ),
  budgetExhausted: (tenant: string, needed: bigint, available: bigint) =>
    new ForwardRefusedError(
      402,
      "budget_exhausted",
      `tenant ${tenant}'s gas budget has ${available} wei available; this request reserves ${needed}`,
      { details: { tenant, needed: needed.toString(), available: available.toString() } },
    ),
};

export class BudgetError extends ServiceError {}

export const budgetErrors = {
  belowUsed: (tenant: string, used: bigint) =>
    new BudgetError(409, "budget_below_used", `tenant ${tenant} has already used or reserved ${used} wei`),
  notSponsor: (tenant: string) =>
    new BudgetError(403, "not_sponsor", `the caller is not the active sponsor of tenant ${tenant}`),
  adminDisabled: () => new BudgetError(403, "admin_disabled", "no admin key is configured: budgets cannot be set"),
  adminKey: () => new BudgetError(401, "admin_key_invalid", "missing or invalid x-admin-key"),
  notFound: (id: string) => new BudgetError(404, "forward_not_found", `no forwarded request ${id}`),
};
