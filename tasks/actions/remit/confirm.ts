import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseHashOrText } from "../../lib/args.js";
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
import { gaslessOf, type GaslessArgs } from "../../lib/gasless.js";
import { describeTx, send } from "../../lib/tx.js";

interface ConfirmArgs extends ContextOptions, GaslessArgs {
  id: string;
  payoutRef: string;
}

export default userFacing(async (args: ConfirmArgs, hre: HardhatRuntimeEnvironment) => {
  const id = parseRemittanceId(args.id);
  const payoutRef = parseHashOrText("payout-ref", args.payoutRef);

  const ctx = await openContext(hre, args);
  const remittance = await remittanceOf(ctx);
  const history = await requireRemittance(ctx, id);
  requirePending(history);
  const { record } = history;
  await requireReceiverMember(ctx, history, "confirm");
  const tx = await send(
    remittance,
    remittance.confirmPayout,
    [record, payoutRef],
    "RemittancePaidOut",
    gaslessOf(ctx, args),
  );
  const tokens = tokenBook(ctx);
  const [source, destination] = [await tokens(record.sourceToken), await tokens(record.destinationToken)];
  console.log(`Remittance ${id}: Initiated -> PaidOut`);
  console.log(`  ${formatId(record.receivingTenant)} credited ${formatAmount(record.destinationAmount, destination)}`);
  console.log(`  ${formatId(record.provider)} credited ${formatAmount(record.sourceAmount, source)}`);
  console.log(`  platform fee ${formatAmount(record.fee, source)}`);
  console.log(`  ${describeTx(tx)}`);
});
