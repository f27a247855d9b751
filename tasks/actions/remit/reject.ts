import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseUint } from "../../lib/args.js";
import { openContext, type ContextOptions } from "../../lib/context.js";
import { userFacing } from "../../lib/errors.js";
import { formatId } from "../../lib/registry.js";
import {
  parseRemittanceId,
  remittanceOf,
  requirePending,
  requireReceiverMember,
  requireRemittance,
} from "../../lib/remittance.js";
import { formatAmount, tokenBook } from "../../lib/tokens.js";
import { describeTx, send } from "../../lib/tx.js";

interface RejectArgs extends ContextOptions {
  id: string;
  reason: string;
}

export default userFacing(async (args: RejectArgs, hre: HardhatRuntimeEnvironment) => {
  const id = parseRemittanceId(args.id);
  const reason = parseUint("reason", args.reason, 2n ** 32n - 1n);

  const ctx = await openContext(hre, args);
  const remittance = await remittanceOf(ctx);
  const history = await requireRemittance(ctx, id);
  requirePending(history);
  const { record } = history;
  await requireReceiverMember(ctx, history, "reject");
  const tx = await send(remittance, remittance.reject, [record, reason], "RemittanceRejected");
  const tokens = tokenBook(ctx);
  const [source, destination] = [await tokens(record.sourceToken), await tokens(record.destinationToken)];
  console.log(`Remittance ${id}: Initiated -> Rejected (reason ${reason})`);
  console.log(`  ${formatId(record.sendingTenant)} refunded ${formatAmount(record.sourceAmount, source)}`);
  // The fee pays the provider for the rate and liquidity it held: a firm quote is no free option.
  console.log(`  ${formatId(record.provider)} kept the fee ${formatAmount(record.fee, source)}`);
  console.log(`  ${formatId(record.provider)} released ${formatAmount(record.destinationAmount, destination)}`);
  console.log(`  ${describeTx(tx)}`);
});
