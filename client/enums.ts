/**
 * The contracts' enums, one table each, in declaration order (the index is the on-chain value). Client,
 * tasks, tests and scripts import these instead of writing magic numbers.
 */

/** `ITenantRegistryErrors.TenantStatus` (`Frozen` is last so the earlier values keep their numbers). */
export const TenantStatus = ["None", "Pending", "Active", "Suspended", "Offboarded", "Frozen"] as const;
export type TenantStatusName = (typeof TenantStatus)[number];

/** `ITokenEscrow.DealStatus`. */
export const DealStatus = ["None", "Funded", "Disputed", "Released", "Refunded", "Resolved"] as const;
export type DealStatusName = (typeof DealStatus)[number];

/** `IRemittanceSettlement.RemittanceStatus`. */
export const RemittanceStatus = ["None", "Initiated", "PaidOut", "Rejected", "Expired"] as const;
export type RemittanceStatusName = (typeof RemittanceStatus)[number];

/** `ITokenEscrow.HashFunction`. */
export const HashFunction = ["keccak256", "sha256"] as const;
export type HashFunctionName = (typeof HashFunction)[number];

/** `IRemittanceSettlement.Funding`. */
export const Funding = ["Ledger", "Pull"] as const;
export type FundingName = (typeof Funding)[number];

/** The on-chain value of an enum member, e.g. `valueOf(TenantStatus, "Active") === 2n`. */
export function valueOf<T extends readonly string[]>(table: T, name: T[number]): bigint {
  const index = table.indexOf(name);
  if (index < 0) throw new Error(`"${name}" is not in the table`);
  return BigInt(index);
}

/** The name of an on-chain enum value; `Unknown(n)` for a value the table does not know. */
export function nameOf<T extends readonly string[]>(
  table: T,
  value: bigint | number,
): T[number] | `Unknown(${string})` {
  return table[Number(value)] ?? `Unknown(${value})`;
}

export const FINAL_DEAL_STATUSES: readonly DealStatusName[] = ["Released", "Refunded", "Resolved"];
export const FINAL_REMITTANCE_STATUSES: readonly RemittanceStatusName[] = ["PaidOut", "Rejected", "Expired"];

/** An enum table as an object of on-chain values, e.g. `enumValues(TenantStatus).Suspended === 3n`. */
export function enumValues<T extends readonly string[]>(table: T): { readonly [K in T[number]]: bigint } {
  return Object.fromEntries(table.map((name, i) => [name, BigInt(i)])) as { [K in T[number]]: bigint };
}
