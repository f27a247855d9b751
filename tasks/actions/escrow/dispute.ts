import { ZeroAddress } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { openContext, type ContextOptions } from "../../lib/context.js";
import { dealContext, parseDealId, requireNotFinal } from "../../lib/escrow.js";
import { TaskUserError, userFacing } from "../../lib/errors.js";
import { describeTx, send } from "../../lib/tx.js";

interface DealArgs extends ContextOptions {
  deal: string;
}

export default userFacing(async (args: DealArgs, hre: HardhatRuntimeEnvironment) => {
  const dealId = parseDealId("deal", args.deal);

  const d = await dealContext(await openContext(hre, args), dealId);
  requireNotFinal(d.deal, "dispute it");
  if (d.deal.terms.arbiter === ZeroAddress)
    throw new TaskUserError(`deal ${dealId} names no arbiter, so it cannot be disputed`);
  const tx = await send(d.escrow, d.escrow.dispute, [d.deal.terms], "DealDisputed");
  console.log(`Deal ${dealId}: ${d.deal.status} -> Disputed`);
  console.log(`  the arbiter ${d.deal.terms.arbiter} decides how the remainder is split`);
  console.log(`  ${describeTx(tx)}`);
});
