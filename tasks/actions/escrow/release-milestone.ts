import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { openContext, type ContextOptions } from "../../lib/context.js";
import { dealContext, eventIn, parseDealId, requireNotFinal } from "../../lib/escrow.js";
import { TaskUserError, userFacing } from "../../lib/errors.js";
import { describeTx, send } from "../../lib/tx.js";

interface DealArgs extends ContextOptions {
  deal: string;
}

export default userFacing(async (args: DealArgs, hre: HardhatRuntimeEnvironment) => {
  const dealId = parseDealId("deal", args.deal);

  const d = await dealContext(await openContext(hre, args), dealId);
  requireNotFinal(d.deal, "release a milestone");
  if (d.deal.milestones.length === 0)
    throw new TaskUserError(`deal ${dealId} has no milestones: use \`escrow release\``);
  const tx = await send(d.escrow, d.escrow.releaseMilestone, [d.deal.terms, d.deal.milestones], "MilestoneReleased");
  const released = eventIn(d.escrow, tx.receipt, "MilestoneReleased");
  const index = Number(released.index);
  const amount = released.amount as bigint;
  const fee = released.fee as bigint;
  const remaining = released.remaining as bigint;
  const count = d.deal.milestones.length;
  console.log(`Deal ${dealId}: milestone ${index + 1} of ${count} released`);
  console.log(`  paid ${d.format(amount - fee)} to ${d.deal.terms.payee}, platform fee ${d.format(fee)}`);
  console.log(`  remaining ${d.format(remaining)}; status ${remaining === 0n ? "Released" : d.deal.status}`);
  console.log(`  ${describeTx(tx)}`);
});
