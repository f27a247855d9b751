import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import type { ContextOptions } from "../../lib/context.js";
import { hreDependencies, type ActionDependencies } from "../../lib/dependencies.js";
import { TaskUserError, userFacing } from "../../lib/errors.js";
import { formatId } from "../../lib/registry.js";
import { registryOf } from "../../lib/tenants.js";
import { describeTx, send } from "../../lib/tx.js";

/** The signing account stops acting for its tenant, by itself. */
export async function leaveTenant(args: ContextOptions, deps: ActionDependencies): Promise<void> {
  const ctx = await deps.openContext();
  const registry = await registryOf(ctx);
  const tenantId = await registry.tenantOf(ctx.signer.address);
  if (tenantId === "0x" + "00".repeat(32)) {
    throw new TaskUserError(`${ctx.signer.address} is not a member of any tenant`);
  }
  const tx = await send(registry, registry.leaveTenant, [], "MemberRemoved");
  deps.print.line(`${ctx.signer.address} no longer acts for ${formatId(tenantId)}`);
  deps.print.line(`  ${describeTx(tx)}`);
}

export default userFacing((args: ContextOptions, hre: HardhatRuntimeEnvironment) =>
  leaveTenant(args, hreDependencies(hre, args)),
);
