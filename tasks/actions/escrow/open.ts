import { hexlify, randomBytes, ZeroAddress, ZeroHash } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseAddress, parseAmount, parseDuration, parseHashOrText, parseUint } from "../../lib/args.js";
import { openContext, type ContextOptions } from "../../lib/context.js";
import {
  checkMilestones,
  dealIdOf,
  escrowOf,
  eventIn,
  HashFunction,
  milestonesCommitment,
  parseHashFunction,
  parseHashlock,
  parseMilestones,
  type DealTerms,
} from "../../lib/escrow.js";
import { checkDecimal, formatAmount, resolveTokenAddress, tokenAt, signPermit } from "../../lib/tokens.js";
import { TaskUserError, userFacing } from "../../lib/errors.js";
import { formatId } from "../../lib/registry.js";
import { gaslessOf, type GaslessArgs } from "../../lib/gasless.js";
import { describeTx, send } from "../../lib/tx.js";

interface OpenArgs extends ContextOptions, GaslessArgs {
  payee: string;
  amount: string;
  token: string;
  deadline: string;
  arbiter: string;
  milestones: string;
  hashlock: string;
  hashFunction: string;
  reference: string;
  salt: string;
  permit: boolean;
}

const MAX_AMOUNT = 2n ** 128n - 1n;
const PERMIT_VALIDITY = 3600n;

export default userFacing(async (args: OpenArgs, hre: HardhatRuntimeEnvironment) => {
  // Every argument is checked before anything touches the network.
  if (args.payee === "") throw new TaskUserError("--payee is required");
  const payee = parseAddress("payee", args.payee);
  checkDecimal("amount", args.amount);
  const duration = parseDuration("deadline", args.deadline);
  if (duration === 0n) throw new TaskUserError("--deadline must be in the future");
  const arbiter = args.arbiter === "" ? ZeroAddress : parseAddress("arbiter", args.arbiter);
  const milestoneParts = checkMilestones("milestones", args.milestones);
  const hashlock = parseHashlock("hashlock", args.hashlock);
  const hashFunction = parseHashFunction("hash-function", args.hashFunction);
  if (hashlock === ZeroHash && hashFunction !== "keccak256")
    throw new TaskUserError("--hash-function only applies with --hashlock");
  const ref = args.reference === "" ? ZeroHash : parseHashOrText("reference", args.reference);
  const salt = args.salt === "" ? BigInt(hexlify(randomBytes(8))) : parseUint("salt", args.salt, 2n ** 64n - 1n);

  const ctx = await openContext(hre, args);
  const payer = ctx.signer.address;
  if (payee === payer) throw new TaskUserError("--payee is the payer (--from) itself");
  if (arbiter === payer || arbiter === payee) throw new TaskUserError("--arbiter must be neither payer nor payee");
  const token = await tokenAt(ctx, resolveTokenAddress(ctx, args.token));
  const [decimals, symbol] = [Number(await token.decimals()), await token.symbol()];
  const amount = parseAmount("amount", args.amount, decimals);
  if (amount > MAX_AMOUNT) throw new TaskUserError("--amount is above what a deal can hold (2^128 - 1 base units)");
  const format = (value: bigint) => formatAmount(value, { decimals, symbol });
  const amounts = parseMilestones("milestones", milestoneParts, decimals, amount, format);

  const escrow = await escrowOf(ctx);
  const escrowAddress = await escrow.getAddress();
  if (!(await escrow.isSettlementToken(await token.getAddress()))) {
    throw new TaskUserError(
      `${symbol} at ${await token.getAddress()} is not a settlement token listed by this deployment's escrow`,
    );
  }
  const balance = await token.balanceOf(payer);
  if (balance < amount)
    throw new TaskUserError(`the payer ${payer} holds ${format(balance)}, less than ${format(amount)}`);
  const now = BigInt((await ctx.ethers.provider.getBlock("latest"))!.timestamp);
  const terms: DealTerms = {
    payer,
    payee,
    arbiter,
    token: await token.getAddress(),
    amount,
    deadline: now + duration,
    feeBps: await escrow.feeBps(),
    hashFunction: BigInt(HashFunction[hashFunction]),
    hashlock,
    milestones: milestonesCommitment(amounts),
    ref,
    salt,
  };

  let tx;
  if (args.permit) {
    const permit = await signPermit(token, ctx.signer, escrowAddress, amount, now + PERMIT_VALIDITY);
    tx = await send(
      escrow,
      escrow.openWithPermit,
      [terms, amounts, permit.deadline, permit.v, permit.r, permit.s],
      "DealOpened",
      gaslessOf(ctx, args),
    );
  } else {
    // A member without gas cannot send the approval the plain open needs: it funds by permit.
    if (args.gasless) throw new TaskUserError("--gasless funds the deal by permit: add --permit");
    const allowance = await token.allowance(payer, escrowAddress);
    if (allowance < amount) {
      throw new TaskUserError(
        `the escrow may spend ${format(allowance)} of the payer's ${symbol}, less than ${format(amount)}: ` +
          `approve ${escrowAddress} first, or pass --permit`,
      );
    }
    tx = await send(escrow, escrow.open, [terms, amounts], "DealOpened");
  }

  const opened = eventIn(escrow, tx.receipt, "DealOpened");
  const id = dealIdOf(terms);
  console.log(`Opened deal ${id}: status Funded${args.permit ? " (funded by permit)" : ""}`);
  console.log(`  ${format(amount)} (token ${terms.token}) from ${payer} (${formatId(opened.payerTenant)})`);
  console.log(`  to ${payee} (${formatId(opened.payeeTenant)})`);
  if (amounts.length > 0) console.log(`  milestones ${amounts.map(format).join(" | ")}`);
  if (arbiter !== ZeroAddress) console.log(`  arbiter ${arbiter}`);
  if (hashlock !== ZeroHash) console.log(`  hashlock ${hashFunction} ${hashlock}`);
  console.log(`  deadline ${new Date(Number(terms.deadline) * 1000).toISOString()}, platform fee ${terms.feeBps} bps`);
  console.log(`  ${describeTx(tx)}`);
});
