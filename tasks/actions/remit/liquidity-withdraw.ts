import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseAddress, parseAmount } from "../../lib/args.js";
import type { ContextOptions } from "../../lib/context.js";
import { hreDependencies, type ActionDependencies } from "../../lib/dependencies.js";
import { TaskUserError, userFacing } from "../../lib/errors.js";
import { formatId } from "../../lib/registry.js";
import { remittanceOf, requireWithdrawer } from "../../lib/remittance.js";
import { formatAmount, resolveToken } from "../../lib/tokens.js";
import { registryOf } from "../../lib/tenants.js";
import { describeTx, send } from "../../lib/tx.js";

export interface WithdrawArgs extends ContextOptions {
  token: string;
  amount: string;
  to: string;
}

export async function withdrawLiquidity(args: WithdrawArgs, deps: ActionDependencies): Promise<void> {
  const to = args.to === "" ? undefined : parseAddress("to", args.to);
  const ctx = await deps.openContext();
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
  deps.print.line(`Withdrew ${formatAmount(amount, token)} from ${formatId(tenantId)}'s ledger to ${recipient}`);
  deps.print.line(`  available now ${formatAmount(available - amount, token)}`);
  deps.print.line(`  ${describeTx(tx)}`);
}

export default userFacing((args: WithdrawArgs, hre: HardhatRuntimeEnvironment) =>
  withdrawLiquidity(args, hreDependencies(hre, args)),
);
