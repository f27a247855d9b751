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
  requireNotFinal(d.deal, "release it");
  const tx = await send(d.escrow, d.escrow.release, [d.deal.terms], "DealReleased");
  const released = eventIn(d.escrow, tx.receipt, "DealReleased");
  const amount = released.amount as bigint;
  const fee = released.fee as bigint;
  console.log(`Deal ${dealId}: ${d.deal.status} -> Released`);
  console.log(`  paid ${d.format(amount - fee)} to ${d.deal.terms.payee}, platform fee ${d.format(fee)}`);
  console.log(`  ${describeTx(tx)}`);
});
