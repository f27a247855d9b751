import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseId } from "../../lib/args.js";
import { openContext, type ContextOptions } from "../../lib/context.js";
import { TaskUserError, userFacing } from "../../lib/errors.js";
import { formatId } from "../../lib/registry.js";
import { listRemittances } from "../../../client/remittance.js";
import { historySource } from "../../lib/remittance.js";
import { formatAmount, tokenBook } from "../../lib/tokens.js";
import { registryOf, requireTenant } from "../../lib/tenants.js";

interface ListArgs extends ContextOptions {
  tenant: string;
  role: string;
}

export default userFacing(async (args: ListArgs, hre: HardhatRuntimeEnvironment) => {
  const tenantId = parseId("tenant", args.tenant);
  if (args.role !== "sender" && args.role !== "receiver" && args.role !== "any") {
    throw new TaskUserError(`--role "${args.role}" is not sender, receiver or any`);
  }

  const ctx = await openContext(hre, args);
  await requireTenant(await registryOf(ctx), tenantId);
  const tokens = tokenBook(ctx);
  const histories = await listRemittances(historySource(ctx), tenantId, args.role);
  console.log(`${histories.length} remittance(s) of ${formatId(tenantId)} (${args.role})`);
  for (const h of histories) {
    const r = h.record;
    const [source, destination] = [await tokens(r.sourceToken), await tokens(r.destinationToken)];
    const direction =
      r.sendingTenant === tenantId ? `to   ${formatId(r.receivingTenant)}` : `from ${formatId(r.sendingTenant)}`;
    console.log(
      `  ${r.id}  ${(h.final?.status ?? "Initiated").padEnd(9)}  ${direction.padEnd(22)}` +
        `${formatAmount(r.sourceAmount, source)} -> ${formatAmount(r.destinationAmount, destination)}  block ${h.initiated.blockNumber}`,
    );
  }
});
