import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseAddress, parseId } from "../../lib/args.js";
import type { ContextOptions } from "../../lib/context.js";
import { hreDependencies, type ActionDependencies } from "../../lib/dependencies.js";
import { TaskUserError, userFacing } from "../../lib/errors.js";
import { formatId } from "../../lib/registry.js";
import { registryOf, requireTenant } from "../../lib/tenants.js";
import { describeTx, send } from "../../lib/tx.js";

export interface SettlementAddressArgs extends ContextOptions {
  tenant: string;
  address: string;
}

/**
 * Records where a tenant's ledger money goes once no member can withdraw it (operator only; any status,
 * offboarded included).
 */
export async function setSettlementAddress(args: SettlementAddressArgs, deps: ActionDependencies): Promise<void> {
  const tenantId = parseId("tenant", args.tenant);
  if (args.address === "") throw new TaskUserError("--address is required");
  const settlementAddress = parseAddress("address", args.address);
  if (settlementAddress === "0x" + "00".repeat(20)) throw new TaskUserError("--address cannot be the zero address");

  const ctx = await deps.openContext();
  const registry = await registryOf(ctx);
  await requireTenant(registry, tenantId);
  const before = await registry.settlementAddressOf(tenantId);
  const tx = await send(
    registry,
    registry.setSettlementAddress,
    [tenantId, settlementAddress],
    "SettlementAddressChanged",
  );
  deps.print.line(`${formatId(tenantId)}: settlement address ${before} -> ${settlementAddress}`);
  deps.print.line(`  ${describeTx(tx)}`);
}

export default userFacing((args: SettlementAddressArgs, hre: HardhatRuntimeEnvironment) =>
  setSettlementAddress(args, hreDependencies(hre, args)),
);
