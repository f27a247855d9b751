import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseAddress, parseAmount } from "../../lib/args.js";
import type { ContextOptions } from "../../lib/context.js";
import { hreDependencies, type ActionDependencies } from "../../lib/dependencies.js";
import { TaskUserError, userFacing } from "../../lib/errors.js";
import { checkDecimal, formatAmount, resolveTokenAddress, tokenAt } from "../../lib/tokens.js";
import { describeTx, send } from "../../lib/tx.js";

export interface MintArgs extends ContextOptions {
  token: string;
  to: string;
  amount: string;
}

export async function mintToken(args: MintArgs, deps: ActionDependencies): Promise<void> {
  if (args.to === "") throw new TaskUserError("--to is required");
  const to = parseAddress("to", args.to);
  checkDecimal("amount", args.amount);

  const ctx = await deps.openContext();
  const token = await tokenAt(ctx, resolveTokenAddress(ctx, args.token));
  const [decimals, symbol] = [Number(await token.decimals()), await token.symbol()];
  const amount = parseAmount("amount", args.amount, decimals);
  const tx = await send(token, token.mint, [to, amount], "Transfer");
  const balance = await token.balanceOf(to);
  deps.print.line(
    `Minted ${formatAmount(amount, { decimals, symbol })} to ${to}: balance ${formatAmount(balance, { decimals, symbol })}`,
  );
  deps.print.line(`  ${describeTx(tx)}`);
}

export default userFacing((args: MintArgs, hre: HardhatRuntimeEnvironment) =>
  mintToken(args, hreDependencies(hre, args)),
);
