import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { NetworkConnection } from "hardhat/types/network";
import { encodeBytes32String, keccak256, toUtf8Bytes } from "ethers";

import PlatformModule from "../../deploy/modules/PlatformModule.js";
import { Roles } from "../../client/roles.js";
import type { SettlementToken, TenantRegistry } from "../../typechain-types/index.js";
import type { DemoWorld } from "./world.js";

type IgnitionConnection = NetworkConnection & {
  ethers: HardhatEthers;
  ignition: {
    deploy: (
      module: typeof PlatformModule,
      options?: object,
    ) => Promise<Record<string, { getAddress(): Promise<string> }>>;
  };
};

const ZERO = "0x" + "00".repeat(32);

/** The businesses of the demo, each with the account index of its admin member. */
const TENANTS = [
  {
    key: "mentor",
    label: "hk-sme-mentors",
    name: "HK SME Mentors Association",
    roles: Roles.sponsor,
    country: "HK",
    signer: 4,
  },
  {
    key: "hkWallet",
    label: "hk-wallet",
    name: "Harbour Pay (HK wallet)",
    roles: Roles["payment-operator"],
    country: "HK",
    signer: 5,
  },
  {
    key: "phWallet",
    label: "ph-wallet",
    name: "Bayani Wallet (PH wallet)",
    roles: Roles["payment-operator"],
    country: "PH",
    signer: 6,
  },
  {
    key: "bank",
    label: "settlement-bank",
    name: "Pearl River Settlement Bank",
    roles: Roles["liquidity-provider"],
    country: "HK",
    signer: 7,
  },
  {
    key: "buyer",
    label: "sme-tea-house",
    name: "Kowloon Tea House",
    roles: Roles.merchant,
    country: "HK",
    signer: 8,
    sponsored: true,
  },
  {
    key: "seller",
    label: "sme-tea-farm",
    name: "Fujian Leaf Traders HK",
    roles: Roles.merchant,
    country: "HK",
    signer: 9,
  },
  { key: "arbiter", label: "trade-arbiter", name: "HKIAC Trade Desk", roles: Roles.arbiter, country: "HK", signer: 10 },
] as const;

/**
 * Deploys the whole platform through its Ignition module, onboards and approves the demo's tenants
 * (the SME buyer sponsored by the mentor), and returns the world the demo steps act in.
 */
export async function buildWorld(connection: IgnitionConnection, log: (line: string) => void): Promise<DemoWorld> {
  const { ethers } = connection;
  const signers = await ethers.getSigners();
  const at = (i: number) => {
    const s = signers[i];
    if (s === undefined) throw new Error(`the demo needs at least ${i + 1} accounts`);
    return s;
  };
  const [operator, issuer, feeCollector] = [at(1), at(2), at(3)];

  log("Deploying the platform (Ignition PlatformModule)...");
  const deployed = await connection.ignition.deploy(PlatformModule, {
    parameters: {
      TenantRegistryModule: { operator: operator.address, adminTransferDelay: 0 },
      SettlementTokensModule: { issuer: issuer.address },
      TokenEscrowModule: { feeCollector: feeCollector.address },
      RemittanceSettlementModule: { operator: operator.address, feeCollector: feeCollector.address },
    },
  });
  const addresses: Record<string, string> = {};
  for (const [name, contract] of Object.entries(deployed)) addresses[name] = await contract.getAddress();
  for (const [name, address] of Object.entries(addresses)) log(`  ${name.padEnd(11)} ${address}`);

  const registry = (await ethers.getContractAt(
    "TenantRegistry",
    addresses.registry!,
    operator,
  )) as unknown as TenantRegistry;
  const hkd = (await ethers.getContractAt("SettlementToken", addresses.hkd!)) as unknown as SettlementToken;
  const php = (await ethers.getContractAt("SettlementToken", addresses.php!)) as unknown as SettlementToken;

  log("Onboarding tenants (onboard -> approve)...");
  const tenants: Record<string, string> = {};
  for (const t of TENANTS) {
    const id = encodeBytes32String(t.label);
    await (
      await registry.onboard({
        tenantId: id,
        name: t.name,
        roles: t.roles,
        jurisdiction: "0x" + Buffer.from(t.country, "ascii").toString("hex"),
        kybHash: keccak256(toUtf8Bytes(`kyb/${t.label}/2026.pdf`)),
        sponsor: "sponsored" in t && t.sponsored ? tenants.mentor! : ZERO,
        admin: at(t.signer).address,
      })
    ).wait();
    await (await registry.approve(id)).wait();
    tenants[t.key] = id;
    const sponsorNote = "sponsored" in t && t.sponsored ? ", sponsored by hk-sme-mentors" : "";
    log(`  ${t.label.padEnd(16)} Active  ${t.country}  ${t.name}${sponsorNote}`);
  }

  return {
    ethers,
    registry,
    hkd,
    php,
    addresses,
    tenants: tenants as DemoWorld["tenants"],
    actors: {
      operator,
      issuer,
      feeCollector,
      mentor: at(4),
      hkWallet: at(5),
      phWallet: at(6),
      bank: at(7),
      buyer: at(8),
      seller: at(9),
      arbiter: at(10),
    },
    log,
  };
}
