import { ZeroAddress } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import type { ContextOptions } from "../../lib/context.js";
import { hreDependencies, type ActionDependencies } from "../../lib/dependencies.js";
import { dealContext, parseDealId, requireNotFinal } from "../../lib/escrow.js";
import { TaskUserError, userFacing } from "../../lib/errors.js";
import { describeTx, send } from "../../lib/tx.js";

export interface DealArgs extends ContextOptions {
  deal: string;
}

export async function disputeDeal(args: DealArgs, deps: ActionDependencies): Promise<void> {
  const dealId = parseDealId("deal", args.deal);

  const d = await dealContext(await deps.openContext(), dealId);
  requireNotFinal(d.deal, "dispute it");
  if (d.deal.terms.arbiter === ZeroAddress)
    throw new TaskUserError(`deal ${dealId} names no arbiter, so it cannot be disputed`);
  const tx = await send(d.escrow, d.escrow.dispute, [d.deal.terms], "DealDisputed");
  deps.print.line(`Deal ${dealId}: ${d.deal.status} -> Disputed`);
  deps.print.line(`  the arbiter ${d.deal.terms.arbiter} decides how the remainder is split`);
  deps.print.line(`  ${describeTx(tx)}`);
}

export default userFacing((args: DealArgs, hre: HardhatRuntimeEnvironment) =>
  disputeDeal(args, hreDependencies(hre, args)),
);
