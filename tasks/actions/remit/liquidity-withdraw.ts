import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseAddress, parseAmount } from "../../lib/args.js";
import { openContext, type ContextOptions } from "../../lib/context.js";
import { TaskUserError, userFacing } from "../../lib/errors.js";
import { formatId } from "../../lib/registry.js";
import { remittanceOf, requireWithdrawer } from "../../lib/remittance.js";
import { formatAmount, resolveToken } from "../../lib/tokens.js";
import { registryOf } from "../../lib/tenants.js";
import { describeTx, send } from "../../lib/tx.js";

interface WithdrawArgs extends ContextOptions {
  token: string;
  amount: string;
  to: string;
}

export default userFacing(async (args: WithdrawArgs, hre: HardhatRuntimeEnvironment) => {
  const to = args.to === "" ? undefined : parseAddress("to", args.to);
  const ctx = await openContext(hre, args);
  const token = await resolveToken(ctx, "token", args.token);
  const amount = parseAmount("amount", args.amount, token.decimals);
  const remittance = await remittanceOf(ctx);
  const registry = await registryOf(ctx);
  const tenantId = await requireWithdrawer(registry, ctx.signer.address);
  const available = await remittance.balanceOf(tenantId, token.address);
  if (available < amount) {
    throw new TaskUserError(
      `${formatId(tenantId)} has ${formatAmount(available, token)} available, not ${formatAmount(amount, token)} ` +
        "(what pending remittances lock or reserve cannot be withdrawn)",
    );
  }
  const recipient = to ?? ctx.signer.address;
  const tx = await send(remittance, remittance.withdraw, [token.address, amount, recipient], "Withdrawn");
  console.log(`Withdrew ${formatAmount(amount, token)} from ${formatId(tenantId)}'s ledger to ${recipient}`);
  console.log(`  available now ${formatAmount(available - amount, token)}`);
  console.log(`  ${describeTx(tx)}`);
});
