import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseAmount } from "../../lib/args.js";
import { openContext, type ContextOptions } from "../../lib/context.js";
import { userFacing } from "../../lib/errors.js";
import { checkDecimal, formatAmount, resolveSpender, resolveTokenAddress, tokenAt } from "../../lib/tokens.js";
import { describeTx, send } from "../../lib/tx.js";

interface ApproveArgs extends ContextOptions {
  token: string;
  spender: string;
  amount: string;
}

export default userFacing(async (args: ApproveArgs, hre: HardhatRuntimeEnvironment) => {
  checkDecimal("amount", args.amount);

  const ctx = await openContext(hre, args);
  const spender = resolveSpender(ctx, args.spender);
  const token = await tokenAt(ctx, resolveTokenAddress(ctx, args.token));
  const [decimals, symbol] = [Number(await token.decimals()), await token.symbol()];
  // Zero is a revocation: the one way to take back an allowance.
  const amount = parseAmount("amount", args.amount, decimals, { allowZero: true });
  const tx = await send(token, token.approve, [spender, amount], "Approval");
  console.log(
    amount === 0n
      ? `${ctx.signer.address} revoked the allowance of ${spender}`
      : `${ctx.signer.address} approved ${spender} for ${formatAmount(amount, { decimals, symbol })}`,
  );
  console.log(`  ${describeTx(tx)}`);
});
