import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import type { ContextOptions } from "../../lib/context.js";
import { hreDependencies, type ActionDependencies } from "../../lib/dependencies.js";
import { checkRefundable, unwrap } from "../../../client/preflight.js";
import { userFacing } from "../../lib/errors.js";
import { formatId } from "../../lib/registry.js";
import { chainNow, parseRemittanceId, remittanceOf, requirePending, requireRemittance } from "../../lib/remittance.js";
import { formatAmount, tokenBook } from "../../lib/tokens.js";
import { describeTx, send } from "../../lib/tx.js";

export interface RefundArgs extends ContextOptions {
  id: string;
}

export async function refundRemittance(args: RefundArgs, deps: ActionDependencies): Promise<void> {
  const id = parseRemittanceId(args.id);

  const ctx = await deps.openContext();
  const remittance = await remittanceOf(ctx);
  const history = await requireRemittance(ctx, id);
  requirePending(history);
  const { record } = history;
  unwrap(checkRefundable(history, await chainNow(ctx.platform.provider)));
  const tx = await send(remittance, remittance.refundExpired, [record], "RemittanceExpired");
  const tokens = tokenBook(ctx);
  const [source, destination] = [await tokens(record.sourceToken), await tokens(record.destinationToken)];
  deps.print.line(`Remittance ${id}: Initiated -> Expired (refunded)`);
  deps.print.line(`  ${formatId(record.sendingTenant)} refunded ${formatAmount(record.sourceAmount, source)}`);
  // The fee pays the provider for the rate and liquidity it held: a firm quote is no free option.
  deps.print.line(`  ${formatId(record.provider)} kept the fee ${formatAmount(record.fee, source)}`);
  deps.print.line(`  ${formatId(record.provider)} released ${formatAmount(record.destinationAmount, destination)}`);
  deps.print.line(`  ${describeTx(tx)}`);
}

export default userFacing((args: RefundArgs, hre: HardhatRuntimeEnvironment) =>
  refundRemittance(args, hreDependencies(hre, args)),
);
