import { readFile } from "node:fs/promises";

import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { getAddress } from "ethers";

import { parseDuration, parseHashOrText, parseId } from "../../lib/args.js";
import { openContext, type ContextOptions } from "../../lib/context.js";
import { TaskUserError, userFacing } from "../../lib/errors.js";
import { parseSignedQuote, QuoteError, type SignedQuote } from "../../lib/quotes.js";
import { formatId, formatStatus, Roles } from "../../lib/registry.js";
import {
  buildInitiateParams,
  chainNow,
  errorSources,
  formatRemittanceStatus,
  formatTime,
  Funding,
  recordsFromReceipt,
  remittanceOf,
  requireCorridor,
} from "../../lib/remittance.js";
import { formatAmount, tokenBook } from "../../lib/tokens.js";
import { registryOf } from "../../lib/tenants.js";
import { describeTx, send } from "../../lib/tx.js";

interface SendArgs extends ContextOptions {
  quote: string;
  to: string;
  recipient: string;
  compliance: string;
  deadline: string;
  pull: boolean;
}

export default userFacing(async (args: SendArgs, hre: HardhatRuntimeEnvironment) => {
  if (args.quote === "") throw new TaskUserError("--quote is required (a file written by `remit quote`)");
  const recipientHash = parseHashOrText("recipient", args.recipient);
  const complianceHash = parseHashOrText("compliance", args.compliance);
  const window = parseDuration("deadline", args.deadline);
  let signed: SignedQuote;
  try {
    signed = parseSignedQuote(await readFile(args.quote, "utf8"));
  } catch (error) {
    if (error instanceof QuoteError) throw new TaskUserError(`${args.quote}: ${error.message}`);
    throw new TaskUserError(`cannot read the quote file ${args.quote}`);
  }
  const { quote } = signed;
  const receivingTenant = quote.receivingTenant;
  if (args.to !== "" && parseId("to", args.to) !== receivingTenant) {
    throw new TaskUserError(`the quote pays out to ${formatId(receivingTenant)}, not to ${args.to}`);
  }

  const ctx = await openContext(hre, args);
  const remittance = await remittanceOf(ctx);
  const registry = await registryOf(ctx);
  if (
    signed.domain.chainId !== ctx.chainId ||
    signed.domain.verifyingContract !== getAddress(await remittance.getAddress())
  ) {
    throw new TaskUserError("the quote was signed for another network or deployment");
  }
  const now = await chainNow(ctx.ethers.provider);
  if (now >= quote.expiry) {
    throw new TaskUserError(
      `the quote expired at ${formatTime(quote.expiry)} (${now - quote.expiry}s ago): ask the provider for a new one`,
    );
  }
  const corridor = await requireCorridor(remittance, quote.corridorId);
  if (!corridor.enabled) throw new TaskUserError(`corridor ${formatId(quote.corridorId)} is disabled`);
  const tokens = tokenBook(ctx);
  const [source, destination] = [await tokens(corridor.sourceToken), await tokens(corridor.destinationToken)];
  if (quote.sourceAmount < corridor.minAmount || quote.sourceAmount > corridor.maxAmount) {
    throw new TaskUserError(
      `${formatAmount(quote.sourceAmount, source)} is over the corridor's limits: ` +
        `${formatAmount(corridor.minAmount, source)} to ${formatAmount(corridor.maxAmount, source)} per remittance`,
    );
  }

  const member = await registry.memberOf(ctx.signer.address);
  const po = Roles["payment-operator"];
  if (member.tenantId !== quote.sendingTenant) {
    throw new TaskUserError(
      `the quote was issued to ${formatId(quote.sendingTenant)}, but ${ctx.signer.address} acts for ` +
        `${member.tenantId === "0x" + "00".repeat(32) ? "no tenant" : formatId(member.tenantId)}`,
    );
  }
  if ((Number(member.tenantRoles) & Number(member.memberRoles) & po) === 0) {
    throw new TaskUserError(`${ctx.signer.address} does not hold the payment-operator role`);
  }
  if (member.status !== 2n) throw new TaskUserError(`${formatId(member.tenantId)} is ${formatStatus(member.status)}`);
  if ((await registry.statusOf(receivingTenant)) !== 2n || !(await registry.tenantHasRole(receivingTenant, po))) {
    throw new TaskUserError(`receiver ${formatId(receivingTenant)} is not an active payment operator`);
  }
  const status = await remittance.statusOf(quote.quoteId);
  if (status !== 0n) {
    throw new TaskUserError(
      `client reference already used: remittance ${quote.quoteId} is ${formatRemittanceStatus(status)} ` +
        "(one client reference, one remittance)",
    );
  }
  const usedToday = await remittance.usedToday(quote.corridorId, quote.sendingTenant);
  if (usedToday + quote.sourceAmount > corridor.dailyCap) {
    throw new TaskUserError(
      `over the daily cap: ${formatId(quote.sendingTenant)} sent ${formatAmount(usedToday, source)} of ` +
        `${formatAmount(corridor.dailyCap, source)} today in ${formatId(quote.corridorId)}`,
    );
  }
  const deadline = now + window;
  const windowEnd = quote.expiry + corridor.settlementWindow;
  const latest = quote.latestDeadline < windowEnd ? quote.latestDeadline : windowEnd;
  if (window < corridor.minReceiverWindow || deadline > latest) {
    throw new TaskUserError(
      `--deadline must be from ${corridor.minReceiverWindow}s (the receiver's minimum window) to ${latest - now}s ` +
        "(the quote's latest deadline, and its expiry plus the corridor's window)",
    );
  }
  const locked = quote.sourceAmount + quote.fee;
  if (args.pull) {
    const erc20 = await ctx.ethers.getContractAt("SettlementToken", source.address, ctx.signer);
    const held = await erc20.balanceOf(ctx.signer.address);
    if (held < locked) {
      throw new TaskUserError(
        `${ctx.signer.address} holds ${formatAmount(held, source)}, not ${formatAmount(locked, source)}`,
      );
    }
    const spender = await remittance.getAddress();
    if ((await erc20.allowance(ctx.signer.address, spender)) < locked) {
      const approved = await send(erc20, erc20.approve, [spender, locked]);
      console.log(`Approved ${formatAmount(locked, source)} for the settlement contract: ${describeTx(approved)}`);
    }
  } else {
    const available = await remittance.balanceOf(quote.sendingTenant, source.address);
    if (available < locked) {
      throw new TaskUserError(
        `${formatId(quote.sendingTenant)} has ${formatAmount(available, source)} available in its ledger, not ` +
          `${formatAmount(locked, source)} (amount and fee): deposit first, or pass --pull`,
      );
    }
  }

  const params = buildInitiateParams(signed, {
    recipientHash,
    complianceHash,
    deadline,
    funding: args.pull ? Funding.Pull : Funding.Ledger,
  });
  const tx = await send(remittance, remittance.initiate, [params], errorSources(registry));
  const [record] = recordsFromReceipt(remittance, tx.receipt);
  console.log(`Remittance ${record?.id ?? quote.quoteId}: Initiated`);
  console.log(`  ${formatId(quote.sendingTenant)} -> ${formatId(receivingTenant)} via ${formatId(corridor.provider)}`);
  console.log(`  locked   ${formatAmount(quote.sourceAmount, source)} + fee ${formatAmount(quote.fee, source)}`);
  console.log(`  reserved ${formatAmount(quote.destinationAmount, destination)} for the payout`);
  console.log(`  deadline ${formatTime(deadline)}`);
  console.log(`  ${describeTx(tx)}`);
});
