import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseUint } from "../../lib/args.js";
import { openContext, type ContextOptions } from "../../lib/context.js";
import { dealContext, eventIn, parseDealId, requireNotFinal } from "../../lib/escrow.js";
import { TaskUserError, userFacing } from "../../lib/errors.js";
import { describeTx, send } from "../../lib/tx.js";

interface ResolveArgs extends ContextOptions {
  deal: string;
  payeeBps: string;
}

export default userFacing(async (args: ResolveArgs, hre: HardhatRuntimeEnvironment) => {
  const dealId = parseDealId("deal", args.deal);
  if (args.payeeBps === "") throw new TaskUserError("--payee-bps is required (0 to 10000)");
  const payeeBps = parseUint("payee-bps", args.payeeBps, 10_000n);

  const d = await dealContext(await openContext(hre, args), dealId);
  requireNotFinal(d.deal, "resolve it");
  const tx = await send(d.escrow, d.escrow.resolve, [d.deal.terms, payeeBps], "DealResolved");
  const resolved = eventIn(d.escrow, tx.receipt, "DealResolved");
  console.log(`Deal ${dealId}: ${d.deal.status} -> Resolved (${Number(payeeBps) / 100}% to the payee)`);
  console.log(`  payee ${d.deal.terms.payee} receives ${d.format(resolved.payeeAmount as bigint)}`);
  console.log(`  payer ${d.deal.terms.payer} receives ${d.format(resolved.payerAmount as bigint)}`);
  console.log(`  platform fee ${d.format(resolved.fee as bigint)}`);
  console.log(`  ${describeTx(tx)}`);
});
