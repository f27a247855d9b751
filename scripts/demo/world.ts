import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";

import type { SettlementToken, TenantRegistry } from "../../typechain-types/index.js";

/**
 * The demo's world: the deployed platform, the tenants onboarded on it and the accounts acting for
 * them. Each capability's demo step (`escrow-trade.ts`, `remittances.ts`) takes it and prints its part.
 */
export interface DemoWorld {
  ethers: HardhatEthers;
  registry: TenantRegistry;
  hkd: SettlementToken;
  php: SettlementToken;
  /** Deployed addresses by short name: registry, forwarder, hkd, php, escrow, remittance. */
  addresses: Record<string, string>;
  /** Tenant ids (bytes32) by label. */
  tenants: {
    mentor: string;
    hkWallet: string;
    phWallet: string;
    bank: string;
    buyer: string;
    seller: string;
    arbiter: string;
  };
  /** Admin members (signers) of each tenant, plus the platform's own keys. */
  actors: {
    operator: HardhatEthersSigner;
    issuer: HardhatEthersSigner;
    feeCollector: HardhatEthersSigner;
    mentor: HardhatEthersSigner;
    hkWallet: HardhatEthersSigner;
    phWallet: HardhatEthersSigner;
    bank: HardhatEthersSigner;
    buyer: HardhatEthersSigner;
    seller: HardhatEthersSigner;
    arbiter: HardhatEthersSigner;
  };
  log: (line: string) => void;
}
