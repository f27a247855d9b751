import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import type { ContextOptions } from "../../lib/context.js";
import { hreDependencies, type ActionDependencies } from "../../lib/dependencies.js";
import { dealContext, eventIn, hashSecret, parseDealId, parseSecret, requireNotFinal } from "../../lib/escrow.js";
import { TaskUserError, userFacing } from "../../lib/errors.js";
import { describeTx, send } from "../../lib/tx.js";

export interface ClaimArgs extends ContextOptions {
  deal: string;
  secret: string;
}

export async function claimDeal(args: ClaimArgs, deps: ActionDependencies): Promise<void> {
  const dealId = parseDealId("deal", args.deal);
  const secret = parseSecret("secret", args.secret);

  const d = await dealContext(await deps.openContext(), dealId);
  requireNotFinal(d.deal, "claim it");
  const { hashlock, hashFunction } = d.deal.terms;
  if (BigInt(hashlock) === 0n)
    throw new TaskUserError(`deal ${dealId} has no hashlock: nothing to claim with a secret`);
  const fn = hashFunction === 1n ? "sha256" : "keccak256";
  if (hashSecret(secret, fn) !== hashlock)
    throw new TaskUserError(`--secret does not open the hashlock: its ${fn} is ${hashSecret(secret, fn)}`);
  const tx = await send(d.escrow, d.escrow.claim, [d.deal.terms, secret], "DealClaimed");
  const claimed = eventIn(d.escrow, tx.receipt, "DealClaimed");
  const amount = claimed.amount as bigint;
  const fee = claimed.fee as bigint;
  deps.print.line(`Deal ${dealId}: ${d.deal.status} -> Released (claimed with the secret)`);
  deps.print.line(`  paid ${d.format(amount - fee)} to ${d.deal.terms.payee}, platform fee ${d.format(fee)}`);
  deps.print.line(`  ${describeTx(tx)}`);
}

export default userFacing((args: ClaimArgs, hre: HardhatRuntimeEnvironment) =>
  claimDeal(args, hreDependencies(hre, args)),
);
