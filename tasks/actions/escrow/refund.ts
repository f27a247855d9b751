import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { openContext, type ContextOptions } from "../../lib/context.js";
import { dealContext, eventIn, parseDealId, requireNotFinal } from "../../lib/escrow.js";
import { userFacing } from "../../lib/errors.js";
import { describeTx, send } from "../../lib/tx.js";

interface DealArgs extends ContextOptions {
  deal: string;
}

export default userFacing(async (args: DealArgs, hre: HardhatRuntimeEnvironment) => {
  const dealId = parseDealId("deal", args.deal);

  const d = await dealContext(await openContext(hre, args), dealId);
  requireNotFinal(d.deal, "refund it");
  const tx = await send(d.escrow, d.escrow.refund, [d.deal.terms], "DealRefunded");
  const refunded = eventIn(d.escrow, tx.receipt, "DealRefunded");
  console.log(`Deal ${dealId}: ${d.deal.status} -> Refunded`);
  console.log(`  returned ${d.format(refunded.amount as bigint)} to ${d.deal.terms.payer}, no fee`);
  console.log(`  ${describeTx(tx)}`);
});
