import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseAddress, parseAmount } from "../../lib/args.js";
import { openContext, type ContextOptions } from "../../lib/context.js";
import { TaskUserError, userFacing } from "../../lib/errors.js";
import { checkDecimal, formatAmount, resolveTokenAddress, tokenAt } from "../../lib/tokens.js";
import { describeTx, send } from "../../lib/tx.js";

interface MintArgs extends ContextOptions {
  token: string;
  to: string;
  amount: string;
}

export default userFacing(async (args: MintArgs, hre: HardhatRuntimeEnvironment) => {
  if (args.to === "") throw new TaskUserError("--to is required");
  const to = parseAddress("to", args.to);
  checkDecimal("amount", args.amount);

  const ctx = await openContext(hre, args);
  const token = await tokenAt(ctx, resolveTokenAddress(ctx, args.token));
  const [decimals, symbol] = [Number(await token.decimals()), await token.symbol()];
  const amount = parseAmount("amount", args.amount, decimals);
  const tx = await send(token, token.mint, [to, amount], "Transfer");
  const balance = await token.balanceOf(to);
  console.log(
    `Minted ${formatAmount(amount, { decimals, symbol })} to ${to}: balance ${formatAmount(balance, { decimals, symbol })}`,
  );
  console.log(`  ${describeTx(tx)}`);
});
