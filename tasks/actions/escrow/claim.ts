import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { openContext, type ContextOptions } from "../../lib/context.js";
import { dealContext, eventIn, hashSecret, parseDealId, parseSecret, requireNotFinal } from "../../lib/escrow.js";
import { TaskUserError, userFacing } from "../../lib/errors.js";
import { describeTx, send } from "../../lib/tx.js";

interface ClaimArgs extends ContextOptions {
  deal: string;
  secret: string;
}

export default userFacing(async (args: ClaimArgs, hre: HardhatRuntimeEnvironment) => {
  const dealId = parseDealId("deal", args.deal);
  const secret = parseSecret("secret", args.secret);

  const d = await dealContext(await openContext(hre, args), dealId);
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
  console.log(`Deal ${dealId}: ${d.deal.status} -> Released (claimed with the secret)`);
  console.log(`  paid ${d.format(amount - fee)} to ${d.deal.terms.payee}, platform fee ${d.format(fee)}`);
  console.log(`  ${describeTx(tx)}`);
});
