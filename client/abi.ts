/**
 * The platform's contract ABIs, from the generated typechain factories (never re-typed by hand), and one
 * table of every custom error any platform call can surface: a business contract's own, the registry's
 * raised inside a business call, the tokens' and OpenZeppelin's.
 */
import { ErrorFragment, type InterfaceAbi } from "ethers";

import {
  PlatformForwarder__factory,
  RemittanceSettlement__factory,
  SettlementToken__factory,
  TenantRegistry__factory,
  TokenEscrow__factory,
} from "../typechain-types/index.js";

/** Contract names of the platform, as in artifacts and typechain. */
export const PLATFORM_ABIS = {
  TenantRegistry: TenantRegistry__factory.abi,
  TokenEscrow: TokenEscrow__factory.abi,
  RemittanceSettlement: RemittanceSettlement__factory.abi,
  SettlementToken: SettlementToken__factory.abi,
  PlatformForwarder: PlatformForwarder__factory.abi,
} as const satisfies Record<string, InterfaceAbi>;

export type PlatformContractName = keyof typeof PLATFORM_ABIS;

/** One ABI error entry as solc writes it (with `internalType`, which tells enums from plain uint8). */
export interface AbiErrorEntry {
  type: "error";
  name: string;
  inputs: ReadonlyArray<{ name: string; type: string; internalType?: string }>;
}

/**
 * Contracts whose errors can surface through a call to each platform contract: the contract's own, the
 * registry it consults, the tokens it moves, the forwarder that relays to it.
 */
export const ERROR_SOURCES: Record<PlatformContractName, readonly PlatformContractName[]> = {
  TenantRegistry: ["TenantRegistry"],
  TokenEscrow: ["TokenEscrow", "TenantRegistry", "SettlementToken"],
  RemittanceSettlement: ["RemittanceSettlement", "TenantRegistry", "SettlementToken"],
  SettlementToken: ["SettlementToken"],
  PlatformForwarder: ["PlatformForwarder", "TokenEscrow", "RemittanceSettlement", "TenantRegistry", "SettlementToken"],
};

/** Every platform error by selector, each declared once whatever number of ABIs carry it. */
export const PLATFORM_ERRORS: ReadonlyMap<string, { entry: AbiErrorEntry; fragment: ErrorFragment }> = (() => {
  const bySelector = new Map<string, { entry: AbiErrorEntry; fragment: ErrorFragment }>();
  for (const abi of Object.values(PLATFORM_ABIS)) {
    for (const item of abi as ReadonlyArray<{ type: string }>) {
      if (item.type !== "error") continue;
      const entry = item as unknown as AbiErrorEntry;
      const fragment = ErrorFragment.from(entry);
      if (!bySelector.has(fragment.selector)) bySelector.set(fragment.selector, { entry, fragment });
    }
  }
  return bySelector;
})();

/** The custom errors of a contract and of everything a call to it can reach (for exported ABIs). */
export function errorsReachableFrom(name: PlatformContractName): AbiErrorEntry[] {
  const seen = new Set<string>();
  const out: AbiErrorEntry[] = [];
  for (const source of ERROR_SOURCES[name]) {
    for (const item of PLATFORM_ABIS[source] as ReadonlyArray<{ type: string }>) {
      if (item.type !== "error") continue;
      const entry = item as unknown as AbiErrorEntry;
      const selector = ErrorFragment.from(entry).selector;
      if (seen.has(selector)) continue;
      seen.add(selector);
      out.push(entry);
    }
  }
  return out;
}
