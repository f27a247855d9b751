import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import type { ContextOptions } from "../../lib/context.js";
import { hreDependencies, type ActionDependencies } from "../../lib/dependencies.js";
import { dealContext, eventIn, parseDealId, requireNotFinal } from "../../lib/escrow.js";
import { TaskUserError, userFacing } from "../../lib/errors.js";
import { describeTx, send } from "../../lib/tx.js";

export interface DealArgs extends ContextOptions {
  deal: string;
}

export async function releaseMilestone(args: DealArgs, deps: ActionDependencies): Promise<void> {
  const dealId = parseDealId("deal", args.deal);

  const d = await dealContext(await deps.openContext(), dealId);
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
  deps.print.line(`Deal ${dealId}: milestone ${index + 1} of ${count} released`);
  deps.print.line(`  paid ${d.format(amount - fee)} to ${d.deal.terms.payee}, platform fee ${d.format(fee)}`);
  deps.print.line(`  remaining ${d.format(remaining)}; status ${remaining === 0n ? "Released" : d.deal.status}`);
  deps.print.line(`  ${describeTx(tx)}`);
}

export default userFacing((args: DealArgs, hre: HardhatRuntimeEnvironment) =>
  releaseMilestone(args, hreDependencies(hre, args)),
);
