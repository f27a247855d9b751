import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseAddress } from "../../lib/args.js";
import { openContext, type ContextOptions } from "../../lib/context.js";
import { TaskUserError, userFacing } from "../../lib/errors.js";
import { formatId } from "../../lib/registry.js";
import { registryOf } from "../../lib/tenants.js";
import { describeTx, send } from "../../lib/tx.js";

interface RemoveMemberArgs extends ContextOptions {
  account: string;
}

export default userFacing(async (args: RemoveMemberArgs, hre: HardhatRuntimeEnvironment) => {
  if (args.account === "") throw new TaskUserError("--account is required");
  const account = parseAddress("account", args.account);

  const ctx = await openContext(hre, args);
  const registry = await registryOf(ctx);
  const tenantId = await registry.tenantOf(account);
  if (tenantId === "0x" + "00".repeat(32)) throw new TaskUserError(`${account} is not a member of any tenant`);
  const tx = await send(registry, registry.removeMember, [account], "MemberRemoved");
  console.log(`${account} no longer acts for ${formatId(tenantId)}`);
  console.log(`  ${describeTx(tx)}`);
});
