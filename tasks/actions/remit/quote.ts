import { access, constants, stat, writeFile } from "node:fs/promises";
import path from "node:path";

import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseAmount, parseDuration, parseHashOrText, parseId, parseUint } from "../../lib/args.js";
import { openContext, type ContextOptions } from "../../lib/context.js";
import { TaskUserError, userFacing } from "../../lib/errors.js";
import { corridorFee } from "../../../client/amounts.js";
import { signQuote } from "../../../client/eip712/quote.js";
import { QuoteError } from "../../../client/errors.js";
import { buildQuote, priceDestination, serializeSignedQuote } from "../../../client/quote-file.js";
import { formatId, Roles } from "../../lib/registry.js";
import { chainNow, formatTime, remittanceOf, requireCorridor } from "../../lib/remittance.js";
import { formatAmount, tokenBook } from "../../lib/tokens.js";
import { registryOf, requireTenant } from "../../lib/tenants.js";

interface QuoteArgs extends ContextOptions {
  corridor: string;
  sender: string;
  receiver: string;
  holdFor: string;
  clientRef: string;
  amount: string;
  rate: string;
  spreadBps: string;
  destinationAmount: string;
  expiresIn: string;
  out: string;
}

export default userFacing(async (args: QuoteArgs, hre: HardhatRuntimeEnvironment) => {
  const corridorId = parseId("corridor", args.corridor);
  const sendingTenant = parseId("sender", args.sender);
  const receivingTenant = parseId("receiver", args.receiver);
  if (receivingTenant === sendingTenant) throw new TaskUserError("--receiver must be another operator than --sender");
  const clientRef = parseHashOrText("client-ref", args.clientRef);
  if ((args.rate === "") === (args.destinationAmount === "")) {
    throw new TaskUserError("give exactly one of --rate and --destination-amount");
  }
  const spreadBps = parseUint("spread-bps", args.spreadBps, 9_999n);
  if (args.out !== "") await requireWritable(args.out);
  const validity = parseDuration("expires-in", args.expiresIn);
  if (validity === 0n) throw new TaskUserError("--expires-in must be longer than zero");
  if (args.amount === "") throw new TaskUserError("--amount is required");

  const ctx = await openContext(hre, args);
  const remittance = await remittanceOf(ctx);
  const registry = await registryOf(ctx);
  const corridor = await requireCorridor(remittance, corridorId);
  if (!corridor.enabled) throw new TaskUserError(`corridor ${formatId(corridorId)} is disabled`);
  const tokens = tokenBook(ctx);
  const [source, destination] = [await tokens(corridor.sourceToken), await tokens(corridor.destinationToken)];
  const sourceAmount = parseAmount("amount", args.amount, source.decimals);
  if (sourceAmount < corridor.minAmount || sourceAmount > corridor.maxAmount) {
    throw new TaskUserError(
      `${formatAmount(sourceAmount, source)} is outside corridor ${formatId(corridorId)}'s limits: ` +
        `${formatAmount(corridor.minAmount, source)} to ${formatAmount(corridor.maxAmount, source)} per remittance`,
    );
  }
  await requireTenant(registry, sendingTenant);
  const member = await registry.memberOf(ctx.signer.address);
  const lp = Roles["liquidity-provider"];
  if (member.tenantId !== corridor.provider || (Number(member.tenantRoles) & Number(member.memberRoles) & lp) === 0) {
    throw new TaskUserError(
      `${ctx.signer.address} is not a liquidity-provider member of ${formatId(corridor.provider)}, ` +
        `the provider of ${formatId(corridorId)}: its quotes would be refused`,
    );
  }

  let destinationAmount: bigint;
  try {
    destinationAmount =
      args.rate !== ""
        ? priceDestination(sourceAmount, args.rate, spreadBps, {
            source: source.decimals,
            destination: destination.decimals,
          })
        : parseAmount("destination-amount", args.destinationAmount, destination.decimals);
  } catch (error) {
    if (error instanceof QuoteError) throw new TaskUserError(error.shortMessage);
    throw error;
  }
  if (destinationAmount === 0n) throw new TaskUserError("the destination amount rounds to zero");
  const liquidity = await remittance.balanceOf(corridor.provider, corridor.destinationToken);
  if (liquidity < destinationAmount) {
    throw new TaskUserError(
      `${formatId(corridor.provider)} has ${formatAmount(liquidity, destination)} available, ` +
        `not the ${formatAmount(destinationAmount, destination)} this quote promises: deposit liquidity first`,
    );
  }

  const now = await chainNow(ctx.ethers.provider);
  const expiry = now + validity;
  const latestDeadline =
    args.holdFor === "" ? expiry + corridor.settlementWindow : now + parseDuration("hold-for", args.holdFor);
  if (latestDeadline < now + corridor.minReceiverWindow) {
    throw new TaskUserError(
      `--hold-for must leave the receiver at least the corridor's ${corridor.minReceiverWindow}s to confirm`,
    );
  }
  const quote = buildQuote({
    corridorId,
    sendingTenant,
    receivingTenant,
    clientRef,
    sourceAmount,
    destinationAmount,
    fee: corridorFee(corridor, sourceAmount),
    expiry,
    latestDeadline,
  });
  const signed = await signQuote(
    ctx.signer,
    { chainId: ctx.chainId, verifyingContract: await remittance.getAddress() },
    quote,
    clientRef,
  );
  const json = serializeSignedQuote(signed);
  console.log(`Quote ${quote.quoteId} for ${formatId(sendingTenant)} on ${formatId(corridorId)}`);
  console.log(`  pay      ${formatAmount(sourceAmount, source)} + fee ${formatAmount(quote.fee, source)}`);
  console.log(`  receive  ${formatAmount(destinationAmount, destination)}`);
  console.log(`  to       ${formatId(receivingTenant)}`);
  console.log(
    `  expires  ${formatTime(quote.expiry)} (in ${validity}s); deadline at the latest ${formatTime(latestDeadline)}`,
  );
  console.log(`  signed by ${signed.signer} for ${formatId(corridor.provider)}`);
  if (args.out === "") {
    console.log(json);
  } else {
    await writeFile(args.out, json);
    console.log(`  written to ${args.out}`);
  }
});

/** Refuses an --out file that cannot be written, before anything is read or signed. */
async function requireWritable(file: string): Promise<void> {
  const existing = await stat(file).catch(() => undefined);
  if (existing?.isDirectory() === true) throw new TaskUserError(`--out ${file} is a directory, not a file`);
  try {
    await access(existing === undefined ? path.dirname(path.resolve(file)) : file, constants.W_OK);
  } catch {
    throw new TaskUserError(`--out ${file} cannot be written (missing folder or no permission)`);
  }
}
