import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseAddress } from "../../lib/args.js";
import { openContext, type ContextOptions } from "../../lib/context.js";
import { userFacing } from "../../lib/errors.js";
import { formatAmount, resolveTokenAddress, SPENDER_KEYS, tokenAt } from "../../lib/tokens.js";

interface BalanceArgs extends ContextOptions {
  token: string;
  account: string;
}

export default userFacing(async (args: BalanceArgs, hre: HardhatRuntimeEnvironment) => {
  const ctx = await openContext(hre, args);
  const account = args.account === "" ? ctx.signer.address : parseAddress("account", args.account);
  const token = await tokenAt(ctx, resolveTokenAddress(ctx, args.token));
  const [decimals, symbol] = [Number(await token.decimals()), await token.symbol()];
  const format = (amount: bigint) => formatAmount(amount, { decimals, symbol });
  console.log(`${account} holds ${format(await token.balanceOf(account))}`);
  for (const [name, key] of Object.entries(SPENDER_KEYS)) {
    // A partial deployment (registry and tokens only) simply has no allowance to show.
    if (!ctx.platform.has(key)) continue;
    const spender = ctx.address(key);
    console.log(`  allowance to ${name.padEnd(10)} ${format(await token.allowance(account, spender))}`);
  }
});
