import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseAmount } from "../../lib/args.js";
import type { ContextOptions } from "../../lib/context.js";
import { hreDependencies, type ActionDependencies } from "../../lib/dependencies.js";
import { TaskUserError, userFacing } from "../../lib/errors.js";
import { formatId } from "../../lib/registry.js";
import { chainNow, remittanceOf, requireLedgerMember } from "../../lib/remittance.js";
import { formatAmount, resolveToken, signPermit } from "../../lib/tokens.js";
import { registryOf } from "../../lib/tenants.js";
import { describeTx, send } from "../../lib/tx.js";

export interface DepositArgs extends ContextOptions {
  token: string;
  amount: string;
}

export async function depositLiquidity(args: DepositArgs, deps: ActionDependencies): Promise<void> {
  const ctx = await deps.openContext();
  const token = await resolveToken(ctx, "token", args.token);
  const amount = parseAmount("amount", args.amount, token.decimals);
  const remittance = await remittanceOf(ctx);
  const registry = await registryOf(ctx);
  const tenantId = await requireLedgerMember(registry, ctx.signer.address, true);

  const erc20 = await ctx.ethers.getContractAt("SettlementToken", token.address, ctx.signer);
  const held = await erc20.balanceOf(ctx.signer.address);
  if (held < amount) {
    throw new TaskUserError(
      `${ctx.signer.address} holds only ${formatAmount(held, token)}, not ${formatAmount(amount, token)}`,
    );
  }
  const spender = await remittance.getAddress();
  let tx;
  if ((await erc20.allowance(ctx.signer.address, spender)) >= amount) {
    tx = await send(remittance, remittance.deposit, [token.address, amount], "Deposited");
  } else {
    // No allowance: sign an EIP-2612 permit (one transaction instead of approve + deposit).
    const deadline = (await chainNow(ctx.ethers.provider)) + 3600n;
    const signature = await signPermit(erc20, ctx.signer, spender, amount, deadline).catch(() => {
      throw new TaskUserError(`${token.symbol} supports no permit: approve ${spender} for the amount first`);
    });
    tx = await send(
      remittance,
      remittance.depositWithPermit,
      [token.address, amount, deadline, signature.v, signature.r, signature.s],
      "Deposited",
    );
  }
  const available = await remittance.balanceOf(tenantId, token.address);
  deps.print.line(`Deposited ${formatAmount(amount, token)} into ${formatId(tenantId)}'s ledger`);
  deps.print.line(`  available now ${formatAmount(available, token)}`);
  deps.print.line(`  ${describeTx(tx)}`);
}

export default userFacing((args: DepositArgs, hre: HardhatRuntimeEnvironment) =>
  depositLiquidity(args, hreDependencies(hre, args)),
);
