import { decodeBytes32String } from "ethers";

import { TaskUserError } from "./errors.js";

/** Role bits, as `contracts/tenants/TenantRoles.sol` defines them. */
export const Roles = {
  merchant: 1 << 0,
  "payment-operator": 1 << 1,
  "liquidity-provider": 1 << 2,
  arbiter: 1 << 3,
  sponsor: 1 << 4,
  treasury: 1 << 14,
  admin: 1 << 15,
} as const;

export type RoleName = keyof typeof Roles;

/** Tenant statuses, in the order of the `TenantStatus` enum. */
export const TenantStatus = ["None", "Pending", "Active", "Suspended", "Offboarded", "Frozen"] as const;

/** Parses "merchant,sponsor" into role bits. `allowAdmin` admits the member-only `admin` and `treasury` bits. */
export function parseRoles(option: string, value: string, allowAdmin: boolean): number {
  if (value.trim() === "") throw new TaskUserError(`--${option} needs at least one role`);
  let bits = 0;
  for (const raw of value.split(",")) {
    const name = raw.trim().toLowerCase();
    const memberOnly = name === "admin" || name === "treasury";
    if (!(name in Roles) || (memberOnly && !allowAdmin)) {
      const known = Object.keys(Roles).filter((r) => allowAdmin || (r !== "admin" && r !== "treasury"));
      throw new TaskUserError(`--${option}: unknown role "${raw.trim()}" (known: ${known.join(", ")})`);
    }
    bits |= Roles[name as RoleName];
  }
  return bits;
}

/** Formats role bits as "merchant,sponsor". */
export function formatRoles(bits: bigint | number): string {
  const n = Number(bits);
  const names = (Object.keys(Roles) as RoleName[]).filter((name) => (n & Roles[name]) !== 0);
  return names.length === 0 ? "(none)" : names.join(",");
}

export function formatStatus(status: bigint | number): string {
  return TenantStatus[Number(status)] ?? `Unknown(${status})`;
}

/** Shows a bytes32 tenant id as its label when it is one, else as hex. */
export function formatId(id: string): string {
  try {
    const label = decodeBytes32String(id);
    return /^[\x20-\x7e]+$/.test(label) ? label : id;
  } catch {
    return id;
  }
}

/** Parses an ISO 3166-1 alpha-2 code ("HK", "PH") into bytes2 hex. */
export function parseJurisdiction(option: string, value: string): string {
  if (!/^[A-Za-z]{2}$/.test(value))
    throw new TaskUserError(`--${option} "${value}" is not an ISO 3166-1 alpha-2 code like HK or PH`);
  const upper = value.toUpperCase();
  return "0x" + Buffer.from(upper, "ascii").toString("hex");
}

export function formatJurisdiction(hex: string): string {
  return Buffer.from(hex.slice(2), "hex").toString("ascii");
}
