import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseHashOrText } from "../../lib/args.js";
import { openContext, type ContextOptions } from "../../lib/context.js";
import { TaskUserError, userFacing } from "../../lib/errors.js";
import { formatId } from "../../lib/registry.js";
import {
  chainNow,
  errorSources,
  formatTime,
  parseRemittanceId,
  remittanceOf,
  requirePending,
  requireReceiverMember,
  requireRemittance,
} from "../../lib/remittance.js";
import { formatAmount, tokenBook } from "../../lib/tokens.js";
import { registryOf } from "../../lib/tenants.js";
import { describeTx, send } from "../../lib/tx.js";

interface ConfirmArgs extends ContextOptions {
  id: string;
  payoutRef: string;
}

export default userFacing(async (args: ConfirmArgs, hre: HardhatRuntimeEnvironment) => {
  const id = parseRemittanceId(args.id);
  const payoutRef = parseHashOrText("payout-ref", args.payoutRef);

  const ctx = await openContext(hre, args);
  const remittance = await remittanceOf(ctx);
  const registry = await registryOf(ctx);
  const history = await requireRemittance(remittance, id);
  requirePending(history);
  const { record } = history;
  const now = await chainNow(ctx.ethers.provider);
  if (now >= record.deadline) {
    throw new TaskUserError(
      `the deadline passed at ${formatTime(record.deadline)}: the remittance can only be refunded now (\`remit refund\`)`,
    );
  }
  await requireReceiverMember(registry, ctx.signer.address, record.receivingTenant, "confirm");
  const tx = await send(remittance, remittance.confirmPayout, [record, payoutRef], errorSources(registry));
  const tokens = tokenBook(ctx);
  const [source, destination] = [await tokens(record.sourceToken), await tokens(record.destinationToken)];
  console.log(`Remittance ${id}: Initiated -> PaidOut`);
  console.log(`  ${formatId(record.receivingTenant)} credited ${formatAmount(record.destinationAmount, destination)}`);
  console.log(`  ${formatId(record.provider)} credited ${formatAmount(record.sourceAmount, source)}`);
  console.log(`  platform fee ${formatAmount(record.fee, source)}`);
  console.log(`  ${describeTx(tx)}`);
});
