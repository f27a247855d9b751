/**
 * Tenant and member roles: bit flags, as `contracts/tenants/TenantRoles.sol` defines them. This file is
 * the one table of roles off chain; names are what operators type and read.
 */
import { id } from "ethers";

import { InvalidArgumentError } from "./errors.js";

export const Roles = {
  merchant: 1 << 0,
  "payment-operator": 1 << 1,
  "liquidity-provider": 1 << 2,
  arbiter: 1 << 3,
  sponsor: 1 << 4,
  /** Member-only: may move the tenant's ledger money out (withdrawals). */
  treasury: 1 << 14,
  /** Member-only: may manage the tenant's members. */
  admin: 1 << 15,
} as const;

export type RoleName = keyof typeof Roles;

/** Bits only a member can hold, never a tenant. */
export const MEMBER_ONLY_ROLE_NAMES: readonly RoleName[] = ["treasury", "admin"];

/** Roles a tenant itself can hold (`treasury` and `admin` are a member's only). */
export const TENANT_ROLE_NAMES = (Object.keys(Roles) as RoleName[]).filter((r) => !MEMBER_ONLY_ROLE_NAMES.includes(r));

/** Access-control roles of the contracts (OpenZeppelin `AccessControl`), by their hash. */
export const AccessRoles = {
  DEFAULT_ADMIN_ROLE: "0x" + "00".repeat(32),
  OPERATOR_ROLE: id("OPERATOR_ROLE"),
  FEE_MANAGER_ROLE: id("FEE_MANAGER_ROLE"),
  ISSUER_ROLE: id("ISSUER_ROLE"),
  PAUSER_ROLE: id("PAUSER_ROLE"),
} as const;

/** Parses "merchant,sponsor" into role bits. `allowAdmin` admits the member-only `treasury` and `admin` bits. */
export function parseRoles(argument: string, value: string, allowAdmin: boolean): number {
  if (value.trim() === "") throw new InvalidArgumentError(argument, `--${argument} needs at least one role`);
  let bits = 0;
  for (const raw of value.split(",")) {
    const name = raw.trim().toLowerCase();
    if (!Object.hasOwn(Roles, name) || (MEMBER_ONLY_ROLE_NAMES.includes(name as RoleName) && !allowAdmin)) {
      const known = allowAdmin ? Object.keys(Roles) : TENANT_ROLE_NAMES;
      throw new InvalidArgumentError(
        argument,
        `--${argument}: unknown role "${raw.trim()}" (known: ${known.join(", ")})`,
      );
    }
    bits |= Roles[name as RoleName];
  }
  return bits;
}

/** Role bits as "merchant,sponsor"; unknown bits shown as hex so nothing is hidden. */
export function formatRoles(bits: bigint | number): string {
  const n = Number(bits);
  const names: string[] = (Object.keys(Roles) as RoleName[]).filter((name) => (n & Roles[name]) !== 0);
  const known = Object.values(Roles).reduce((a, b) => a | b, 0);
  if ((n & ~known) !== 0) names.push(`0x${(n & ~known).toString(16)}`);
  return names.length === 0 ? "(none)" : names.join(",");
}

/** The name of an access-control role hash, or the hash itself when it is not one of the platform's. */
export function formatAccessRole(hash: string): string {
  const lower = hash.toLowerCase();
  const found = Object.entries(AccessRoles).find(([, h]) => h === lower);
  return found === undefined ? hash : found[0];
}
