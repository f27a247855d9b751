import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { ContractTransactionResponse } from "ethers";
import { encodeBytes32String, keccak256, toUtf8Bytes, ZeroAddress, ZeroHash } from "ethers";

import { Roles } from "../../client/roles.js";
import { HashFunction as HashFunctionTable, enumValues } from "../../client/enums.js";
import { hashSecret, milestonesCommitment, type DealTerms } from "../../client/escrow.js";
import { signPermit } from "../../client/eip712/permit.js";
import { deployEscrow, deployRegistry, deploySettlementToken, onboardTenant } from "../../fixtures/contracts.js";
import type { GasRow } from "./types.js";

const HashFunction = enumValues(HashFunctionTable);

const FEE_BPS = 25n;
const DAY = 86_400n;

async function gas(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error("transaction not mined");
  return receipt.gasUsed;
}

/**
 * Gas of every escrow operation, in the steady state a running platform sees, like the baseline's: the
 * payer, the payee, the escrow and the fee counter all already hold some of the token (so no token balance
 * or fee counter goes from zero to non-zero), the payer's allowance stays non-zero after funding (a standing
 * approval larger than one deal), and the fee is the default 25 bps. The one fresh storage slot an open
 * pays for is the deal's own record.
 */
export async function measureEscrowGas(ethers: HardhatEthers): Promise<GasRow[]> {
  const signers = await ethers.getSigners();
  const [admin, operator, issuer, buyer, seller, arbiterKey, collector, stranger] = signers;
  if (
    admin === undefined ||
    operator === undefined ||
    issuer === undefined ||
    buyer === undefined ||
    seller === undefined ||
    arbiterKey === undefined ||
    collector === undefined ||
    stranger === undefined
  ) {
    throw new Error("need 8 accounts");
  }

  const registry = await deployRegistry(admin, { admin, operator });
  const onboard = (label: string, roles: number, member: HardhatEthersSigner) =>
    onboardTenant(registry, operator, {
      tenantId: encodeBytes32String(label),
      name: label,
      roles,
      jurisdiction: "0x484b",
      kybHash: keccak256(toUtf8Bytes(`kyb/${label}`)),
      admin: member,
    });
  await onboard("gas-buyer", Roles.merchant, buyer);
  await onboard("gas-seller", Roles.merchant, seller);
  await onboard("gas-arbiter", Roles.arbiter, arbiterKey);

  const token = await deploySettlementToken(admin, { name: "Gas HKD", symbol: "gHKD", currency: "HKD", issuer });
  const escrow = await deployEscrow(admin, {
    admin,
    registry: await registry.getAddress(),
    feeManager: admin,
    feeCollector: collector,
    feeBps: FEE_BPS,
    arbitrationPeriod: 30n * DAY,
    settlementTokens: [await token.getAddress()],
  });
  const escrowAddress = await escrow.getAddress();
  const tokenAddress = await token.getAddress();

  for (const holder of [buyer, seller]) await (await token.connect(issuer).mint(holder.address, 100_000_000n)).wait();
  const standingApproval = async () => (await token.connect(buyer).approve(escrowAddress, 10n ** 30n)).wait();
  await standingApproval();

  let salt = 0n;
  const now = async () => BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  const terms = async (overrides: Partial<DealTerms> = {}): Promise<DealTerms> => ({
    payer: buyer.address,
    payee: seller.address,
    arbiter: ZeroAddress,
    token: tokenAddress,
    amount: 1_250_000n, // HKD 12,500.00
    deadline: (await now()) + 14n * DAY,
    feeBps: FEE_BPS,
    hashFunction: BigInt(HashFunction.keccak256),
    hashlock: ZeroHash,
    milestones: ZeroHash,
    ref: keccak256(toUtf8Bytes(`PO-2026-${++salt}`)),
    salt,
    ...overrides,
  });
  const asBuyer = escrow.connect(buyer);

  // Warm-up: a deal that stays open (the escrow holds the token), one released (the fee counter is set),
  // and fees claimed once (the collector holds the token).
  await (await asBuyer.open(await terms(), [])).wait();
  for (let i = 0; i < 2; i++) {
    const warm = await terms();
    await (await asBuyer.open(warm, [])).wait();
    await (await asBuyer.release(warm)).wait();
    if (i === 0) await (await escrow.connect(stranger).claimFees(tokenAddress)).wait();
  }

  const rows: GasRow[] = [];
  const row = (operation: string, gasUsed: bigint) => rows.push({ group: "escrow", operation, gasUsed });
  const steady = "steady state";

  const plain = await terms();
  row(`open + fund (transferFrom), ${steady}, standing finite approval`, await gas(asBuyer.open(plain, [])));
  row("release (whole deal, by payer)", await gas(asBuyer.release(plain)));

  const permitted = await terms();
  const permit = await signPermit(token, buyer, escrowAddress, permitted.amount, (await now()) + 3600n);
  row(
    `open + fund (permit), ${steady}`,
    await gas(asBuyer.openWithPermit(permitted, [], permit.deadline, permit.v, permit.r, permit.s)),
  );
  // A permit sets the allowance to exactly the deal's amount, which funding then spends: approve again.
  await standingApproval();

  const amounts = [250_000n, 500_000n, 500_000n];
  const staged = await terms({ milestones: milestonesCommitment(amounts) });
  row("open + fund (transferFrom), 3 milestones", await gas(asBuyer.open(staged, amounts)));
  row("release-milestone (first of 3)", await gas(asBuyer.releaseMilestone(staged, amounts)));
  await (await asBuyer.releaseMilestone(staged, amounts)).wait();
  row("release-milestone (last of 3, completes the deal)", await gas(asBuyer.releaseMilestone(staged, amounts)));

  const secret = keccak256(toUtf8Bytes("bill of lading 7731"));
  const locked = await terms({ hashlock: hashSecret(secret, "sha256"), hashFunction: BigInt(HashFunction.sha256) });
  await (await asBuyer.open(locked, [])).wait();
  row("claim with secret (sha256 hashlock, by payee)", await gas(escrow.connect(seller).claim(locked, secret)));

  const returned = await terms();
  await (await asBuyer.open(returned, [])).wait();
  row("refund (payee-initiated)", await gas(escrow.connect(seller).refund(returned)));

  const expiring = await terms({ deadline: (await now()) + 3600n });
  await (await asBuyer.open(expiring, [])).wait();
  await ethers.provider.send("evm_increaseTime", [3601]);
  row("refund (after deadline, by anyone)", await gas(escrow.connect(stranger).refund(expiring)));

  await (await token.connect(buyer).approve(escrowAddress, 2n ** 256n - 1n)).wait();
  row(
    `open + fund (transferFrom), ${steady}, unlimited approval (no allowance write)`,
    await gas(asBuyer.open(await terms(), [])),
  );

  await standingApproval();

  const arbitrated = await terms({ arbiter: arbiterKey.address });
  row("open + fund (transferFrom), with arbiter", await gas(asBuyer.open(arbitrated, [])));
  row("dispute (by payee)", await gas(escrow.connect(seller).dispute(arbitrated)));
  row("resolve (60% payee / 40% payer)", await gas(escrow.connect(arbiterKey).resolve(arbitrated, 6_000)));

  row(
    "claimFees (to the fee collector, who already holds the token)",
    await gas(escrow.connect(stranger).claimFees(tokenAddress)),
  );
  return rows;
}
