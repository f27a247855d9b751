import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseAmount } from "../../lib/args.js";
import type { ContextOptions } from "../../lib/context.js";
import { hreDependencies, type ActionDependencies } from "../../lib/dependencies.js";
import { userFacing } from "../../lib/errors.js";
import { checkDecimal, formatAmount, resolveSpender, resolveTokenAddress, tokenAt } from "../../lib/tokens.js";
import { describeTx, send } from "../../lib/tx.js";

export interface ApproveArgs extends ContextOptions {
  token: string;
  spender: string;
  amount: string;
}

export async function approveToken(args: ApproveArgs, deps: ActionDependencies): Promise<void> {
  checkDecimal("amount", args.amount);

  const ctx = await deps.openContext();
  const spender = resolveSpender(ctx, args.spender);
  const token = await tokenAt(ctx, resolveTokenAddress(ctx, args.token));
  const [decimals, symbol] = [Number(await token.decimals()), await token.symbol()];
  // Zero is a revocation: the one way to take back an allowance.
  const amount = parseAmount("amount", args.amount, decimals, { allowZero: true });
  const tx = await send(token, token.approve, [spender, amount], "Approval");
  deps.print.line(
    amount === 0n
      ? `${ctx.signer.address} revoked the allowance of ${spender}`
      : `${ctx.signer.address} approved ${spender} for ${formatAmount(amount, { decimals, symbol })}`,
  );
  deps.print.line(`  ${describeTx(tx)}`);
}

export default userFacing((args: ApproveArgs, hre: HardhatRuntimeEnvironment) =>
  approveToken(args, hreDependencies(hre, args)),
);
