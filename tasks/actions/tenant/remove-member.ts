import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseAddress } from "../../lib/args.js";
import type { ContextOptions } from "../../lib/context.js";
import { hreDependencies, type ActionDependencies } from "../../lib/dependencies.js";
import { TaskUserError, userFacing } from "../../lib/errors.js";
import { formatId } from "../../lib/registry.js";
import { registryOf } from "../../lib/tenants.js";
import { describeTx, send } from "../../lib/tx.js";

export interface RemoveMemberArgs extends ContextOptions {
  account: string;
}

export async function removeMember(args: RemoveMemberArgs, deps: ActionDependencies): Promise<void> {
  if (args.account === "") throw new TaskUserError("--account is required");
  const account = parseAddress("account", args.account);

  const ctx = await deps.openContext();
  const registry = await registryOf(ctx);
  const tenantId = await registry.tenantOf(account);
  if (tenantId === "0x" + "00".repeat(32)) throw new TaskUserError(`${account} is not a member of any tenant`);
  const tx = await send(registry, registry.removeMember, [account], "MemberRemoved");
  deps.print.line(`${account} no longer acts for ${formatId(tenantId)}`);
  deps.print.line(`  ${describeTx(tx)}`);
}

export default userFacing((args: RemoveMemberArgs, hre: HardhatRuntimeEnvironment) =>
  removeMember(args, hreDependencies(hre, args)),
);
