import { ZeroAddress, ZeroHash } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { openContext, type ContextOptions } from "../../lib/context.js";
import { dealContext, isFinal, parseDealId, remainingOf } from "../../lib/escrow.js";
import { userFacing } from "../../lib/errors.js";
import { formatId } from "../../lib/registry.js";

interface DealArgs extends ContextOptions {
  deal: string;
}

export default userFacing(async (args: DealArgs, hre: HardhatRuntimeEnvironment) => {
  const dealId = parseDealId("deal", args.deal);

  const ctx = await openContext(hre, args);
  const d = await dealContext(ctx, dealId);
  const { deal, format } = d;
  const t = deal.terms;
  const now = BigInt((await ctx.ethers.provider.getBlock("latest"))!.timestamp);
  const iso = (seconds: bigint) => new Date(Number(seconds) * 1000).toISOString();

  console.log(`Deal ${dealId}`);
  console.log(`  status        ${deal.status}`);
  console.log(`  payer         ${t.payer} (${formatId(deal.payerTenant)})`);
  console.log(`  payee         ${t.payee} (${formatId(deal.payeeTenant)})`);
  console.log(`  arbiter       ${t.arbiter === ZeroAddress ? "(none)" : t.arbiter}`);
  // A look-alike token prints the same symbol: the address, and whether governance lists it, tell them apart.
  const listed = await d.escrow.isSettlementToken(t.token);
  console.log(`  token         ${t.token}${listed ? "" : " (NOT a listed settlement token of this deployment)"}`);
  console.log(`  amount        ${format(t.amount)}`);
  console.log(`  released      ${format(deal.released)}`);
  console.log(`  remaining     ${format(remainingOf(deal))}`);
  if (deal.milestones.length > 0) {
    const next = isFinal(deal.status) ? "" : `; next #${deal.milestonesReleased + 1}`;
    console.log(
      `  milestones    ${deal.milestones.map(format).join(" | ")} (${deal.milestonesReleased} released${next})`,
    );
  }
  console.log(`  deadline      ${iso(t.deadline)}${now > t.deadline ? " (passed)" : ""}`);
  if (deal.status === "Funded" && now > t.deadline) console.log("  refundable    by anyone, now");
  if (deal.status === "Disputed") {
    const refundableAt = t.deadline + (await d.escrow.arbitrationPeriod()) + 1n;
    console.log(`  refundable    by anyone from ${iso(refundableAt)} if the arbiter has not resolved it`);
  }
  console.log(
    `  hashlock      ${t.hashlock === ZeroHash ? "(none)" : `${t.hashFunction === 1n ? "sha256" : "keccak256"} ${t.hashlock}`}`,
  );
  console.log(`  platform fee  ${t.feeBps} bps`);
  console.log(`  reference     ${t.ref}`);
  console.log(`  salt          ${t.salt}`);
  console.log(`  opened in     block ${deal.openedInBlock}`);
});
