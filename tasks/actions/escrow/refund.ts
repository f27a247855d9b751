import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import type { ContextOptions } from "../../lib/context.js";
import { hreDependencies, type ActionDependencies } from "../../lib/dependencies.js";
import { dealContext, eventIn, parseDealId, requireNotFinal } from "../../lib/escrow.js";
import { userFacing } from "../../lib/errors.js";
import { describeTx, send } from "../../lib/tx.js";

export interface DealArgs extends ContextOptions {
  deal: string;
}

export async function refundDeal(args: DealArgs, deps: ActionDependencies): Promise<void> {
  const dealId = parseDealId("deal", args.deal);

  const d = await dealContext(await deps.openContext(), dealId);
  requireNotFinal(d.deal, "refund it");
  const tx = await send(d.escrow, d.escrow.refund, [d.deal.terms], "DealRefunded");
  const refunded = eventIn(d.escrow, tx.receipt, "DealRefunded");
  deps.print.line(`Deal ${dealId}: ${d.deal.status} -> Refunded`);
  deps.print.line(`  returned ${d.format(refunded.amount as bigint)} to ${d.deal.terms.payer}, no fee`);
  deps.print.line(`  ${describeTx(tx)}`);
}

export default userFacing((args: DealArgs, hre: HardhatRuntimeEnvironment) =>
  refundDeal(args, hreDependencies(hre, args)),
);
