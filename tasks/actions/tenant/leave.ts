import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { openContext, type ContextOptions } from "../../lib/context.js";
import { TaskUserError, userFacing } from "../../lib/errors.js";
import { formatId } from "../../lib/registry.js";
import { registryOf } from "../../lib/tenants.js";
import { describeTx, send } from "../../lib/tx.js";

/** The signing account stops acting for its tenant, by itself. */
export default userFacing(async (args: ContextOptions, hre: HardhatRuntimeEnvironment) => {
  const ctx = await openContext(hre, args);
  const registry = await registryOf(ctx);
  const tenantId = await registry.tenantOf(ctx.signer.address);
  if (tenantId === "0x" + "00".repeat(32)) {
    throw new TaskUserError(`${ctx.signer.address} is not a member of any tenant`);
  }
  const tx = await send(registry, registry.leaveTenant, [], "MemberRemoved");
  console.log(`${ctx.signer.address} no longer acts for ${formatId(tenantId)}`);
  console.log(`  ${describeTx(tx)}`);
});
