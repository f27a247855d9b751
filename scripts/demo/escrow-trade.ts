import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { ContractTransactionResponse } from "ethers";
import { keccak256, toUtf8Bytes, ZeroAddress, ZeroHash } from "ethers";

import { dealIdOf, milestonesCommitment, type DealTerms } from "../../client/escrow.js";
import { DealStatus, nameOf, HashFunction as HashFunctionTable, enumValues } from "../../client/enums.js";
import { formatAmount } from "../../client/amounts.js";
import { signPermit } from "../../client/eip712/permit.js";
import type { TokenEscrow } from "../../typechain-types/index.js";
import type { DemoWorld } from "../../fixtures/world.js";

const formatDealStatus = (status: bigint) => nameOf(DealStatus, status);
const HashFunction = enumValues(HashFunctionTable);

const DAY = 86_400n;

/** What the trade did: each step's gas from its receipt, and each deal's final status against the one expected. */
export interface EscrowTradeResult {
  gas: Array<{ operation: string; gasUsed: string }>;
  deals: Array<{ ref: string; status: string; expected: string }>;
}

/**
 * An SME trade settled through the escrow: the tea house (buyer) orders from the tea farm (seller).
 * The first order is paid in two milestones, a deposit on order and the rest on delivery, funded with a
 * permit so the buyer needs no approval transaction. The second order's quality is disputed, and the
 * arbiter splits it. Prints each step's status and gas, then everyone's balances; the demo's summary lists the gas.
 */
export async function runEscrowTrade(world: DemoWorld): Promise<EscrowTradeResult> {
  const { ethers, hkd, actors, log } = world;
  const { issuer, buyer, seller, arbiter, feeCollector } = actors;
  const escrowAddress = world.addresses.escrow;
  if (escrowAddress === undefined) throw new Error("the platform deployment has no escrow");
  const escrow = (await ethers.getContractAt("TokenEscrow", escrowAddress)) as unknown as TokenEscrow;
  const [decimals, symbol] = [Number(await hkd.decimals()), await hkd.symbol()];
  const fmt = (amount: bigint) => formatAmount(amount, { decimals, symbol });
  const hkdAddress = await hkd.getAddress();
  const gasUsed: Array<[string, bigint]> = [];

  async function step(label: string, tx: Promise<ContractTransactionResponse>): Promise<bigint> {
    const receipt = await (await tx).wait();
    if (receipt === null || receipt.status !== 1) throw new Error(`${label}: transaction failed`);
    gasUsed.push([label, receipt.gasUsed]);
    return receipt.gasUsed;
  }
  const statusOf = async (terms: DealTerms) => formatDealStatus((await escrow.getDeal(dealIdOf(terms))).status);
  const now = async () => BigInt((await ethers.provider.getBlock("latest"))!.timestamp);

  async function openWithPermit(label: string, terms: DealTerms, milestones: bigint[]) {
    const permit = await signPermit(hkd, buyer, escrowAddress!, terms.amount, (await now()) + 3600n);
    const gas = await step(
      label,
      escrow.connect(buyer).openWithPermit(terms, milestones, permit.deadline, permit.v, permit.r, permit.s),
    );
    log(
      `  ${label}: deal ${dealIdOf(terms).slice(0, 18)}… ${await statusOf(terms)}, ${fmt(terms.amount)} (gas ${gas})`,
    );
  }

  const feeBps = await escrow.feeBps();
  let salt = BigInt(await ethers.provider.getBlockNumber());
  const termsOf = async (
    reference: string,
    amount: bigint,
    overrides: Partial<DealTerms> = {},
  ): Promise<DealTerms> => ({
    payer: buyer.address,
    payee: seller.address,
    arbiter: ZeroAddress,
    token: hkdAddress,
    amount,
    deadline: (await now()) + 21n * DAY,
    feeBps,
    hashFunction: BigInt(HashFunction.keccak256),
    hashlock: ZeroHash,
    milestones: ZeroHash,
    ref: keccak256(toUtf8Bytes(reference)),
    salt: ++salt,
    ...overrides,
  });

  log(`The issuer mints ${fmt(5_000_000n)} to the tea house (against HKD received).`);
  await (await hkd.connect(issuer).mint(buyer.address, 5_000_000n)).wait();
  const start = await balances([buyer, seller, feeCollector]);

  log(`\nOrder PO-2026-0042: ${fmt(2_000_000n)} of oolong, 25% on order and 75% on delivery (fee ${feeBps} bps).`);
  const milestones = [500_000n, 1_500_000n];
  const order = await termsOf("PO-2026-0042", 2_000_000n, {
    arbiter: arbiter.address,
    milestones: milestonesCommitment(milestones),
  });
  await openWithPermit("open + fund (permit)", order, milestones);
  for (const [index, amount] of milestones.entries()) {
    const gas = await step(`release-milestone ${index + 1}`, escrow.connect(buyer).releaseMilestone(order, milestones));
    log(`  release milestone ${index + 1} (${fmt(amount)}): ${await statusOf(order)} (gas ${gas})`);
  }

  log(`\nOrder PO-2026-0043: ${fmt(800_000n)} of jasmine tea; the buyer finds part of the shipment spoiled.`);
  const disputed = await termsOf("PO-2026-0043", 800_000n, { arbiter: arbiter.address });
  await openWithPermit("open + fund (permit), arbitrated", disputed, []);
  let gas = await step("dispute", escrow.connect(buyer).dispute(disputed));
  log(`  the buyer disputes: ${await statusOf(disputed)} (gas ${gas})`);
  gas = await step("resolve (70/30)", escrow.connect(arbiter).resolve(disputed, 7_000));
  log(`  the arbiter awards 70% to the seller, 30% back to the buyer: ${await statusOf(disputed)} (gas ${gas})`);

  const accrued = await escrow.accruedFees(hkdAddress);
  gas = await step("claimFees", escrow.connect(feeCollector).claimFees(hkdAddress));
  log(`\nThe platform claims ${fmt(accrued - 1n)} of fees (one base unit stays accrued) (gas ${gas}).`);

  const end = await balances([buyer, seller, feeCollector]);
  log("\nBalances (change during the trade):");
  const names = ["tea house (buyer)", "tea farm (seller)", "fee collector"];
  for (const [i, name] of names.entries()) {
    const change = end[i]! - start[i]!;
    const signed = `${change < 0n ? "-" : "+"}${fmt(change < 0n ? -change : change)}`;
    log(`  ${name.padEnd(20)} ${fmt(end[i]!).padStart(16)}  (${signed})`);
  }
  log(
    `  ${"escrow".padEnd(20)} ${fmt(await hkd.balanceOf(escrowAddress)).padStart(16)}  (open deals + unclaimed fees)`,
  );

  return {
    gas: gasUsed.map(([operation, used]) => ({ operation: `escrow ${operation}`, gasUsed: used.toString() })),
    deals: [
      { ref: "PO-2026-0042", status: await statusOf(order), expected: "Released" },
      { ref: "PO-2026-0043", status: await statusOf(disputed), expected: "Resolved" },
    ],
  };

  async function balances(signers: HardhatEthersSigner[]): Promise<bigint[]> {
    return Promise.all(signers.map((s) => hkd.balanceOf(s.address)));
  }
}
