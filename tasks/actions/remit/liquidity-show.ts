import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseId } from "../../lib/args.js";
import { openContext, type ContextOptions } from "../../lib/context.js";
import { TaskUserError, userFacing } from "../../lib/errors.js";
import { formatId } from "../../lib/registry.js";
import { pendingInvolving } from "../../../client/remittance.js";
import { CURRENCIES } from "../../../client/platform.js";
import { historySource, remittanceOf, requireCorridor } from "../../lib/remittance.js";
import { formatAmount, tokenBook } from "../../lib/tokens.js";
import { registryOf, requireTenant } from "../../lib/tenants.js";

interface ShowArgs extends ContextOptions {
  tenant: string;
}

export default userFacing(async (args: ShowArgs, hre: HardhatRuntimeEnvironment) => {
  let tenantId = args.tenant === "" ? undefined : parseId("tenant", args.tenant);
  const ctx = await openContext(hre, args);
  const registry = await registryOf(ctx);
  if (tenantId === undefined) {
    tenantId = await registry.tenantOf(ctx.signer.address);
    if (tenantId === "0x" + "00".repeat(32)) {
      throw new TaskUserError(`${ctx.signer.address} acts for no tenant: name one with --tenant`);
    }
  }
  await requireTenant(registry, tenantId);
  const remittance = await remittanceOf(ctx);
  const tokens = tokenBook(ctx);

  // The deployment's settlement tokens, and every token a corridor uses.
  const addresses = new Set<string>();
  for (const currency of CURRENCIES) {
    if (ctx.platform.has(currency)) addresses.add(ctx.address(currency));
  }
  for (const id of await remittance.corridorIds(0, await remittance.corridorCount())) {
    const corridor = await requireCorridor(remittance, id);
    addresses.add(corridor.sourceToken);
    addresses.add(corridor.destinationToken);
  }
  const { sent, provided } = await pendingInvolving(historySource(ctx), tenantId);

  console.log(`Settlement ledger of ${formatId(tenantId)}`);
  for (const address of addresses) {
    const token = await tokens(address);
    const locked = sent.filter((r) => r.sourceToken === address).reduce((sum, r) => sum + r.sourceAmount + r.fee, 0n);
    const reserved = provided
      .filter((r) => r.destinationToken === address)
      .reduce((sum, r) => sum + r.destinationAmount, 0n);
    const available = await remittance.balanceOf(tenantId, address);
    const fees = await remittance.feesAccrued(tenantId, address);
    console.log(
      `  ${token.symbol.padEnd(6)} available ${formatAmount(available, token)}` +
        (locked > 0n ? `, locked by pending remittances ${formatAmount(locked, token)}` : "") +
        (reserved > 0n ? `, reserved for pending remittances ${formatAmount(reserved, token)}` : "") +
        (fees > 0n ? `, platform fees held ${formatAmount(fees, token)}` : ""),
    );
  }
});
