import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { encodeBytes32String, keccak256, toUtf8Bytes, type ContractTransactionResponse } from "ethers";

import { buildQuote } from "../../client/quote-file.js";
import { corridorFee } from "../../client/amounts.js";
import { signQuote, type QuoteDomain, type SignedQuote } from "../../client/eip712/quote.js";
import {
  buildInitiateParams,
  recordsFromReceipt,
  type InitiateParams,
  type RemittanceRecord,
} from "../../client/remittance.js";
import { Funding as FundingTable, enumValues } from "../../client/enums.js";
import type { IRemittanceSettlement } from "../../typechain-types/remittance/RemittanceSettlement.js";
import type { RemittanceSettlement, SettlementToken } from "../../typechain-types/index.js";
import { deployRemittance } from "../../fixtures/contracts.js";
import { deployCore, join, onboardActive, Roles, tenantId, type CorePlatform } from "./platform.js";

const Funding = enumValues(FundingTable);
type CorridorConfig = IRemittanceSettlement.CorridorStruct;

export { Funding };

export const Status = { None: 0n, Initiated: 1n, PaidOut: 2n, Rejected: 3n, Expired: 4n } as const;
export const OPERATOR_ROLE = keccak256(toUtf8Bytes("OPERATOR_ROLE"));
export const DEFAULT_ADMIN_ROLE = "0x" + "00".repeat(32);

export const CORRIDOR = encodeBytes32String("HKD-PHP");
export const HK = tenantId("hk-wallet");
export const PH = tenantId("ph-wallet");
export const SG = tenantId("sg-wallet");
export const BANK = tenantId("settlement-bank");
export const OTHER_BANK = tenantId("other-bank");
export const SME = tenantId("sme-kowloon");

/** HKD and PHP have two decimals: 1 HKD = 100 base units. */
export const hkd = (units: number) => BigInt(Math.round(units * 100));
export const php = hkd;

export const MIN = hkd(10);
export const MAX = hkd(50_000);
export const DAILY_CAP = hkd(100_000);
export const FEE_FIXED = hkd(5);
export const FEE_BPS = 50;
export const WINDOW = 3600n;
/** The corridor's guaranteed minimum between initiation and the deadline, for the receiver. */
export const RECEIVER_WINDOW = 600n;
/** Mid rate of the demo corridor: PHP per HKD. */
export const RATE_NUM = 725n;
export const RATE_DEN = 100n;

export const ref = (text: string) => keccak256(toUtf8Bytes(text));

/** Everything a remittance test starts from: the platform, three operators, two banks, an open corridor. */
export interface RemittanceWorld extends CorePlatform {
  ethers: HardhatEthers;
  remittance: RemittanceSettlement;
  domain: QuoteDomain;
  feeCollector: HardhatEthersSigner;
  /** Admin members (all roles of their tenant) of each tenant. */
  hkOps: HardhatEthersSigner;
  phOps: HardhatEthersSigner;
  sgOps: HardhatEthersSigner;
  bankQuoter: HardhatEthersSigner;
  otherQuoter: HardhatEthersSigner;
  smeAdmin: HardhatEthersSigner;
  /** A member of hk-wallet holding only the admin bit, no business role. */
  hkClerk: HardhatEthersSigner;
  /** A member of the settlement bank holding only the admin bit, no business role. */
  bankClerk: HardhatEthersSigner;
  outsider: HardhatEthersSigner;
  relayer: HardhatEthersSigner;
  corridor: CorridorConfig;
}

export function corridorConfig(
  world: Pick<RemittanceWorld, "hkd" | "php">,
  hkdAddress: string,
  phpAddress: string,
  overrides: Partial<CorridorConfig> = {},
): CorridorConfig {
  return {
    sourceToken: hkdAddress,
    minAmount: MIN,
    destinationToken: phpAddress,
    maxAmount: MAX,
    provider: BANK,
    dailyCap: DAILY_CAP,
    feeFixed: FEE_FIXED,
    feeBps: FEE_BPS,
    settlementWindow: WINDOW,
    minReceiverWindow: RECEIVER_WINDOW,
    enabled: true,
    ...overrides,
  };
}

/**
 * Deploys the platform core and the settlement contract, onboards hk-wallet, ph-wallet and sg-wallet
 * (payment operators), the settlement bank and another bank (liquidity providers) and an SME, opens the
 * HKD -> PHP corridor through the settlement bank, and funds hk-wallet's HKD ledger (200,000.00) and
 * the bank's PHP liquidity (5,000,000.00).
 */
export async function deployRemittanceWorld(ethers: HardhatEthers): Promise<RemittanceWorld> {
  const core = await deployCore(ethers);
  const s = await ethers.getSigners();
  const at = (i: number) => {
    const signer = s[i];
    if (signer === undefined) throw new Error(`need ${i + 1} accounts`);
    return signer;
  };
  const [feeCollector, hkOps, phOps, sgOps, bankQuoter, otherQuoter, smeAdmin, hkClerk, bankClerk, outsider, relayer] =
    [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13].map(at) as HardhatEthersSigner[];
  const { registry, operator, issuer } = core;
  const po = Roles["payment-operator"];
  const lp = Roles["liquidity-provider"];
  await onboardActive(registry, operator, { label: "hk-wallet", roles: po, admin: hkOps!, country: "HK" });
  await onboardActive(registry, operator, { label: "ph-wallet", roles: po, admin: phOps!, country: "PH" });
  await onboardActive(registry, operator, { label: "sg-wallet", roles: po, admin: sgOps!, country: "SG" });
  await onboardActive(registry, operator, { label: "settlement-bank", roles: lp, admin: bankQuoter!, country: "HK" });
  await onboardActive(registry, operator, { label: "other-bank", roles: lp, admin: otherQuoter!, country: "PH" });
  await onboardActive(registry, operator, { label: "sme-kowloon", roles: Roles.merchant, admin: smeAdmin! });
  await join(registry, hkOps!, HK, hkClerk!, Roles.admin);
  await join(registry, bankQuoter!, BANK, bankClerk!, Roles.admin);

  const remittance = await deployRemittance(core.admin, {
    admin: core.admin,
    operator,
    feeCollector: feeCollector!,
    registry: await registry.getAddress(),
    forwarder: await core.forwarder.getAddress(),
  });
  const settlement = await remittance.getAddress();
  const corridor = corridorConfig(core, await core.hkd.getAddress(), await core.php.getAddress());
  await remittance.connect(operator).openCorridor(CORRIDOR, corridor);

  await core.hkd.connect(issuer).mint(hkOps!.address, hkd(1_000_000));
  await core.php.connect(issuer).mint(bankQuoter!.address, php(10_000_000));
  await core.hkd.connect(hkOps).approve(settlement, ethers.MaxUint256);
  await core.php.connect(bankQuoter).approve(settlement, ethers.MaxUint256);
  await remittance.connect(hkOps).deposit(await core.hkd.getAddress(), hkd(200_000));
  await remittance.connect(bankQuoter).deposit(await core.php.getAddress(), php(5_000_000));

  const { chainId } = await ethers.provider.getNetwork();
  return {
    ...core,
    ethers,
    remittance,
    domain: { chainId, verifyingContract: settlement },
    feeCollector: feeCollector!,
    hkOps: hkOps!,
    phOps: phOps!,
    sgOps: sgOps!,
    bankQuoter: bankQuoter!,
    otherQuoter: otherQuoter!,
    smeAdmin: smeAdmin!,
    hkClerk: hkClerk!,
    bankClerk: bankClerk!,
    outsider: outsider!,
    relayer: relayer!,
    corridor,
  };
}

export interface QuoteOptions {
  clientRef?: string;
  corridorId?: string;
  sendingTenant?: string;
  receivingTenant?: string;
  sourceAmount?: bigint;
  destinationAmount?: bigint;
  fee?: bigint;
  /** Seconds from the latest block. */
  expiresIn?: bigint;
  /** Seconds from the latest block (default: the expiry plus the corridor's window). */
  latestDeadlineIn?: bigint;
  signer?: HardhatEthersSigner;
}

export interface SendOptions extends QuoteOptions {
  /** Seconds from the latest block. */
  deadlineIn?: bigint;
  funding?: (typeof Funding)[keyof typeof Funding];
}

let sequence = 0;

/** A fresh client reference: each call to `quote` without one is a new payment. */
export const nextClientRef = () => ref(`payment-${++sequence}`);

export async function latest(ethers: HardhatEthers): Promise<bigint> {
  return BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
}

/**
 * A quote signed by the bank (by default) for hk-wallet paying ph-wallet: 1,000.00 HKD at 7.25, the
 * corridor's fee, held until the expiry plus the corridor's window.
 */
export async function quote(world: RemittanceWorld, options: QuoteOptions = {}): Promise<SignedQuote> {
  const sourceAmount = options.sourceAmount ?? hkd(1_000);
  const clientRef = options.clientRef ?? nextClientRef();
  const now = await latest(world.ethers);
  const expiry = now + (options.expiresIn ?? 300n);
  const q = buildQuote({
    corridorId: options.corridorId ?? CORRIDOR,
    sendingTenant: options.sendingTenant ?? HK,
    receivingTenant: options.receivingTenant ?? PH,
    clientRef,
    sourceAmount,
    destinationAmount: options.destinationAmount ?? (sourceAmount * RATE_NUM) / RATE_DEN,
    fee: options.fee ?? corridorFee({ feeFixed: FEE_FIXED, feeBps: FEE_BPS }, sourceAmount),
    expiry,
    latestDeadline: options.latestDeadlineIn === undefined ? expiry + WINDOW : now + options.latestDeadlineIn,
  });
  return signQuote(options.signer ?? world.bankQuoter, world.domain, q, clientRef);
}

/** `initiate` arguments for a fresh quote (or the one given), to ph-wallet, funded from the ledger. */
export async function sendParams(
  world: RemittanceWorld,
  options: SendOptions = {},
  signed?: SignedQuote,
): Promise<InitiateParams> {
  const quoteSigned = signed ?? (await quote(world, options));
  return buildInitiateParams(quoteSigned, {
    recipientHash: ref(`recipient:${quoteSigned.clientRef}`),
    complianceHash: ref(`travel-rule:${quoteSigned.clientRef}`),
    deadline: (await latest(world.ethers)) + (options.deadlineIn ?? 900n),
    funding: options.funding ?? Funding.Ledger,
  });
}

/** Initiates (as hk-wallet by default) and returns the record the event carries. */
export async function send(
  world: RemittanceWorld,
  options: SendOptions & { from?: HardhatEthersSigner } = {},
): Promise<{ record: RemittanceRecord; params: InitiateParams; tx: ContractTransactionResponse }> {
  const params = await sendParams(world, options);
  const tx = await world.remittance.connect(options.from ?? world.hkOps).initiate(params);
  const receipt = await tx.wait();
  const [record] = recordsFromReceipt(world.remittance, receipt!);
  return { record: record!, params, tx };
}

/** secp256k1's group order, and half of it: OpenZeppelin's ECDSA refuses any `s` above the half. */
export const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
export const HALF_N = SECP256K1_N / 2n;

/**
 * The signature with `s` replaced by `s'` in the upper half of the curve order (the range where every
 * signature has a malleable twin), keeping `r` and the parity bit.
 */
export function withUpperHalfS(params: InitiateParams, sPrime: bigint = HALF_N + 1n): InitiateParams {
  const parity = BigInt(params.signatureVS as string) >> 255n;
  return { ...params, signatureVS: "0x" + ((parity << 255n) | sPrime).toString(16).padStart(64, "0") };
}

/**
 * The contract's token balance against what it owes: every ledger balance and fee half it knows of,
 * plus the locked and reserved amounts of the pending records given.
 */
export async function owed(
  world: RemittanceWorld,
  token: SettlementToken,
  tenants: string[],
  pending: RemittanceRecord[],
): Promise<{ held: bigint; owed: bigint }> {
  const address = await token.getAddress();
  let total = 0n;
  for (const t of tenants) {
    total += await world.remittance.balanceOf(t, address);
    total += await world.remittance.feesAccrued(t, address);
  }
  for (const r of pending) {
    if ((await world.remittance.statusOf(r.id)) !== Status.Initiated) continue;
    if (r.sourceToken === address) total += r.sourceAmount + r.fee;
    if (r.destinationToken === address) total += r.destinationAmount;
  }
  return { held: await token.balanceOf(await world.remittance.getAddress()), owed: total };
}

export const ALL_TENANTS = [HK, PH, SG, BANK, OTHER_BANK, SME];
