import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseAddress, parseId } from "../../lib/args.js";
import type { ContextOptions } from "../../lib/context.js";
import { hreDependencies, type ActionDependencies } from "../../lib/dependencies.js";
import { TaskUserError, userFacing } from "../../lib/errors.js";
import { formatId } from "../../lib/registry.js";
import { registryOf, requireTenant } from "../../lib/tenants.js";
import { describeTx, send } from "../../lib/tx.js";

export interface RevokeArgs extends ContextOptions {
  tenant: string;
  account: string;
}

/** Withdraws a tenant's pending invitation of an account. */
export async function revokeInvitation(args: RevokeArgs, deps: ActionDependencies): Promise<void> {
  const tenantId = parseId("tenant", args.tenant);
  if (args.account === "") throw new TaskUserError("--account is required");
  const account = parseAddress("account", args.account);

  const ctx = await deps.openContext();
  const registry = await registryOf(ctx);
  await requireTenant(registry, tenantId);
  if ((await registry.invitationOf(account, tenantId)) === 0n) {
    throw new TaskUserError(`${account} has no pending invitation from ${formatId(tenantId)}`);
  }
  const tx = await send(registry, registry.revokeInvitation, [tenantId, account], "MemberInvitationRevoked");
  deps.print.line(`Invitation of ${account} to ${formatId(tenantId)} withdrawn`);
  deps.print.line(`  ${describeTx(tx)}`);
}

export default userFacing((args: RevokeArgs, hre: HardhatRuntimeEnvironment) =>
  revokeInvitation(args, hreDependencies(hre, args)),
);
