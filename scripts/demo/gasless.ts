/**
 * An SME member acting without gas, through the meta-transaction relayer (a separate process): the
 * platform operator grants the tea house a gas budget and its mentor tops it up; a new member with zero
 * native balance accepts its invitation, opens an escrow funded by permit and releases it, each step a
 * signed forward request the relayer checks, simulates, sends and charges to the tenant's budget.
 */
import { formatEther, keccak256, toUtf8Bytes, Wallet, ZeroAddress, ZeroHash } from "ethers";

import { formatAmount } from "../../client/amounts.js";
import { signPermit } from "../../client/eip712/permit.js";
import { dealIdOf } from "../../client/escrow.js";
import { DealStatus, HashFunction, nameOf } from "../../client/enums.js";
import { MetatxClient, prepareForwardRequest } from "../../client/metatx.js";
import { Roles } from "../../client/roles.js";
import type { DemoWorld } from "../../fixtures/world.js";
import { TokenEscrow__factory } from "../../typechain-types/index.js";
import type { Stack } from "../../fixtures/stack.js";

export interface GaslessResult {
  member: string;
  gas: Array<{ operation: string; gasUsed: string; charged: string }>;
  /** The member's native balance at the end: zero, it never paid gas. */
  nativeBalance: string;
  dealStatus: string;
  budget: { funded: string; spent: string; available: string };
  problems: string[];
}

export async function runGasless(world: DemoWorld, stack: Stack): Promise<GaslessResult> {
  const { registry, actors, tenants, addresses, log } = world;
  const provider = world.ethers.provider;
  const escrow = TokenEscrow__factory.connect(addresses.escrow!, provider);
  const operator = new MetatxClient({ url: stack.urls.metatx, adminKey: stack.keys.admin });
  const mentor = new MetatxClient({ url: stack.urls.metatx, apiKey: stack.keys.sponsor });
  const relayer = new MetatxClient({ url: stack.urls.metatx });
  const hkd = { decimals: Number(await world.hkd.decimals()), symbol: await world.hkd.symbol() };
  const problems: string[] = [];

  await operator.setBudget(tenants.buyer, 10n ** 17n);
  await mentor.sponsor(tenants.buyer, 5n * 10n ** 16n);
  log(`  The platform operator grants sme-tea-house a gas budget of ${formatEther(10n ** 17n)} ETH; its mentor`);
  log(`  hk-sme-mentors tops it up with ${formatEther(5n * 10n ** 16n)} ETH (sponsor's API key).`);

  const member = Wallet.createRandom();
  await (await registry.connect(actors.buyer).inviteMember(tenants.buyer, member.address, Roles.merchant)).wait();
  const amount = 1_250_000n;
  await (await world.hkd.connect(actors.issuer).mint(member.address, amount)).wait();
  log(
    `  sme-tea-house invites a new member ${member.address}, native balance ` +
      `${formatEther(await provider.getBalance(member.address))} ETH, holding ${formatAmount(amount, hkd)}; it signs, ` +
      "the relayer sends:",
  );

  const gas: GaslessResult["gas"] = [];
  const forward = async (title: string, to: string, data: string) => {
    const request = await prepareForwardRequest(member, provider, { forwarder: addresses.forwarder!, to, data });
    const outcome = await relayer.forwardAndWait(request, { timeoutMs: 60_000 });
    const receipt = await provider.getTransactionReceipt(outcome.txHash!);
    if (receipt === null || receipt.status !== 1)
      problems.push(`${title}: no successful receipt for ${outcome.txHash}`);
    gas.push({
      operation: `gasless ${title}`,
      gasUsed: String(receipt?.gasUsed ?? outcome.gasUsed),
      charged: outcome.charged ?? "0",
    });
    log(
      `  ${title.padEnd(24)} ${outcome.status}, gas ${receipt?.gasUsed ?? outcome.gasUsed}, ` +
        `charged ${formatEther(outcome.charged ?? "0")} ETH to sme-tea-house`,
    );
  };
  await forward(
    "accept the invitation",
    addresses.registry!,
    registry.interface.encodeFunctionData("acceptMembership", [tenants.buyer]),
  );
  const now = BigInt((await provider.getBlock("latest"))!.timestamp);
  const terms = {
    payer: member.address,
    payee: actors.seller.address,
    arbiter: ZeroAddress,
    token: addresses.hkd!,
    amount,
    deadline: now + 7n * 86_400n,
    feeBps: await escrow.feeBps(),
    hashFunction: BigInt(HashFunction.indexOf("keccak256")),
    hashlock: ZeroHash,
    milestones: ZeroHash,
    ref: keccak256(toUtf8Bytes("PO-2026-TEA-0044")),
    salt: now,
  };
  const permit = await signPermit(world.hkd, member, addresses.escrow!, terms.amount, terms.deadline);
  await forward(
    "open + fund (permit)",
    addresses.escrow!,
    escrow.interface.encodeFunctionData("openWithPermit", [terms, [], permit.deadline, permit.v, permit.r, permit.s]),
  );
  await forward("release on delivery", addresses.escrow!, escrow.interface.encodeFunctionData("release", [terms]));

  const dealStatus = nameOf(DealStatus, (await escrow.getDeal(dealIdOf(terms))).status);
  const nativeBalance = await provider.getBalance(member.address);
  const budget = await operator.showBudget(tenants.buyer);
  if (dealStatus !== "Released") problems.push(`gasless deal ${dealStatus}, expected Released`);
  if (nativeBalance !== 0n) problems.push(`the gasless member holds ${nativeBalance} wei: it paid gas`);
  log(
    `  Deal ${dealStatus}; the member's native balance is still ${formatEther(nativeBalance)} ETH. Budget of ` +
      `sme-tea-house: funded ${formatEther(budget.funded)}, spent ${formatEther(budget.spent)}, available ` +
      `${formatEther(budget.available)} ETH`,
  );
  return {
    member: member.address,
    gas,
    nativeBalance: nativeBalance.toString(),
    dealStatus,
    budget: { funded: budget.funded, spent: budget.spent, available: budget.available },
    problems,
  };
}
