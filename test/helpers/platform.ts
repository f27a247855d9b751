import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { encodeBytes32String, keccak256, toUtf8Bytes } from "ethers";

import { Roles } from "../../client/roles.js";
import { deployCoreContracts, onboardTenant, OPERATOR_ROLE } from "../../fixtures/contracts.js";
import type { PlatformForwarder, SettlementToken, TenantRegistry } from "../../typechain-types/index.js";

export { Roles };

/** `TenantStatus` enum values. */
export const Status = { None: 0n, Pending: 1n, Active: 2n, Suspended: 3n, Offboarded: 4n, Frozen: 5n } as const;

export { OPERATOR_ROLE };
export const ZERO_ID = "0x" + "00".repeat(32);

export const tenantId = (label: string) => encodeBytes32String(label);
export const kyb = (doc: string) => keccak256(toUtf8Bytes(doc));
export const jurisdiction = (code: string) => "0x" + Buffer.from(code, "ascii").toString("hex");

/** The platform's shared contracts, as every business contract's tests start from them. */
export interface CorePlatform {
  forwarder: PlatformForwarder;
  registry: TenantRegistry;
  hkd: SettlementToken;
  php: SettlementToken;
  admin: HardhatEthersSigner;
  operator: HardhatEthersSigner;
  issuer: HardhatEthersSigner;
}

/** Deploys forwarder, registry (operator role granted), and the tHKD and tPHP settlement tokens. */
export async function deployCore(ethers: HardhatEthers): Promise<CorePlatform> {
  const [admin, operator, issuer] = await ethers.getSigners();
  if (admin === undefined || operator === undefined || issuer === undefined) throw new Error("need 3 accounts");
  const contracts = await deployCoreContracts({ admin, operator, issuer });
  return { ...contracts, admin, operator, issuer };
}

export interface TenantSpec {
  label: string;
  roles: number;
  admin: HardhatEthersSigner;
  country?: string;
  sponsor?: string;
  name?: string;
}

/**
 * Makes `account` a member of `tenantId` the only way there is: `by` (an admin of the tenant, or the
 * operator) invites it, and the account accepts.
 */
export async function join(
  registry: TenantRegistry,
  by: HardhatEthersSigner,
  tenant: string,
  account: HardhatEthersSigner,
  roles: number,
): Promise<void> {
  await (await registry.connect(by).inviteMember(tenant, account.address, roles)).wait();
  await (await registry.connect(account).acceptMembership(tenant)).wait();
}

/** Onboards and approves a tenant whose first admin member holds all its roles. Returns its id. */
export async function onboardActive(
  registry: TenantRegistry,
  operator: HardhatEthersSigner,
  spec: TenantSpec,
): Promise<string> {
  return onboardTenant(registry, operator, {
    tenantId: tenantId(spec.label),
    name: spec.name ?? spec.label,
    roles: spec.roles,
    jurisdiction: jurisdiction(spec.country ?? "HK"),
    kybHash: kyb(`kyb:${spec.label}`),
    sponsor: spec.sponsor ?? ZERO_ID,
    admin: spec.admin,
  });
}
