import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseUint } from "../../lib/args.js";
import type { ContextOptions } from "../../lib/context.js";
import { hreDependencies, type ActionDependencies } from "../../lib/dependencies.js";
import { dealContext, eventIn, parseDealId, requireNotFinal } from "../../lib/escrow.js";
import { TaskUserError, userFacing } from "../../lib/errors.js";
import { describeTx, send } from "../../lib/tx.js";

export interface ResolveArgs extends ContextOptions {
  deal: string;
  payeeBps: string;
}

export async function resolveDeal(args: ResolveArgs, deps: ActionDependencies): Promise<void> {
  const dealId = parseDealId("deal", args.deal);
  if (args.payeeBps === "") throw new TaskUserError("--payee-bps is required (0 to 10000)");
  const payeeBps = parseUint("payee-bps", args.payeeBps, 10_000n);

  const d = await dealContext(await deps.openContext(), dealId);
  requireNotFinal(d.deal, "resolve it");
  const tx = await send(d.escrow, d.escrow.resolve, [d.deal.terms, payeeBps], "DealResolved");
  const resolved = eventIn(d.escrow, tx.receipt, "DealResolved");
  deps.print.line(`Deal ${dealId}: ${d.deal.status} -> Resolved (${Number(payeeBps) / 100}% to the payee)`);
  deps.print.line(`  payee ${d.deal.terms.payee} receives ${d.format(resolved.payeeAmount as bigint)}`);
  deps.print.line(`  payer ${d.deal.terms.payer} receives ${d.format(resolved.payerAmount as bigint)}`);
  deps.print.line(`  platform fee ${d.format(resolved.fee as bigint)}`);
  deps.print.line(`  ${describeTx(tx)}`);
}

export default userFacing((args: ResolveArgs, hre: HardhatRuntimeEnvironment) =>
  resolveDeal(args, hreDependencies(hre, args)),
);
