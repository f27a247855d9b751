import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseAddress, parseAmount, parseId } from "../../lib/args.js";
import type { ContextOptions } from "../../lib/context.js";
import { hreDependencies, type ActionDependencies } from "../../lib/dependencies.js";
import { TaskUserError, userFacing } from "../../lib/errors.js";
import { formatId } from "../../lib/registry.js";
import { remittanceOf } from "../../lib/remittance.js";
import { formatAmount, resolveToken } from "../../lib/tokens.js";
import { describeTx, send } from "../../lib/tx.js";

export interface FeesArgs extends ContextOptions {
  provider: string;
  token: string;
  amount: string;
  to: string;
}

export async function claimFees(args: FeesArgs, deps: ActionDependencies): Promise<void> {
  const provider = parseId("provider", args.provider);
  const to = args.to === "" ? undefined : parseAddress("to", args.to);

  const ctx = await deps.openContext();
  const token = await resolveToken(ctx, "token", args.token);
  const remittance = await remittanceOf(ctx);
  const collector = await remittance.feeCollector();
  if (collector !== ctx.signer.address) {
    throw new TaskUserError(`only the fee collector ${collector} can withdraw fees; pass it with --from`);
  }
  const accrued = await remittance.feesAccrued(provider, token.address);
  const amount = args.amount === "" ? accrued : parseAmount("amount", args.amount, token.decimals);
  if (amount === 0n) throw new TaskUserError(`no ${token.symbol} fees accrued in ${formatId(provider)}'s entry`);
  if (amount > accrued) {
    throw new TaskUserError(`only ${formatAmount(accrued, token)} of fees accrued in ${formatId(provider)}'s entry`);
  }
  const recipient = to ?? ctx.signer.address;
  const tx = await send(
    remittance,
    remittance.withdrawFees,
    [provider, token.address, amount, recipient],
    "FeesWithdrawn",
  );
  deps.print.line(
    `Withdrew ${formatAmount(amount, token)} of platform fees (earned via ${formatId(provider)}) to ${recipient}`,
  );
  deps.print.line(`  ${describeTx(tx)}`);
}

export default userFacing((args: FeesArgs, hre: HardhatRuntimeEnvironment) =>
  claimFees(args, hreDependencies(hre, args)),
);
