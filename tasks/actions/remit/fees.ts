import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseAddress, parseAmount, parseId } from "../../lib/args.js";
import { openContext, type ContextOptions } from "../../lib/context.js";
import { TaskUserError, userFacing } from "../../lib/errors.js";
import { formatId } from "../../lib/registry.js";
import { remittanceOf } from "../../lib/remittance.js";
import { formatAmount, resolveToken } from "../../lib/tokens.js";
import { describeTx, send } from "../../lib/tx.js";

interface FeesArgs extends ContextOptions {
  provider: string;
  token: string;
  amount: string;
  to: string;
}

export default userFacing(async (args: FeesArgs, hre: HardhatRuntimeEnvironment) => {
  const provider = parseId("provider", args.provider);
  const to = args.to === "" ? undefined : parseAddress("to", args.to);

  const ctx = await openContext(hre, args);
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
  console.log(
    `Withdrew ${formatAmount(amount, token)} of platform fees (earned via ${formatId(provider)}) to ${recipient}`,
  );
  console.log(`  ${describeTx(tx)}`);
});
