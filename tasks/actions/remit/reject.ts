import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseUint } from "../../lib/args.js";
import type { ContextOptions } from "../../lib/context.js";
import { hreDependencies, type ActionDependencies } from "../../lib/dependencies.js";
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

export interface RejectArgs extends ContextOptions {
  id: string;
  reason: string;
}

export async function rejectRemittance(args: RejectArgs, deps: ActionDependencies): Promise<void> {
  const id = parseRemittanceId(args.id);
  const reason = parseUint("reason", args.reason, 2n ** 32n - 1n);

  const ctx = await deps.openContext();
  const remittance = await remittanceOf(ctx);
  const history = await requireRemittance(ctx, id);
  requirePending(history);
  const { record } = history;
  await requireReceiverMember(ctx, history, "reject");
  const tx = await send(remittance, remittance.reject, [record, reason], "RemittanceRejected");
  const tokens = tokenBook(ctx);
  const [source, destination] = [await tokens(record.sourceToken), await tokens(record.destinationToken)];
  deps.print.line(`Remittance ${id}: Initiated -> Rejected (reason ${reason})`);
  deps.print.line(`  ${formatId(record.sendingTenant)} refunded ${formatAmount(record.sourceAmount, source)}`);
  // The fee pays the provider for the rate and liquidity it held: a firm quote is no free option.
  deps.print.line(`  ${formatId(record.provider)} kept the fee ${formatAmount(record.fee, source)}`);
  deps.print.line(`  ${formatId(record.provider)} released ${formatAmount(record.destinationAmount, destination)}`);
  deps.print.line(`  ${describeTx(tx)}`);
}

export default userFacing((args: RejectArgs, hre: HardhatRuntimeEnvironment) =>
  rejectRemittance(args, hreDependencies(hre, args)),
);
