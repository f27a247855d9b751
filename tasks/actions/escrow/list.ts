import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseId } from "../../lib/args.js";
import { openContext, type ContextOptions } from "../../lib/context.js";
import { dealIdsOfTenant } from "../../../client/escrow.js";
import { escapeText } from "../../../client/text.js";
import { DealStatus, nameOf } from "../../../client/enums.js";
import { escrowOf } from "../../lib/escrow.js";
import { formatAmount, tokenAt } from "../../lib/tokens.js";
import { userFacing } from "../../lib/errors.js";
import { formatId } from "../../lib/registry.js";
import { registryOf, requireTenant } from "../../lib/tenants.js";

interface ListArgs extends ContextOptions {
  tenant: string;
}

export default userFacing(async (args: ListArgs, hre: HardhatRuntimeEnvironment) => {
  const tenantId = parseId("tenant", args.tenant);

  const ctx = await openContext(hre, args);
  await requireTenant(await registryOf(ctx), tenantId);
  const escrow = await escrowOf(ctx);
  // Both parties' tenants are indexed: log queries from the escrow's deployment block, in bounded ranges.
  const deals = await dealIdsOfTenant(escrow, ctx.platform.provider, tenantId, ctx.platform.deploymentBlock("escrow"));
  const logs = await Promise.all(
    deals.map(
      async (d) => (await escrow.queryFilter(escrow.filters.DealOpened(d.id), d.blockNumber, d.blockNumber))[0]!,
    ),
  );

  const tokens = new Map<string, { decimals: number; symbol: string }>();
  console.log(`${logs.length} deal(s) of ${formatId(tenantId)}`);
  for (const log of logs) {
    const { dealId, payerTenant, payeeTenant, terms } = log.args;
    let token = tokens.get(terms.token);
    if (token === undefined) {
      const contract = await tokenAt(ctx, terms.token);
      token = { decimals: Number(await contract.decimals()), symbol: escapeText(await contract.symbol()) };
      tokens.set(terms.token, token);
    }
    const record = await escrow.getDeal(dealId);
    const side = payerTenant === tenantId ? "payer" : "payee";
    const counterparty = formatId(side === "payer" ? payeeTenant : payerTenant);
    console.log(
      `  ${dealId}  ${nameOf(DealStatus, record.status).padEnd(9)} as ${side} with ${counterparty.padEnd(18)} ` +
        `${formatAmount(terms.amount, token).padStart(20)}  ` +
        `deadline ${new Date(Number(terms.deadline) * 1000).toISOString()}`,
    );
  }
});
