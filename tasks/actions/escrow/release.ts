import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { openContext, type ContextOptions } from "../../lib/context.js";
import { dealContext, eventIn, parseDealId, requireNotFinal } from "../../lib/escrow.js";
import { userFacing } from "../../lib/errors.js";
import { gaslessOf, type GaslessArgs } from "../../lib/gasless.js";
import { describeTx, send } from "../../lib/tx.js";

interface DealArgs extends ContextOptions, GaslessArgs {
  deal: string;
}

export default userFacing(async (args: DealArgs, hre: HardhatRuntimeEnvironment) => {
  const dealId = parseDealId("deal", args.deal);

  const ctx = await openContext(hre, args);
  const d = await dealContext(ctx, dealId);
  requireNotFinal(d.deal, "release it");
  const tx = await send(d.escrow, d.escrow.release, [d.deal.terms], "DealReleased", gaslessOf(ctx, args));
  const released = eventIn(d.escrow, tx.receipt, "DealReleased");
  const amount = released.amount as bigint;
  const fee = released.fee as bigint;
  console.log(`Deal ${dealId}: ${d.deal.status} -> Released`);
  console.log(`  paid ${d.format(amount - fee)} to ${d.deal.terms.payee}, platform fee ${d.format(fee)}`);
  console.log(`  ${describeTx(tx)}`);
});
