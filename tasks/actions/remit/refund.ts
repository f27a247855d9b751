import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { openContext, type ContextOptions } from "../../lib/context.js";
import { checkRefundable, unwrap } from "../../../client/preflight.js";
import { userFacing } from "../../lib/errors.js";
import { formatId } from "../../lib/registry.js";
import { chainNow, parseRemittanceId, remittanceOf, requirePending, requireRemittance } from "../../lib/remittance.js";
import { formatAmount, tokenBook } from "../../lib/tokens.js";
import { describeTx, send } from "../../lib/tx.js";

interface RefundArgs extends ContextOptions {
  id: string;
}

export default userFacing(async (args: RefundArgs, hre: HardhatRuntimeEnvironment) => {
  const id = parseRemittanceId(args.id);

  const ctx = await openContext(hre, args);
  const remittance = await remittanceOf(ctx);
  const history = await requireRemittance(ctx, id);
  requirePending(history);
  const { record } = history;
  unwrap(checkRefundable(history, await chainNow(ctx.platform.provider)));
  const tx = await send(remittance, remittance.refundExpired, [record], "RemittanceExpired");
  const tokens = tokenBook(ctx);
  const [source, destination] = [await tokens(record.sourceToken), await tokens(record.destinationToken)];
  console.log(`Remittance ${id}: Initiated -> Expired (refunded)`);
  console.log(`  ${formatId(record.sendingTenant)} refunded ${formatAmount(record.sourceAmount, source)}`);
  // The fee pays the provider for the rate and liquidity it held: a firm quote is no free option.
  console.log(`  ${formatId(record.provider)} kept the fee ${formatAmount(record.fee, source)}`);
  console.log(`  ${formatId(record.provider)} released ${formatAmount(record.destinationAmount, destination)}`);
  console.log(`  ${describeTx(tx)}`);
});
