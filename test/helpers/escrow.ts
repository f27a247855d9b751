import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { id, keccak256, toUtf8Bytes, ZeroAddress, ZeroHash } from "ethers";

import { HashFunction as HashFunctionTable, enumValues } from "../../client/enums.js";
import { milestonesCommitment, type DealTerms } from "../../client/escrow.js";
import { deployEscrow } from "../../fixtures/contracts.js";
import type { TokenEscrow } from "../../typechain-types/index.js";
import { deployCore, onboardActive, Roles, tenantId, type CorePlatform } from "./platform.js";

const HashFunction = enumValues(HashFunctionTable);

export { dealIdOf, hashSecret, milestonesCommitment, type DealTerms } from "../../client/escrow.js";
export { HashFunction };

/** `DealStatus` enum values. */
export const Deal = { None: 0n, Funded: 1n, Disputed: 2n, Released: 3n, Refunded: 4n, Resolved: 5n } as const;

export const FEE_MANAGER_ROLE = id("FEE_MANAGER_ROLE");
export const FEE_BPS = 25n;
export const ARBITRATION_PERIOD = 30n * 86_400n;
export const DAY = 86_400n;

export const BUYER = tenantId("sme-buyer");
export const SELLER = tenantId("sme-seller");
export const ARBITER = tenantId("trade-arbiter");

/** HKD 1,000,000.00 in tHKD base units (two decimals): what the buyer starts with. */
export const BUYER_FUNDS = 100_000_000n;

export interface EscrowPlatform extends CorePlatform {
  escrow: TokenEscrow;
  buyer: HardhatEthersSigner;
  seller: HardhatEthersSigner;
  arbiter: HardhatEthersSigner;
  collector: HardhatEthersSigner;
  feeManager: HardhatEthersSigner;
  outsider: HardhatEthersSigner;
  /** Terms of a plain deal (buyer pays seller HKD 10,000.00 in tHKD, 14 days), with a fresh salt each call. */
  terms(overrides?: Partial<DealTerms>): Promise<DealTerms>;
  /** The current block's timestamp. */
  now(): Promise<bigint>;
}

/**
 * The platform with an escrow on it: a buyer SME, a seller SME and an arbiter tenant, all active, each with
 * one admin member; the buyer holds tHKD and has approved the escrow for all of it.
 */
export async function deployEscrowPlatform(ethers: HardhatEthers): Promise<EscrowPlatform> {
  const core = await deployCore(ethers);
  const signers = await ethers.getSigners();
  const [buyer, seller, arbiter, collector, feeManager, outsider] = signers.slice(3, 9);
  if (!buyer || !seller || !arbiter || !collector || !feeManager || !outsider) throw new Error("need 9 accounts");

  await onboardActive(core.registry, core.operator, { label: "sme-buyer", roles: Roles.merchant, admin: buyer });
  await onboardActive(core.registry, core.operator, { label: "sme-seller", roles: Roles.merchant, admin: seller });
  await onboardActive(core.registry, core.operator, { label: "trade-arbiter", roles: Roles.arbiter, admin: arbiter });

  const escrow = await deployEscrow(core.admin, {
    admin: core.admin,
    registry: await core.registry.getAddress(),
    forwarder: await core.forwarder.getAddress(),
    feeManager,
    feeCollector: collector,
    feeBps: FEE_BPS,
    arbitrationPeriod: ARBITRATION_PERIOD,
    settlementTokens: [await core.hkd.getAddress(), await core.php.getAddress()],
  });
  await core.hkd.connect(core.issuer).mint(buyer.address, BUYER_FUNDS);
  await core.hkd.connect(buyer).approve(await escrow.getAddress(), BUYER_FUNDS);

  const hkdAddress = await core.hkd.getAddress();
  const now = async () => BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  let salt = 0n;
  const terms = async (overrides: Partial<DealTerms> = {}): Promise<DealTerms> => {
    salt += 1n;
    return {
      payer: buyer.address,
      payee: seller.address,
      arbiter: ZeroAddress,
      token: hkdAddress,
      amount: 1_000_000n,
      deadline: (await now()) + 14n * DAY,
      feeBps: FEE_BPS,
      hashFunction: BigInt(HashFunction.keccak256),
      hashlock: ZeroHash,
      milestones: ZeroHash,
      ref: keccak256(toUtf8Bytes(`PO-2026-${salt}`)),
      salt,
      ...overrides,
    };
  };

  return { ...core, escrow, buyer, seller, arbiter, collector, feeManager, outsider, terms, now };
}

/** Terms with milestones: the commitment set from `amounts`, which must add up to `amount`. */
export function withMilestones(terms: DealTerms, amounts: bigint[]): DealTerms {
  return { ...terms, amount: amounts.reduce((a, b) => a + b, 0n), milestones: milestonesCommitment(amounts) };
}

/** The platform fee on a part, as the escrow computes it (rounded down). */
export const feeOf = (part: bigint, bps: bigint = FEE_BPS) => (part * bps) / 10_000n;

export { ZeroAddress, ZeroHash };
