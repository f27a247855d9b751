import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseAddress, parseId } from "../../lib/args.js";
import type { ContextOptions } from "../../lib/context.js";
import { hreDependencies, type ActionDependencies } from "../../lib/dependencies.js";
import { TaskUserError, userFacing } from "../../lib/errors.js";
import { formatId, formatRoles, parseRoles } from "../../lib/registry.js";
import { registryOf, requireTenant } from "../../lib/tenants.js";
import { describeTx, send } from "../../lib/tx.js";

export interface InviteArgs extends ContextOptions {
  tenant: string;
  account: string;
  roles: string;
}

/**
 * Invites an account to act for a tenant. Membership needs the account's consent: nothing changes for it
 * until it accepts with `tenant accept` (directly or through the forwarder).
 */
export async function inviteMember(args: InviteArgs, deps: ActionDependencies): Promise<void> {
  const tenantId = parseId("tenant", args.tenant);
  if (args.account === "") throw new TaskUserError("--account is required");
  const account = parseAddress("account", args.account);
  const roles = parseRoles("roles", args.roles, true);

  const ctx = await deps.openContext();
  const registry = await registryOf(ctx);
  await requireTenant(registry, tenantId);
  const tx = await send(registry, registry.inviteMember, [tenantId, account, roles], "MemberInvited");
  deps.print.line(`${account} invited to act for ${formatId(tenantId)} as ${formatRoles(roles)}`);
  deps.print.line(`  it becomes a member when it accepts: tenant accept --tenant ${formatId(tenantId)}`);
  deps.print.line(`  ${describeTx(tx)}`);
}

export default userFacing((args: InviteArgs, hre: HardhatRuntimeEnvironment) =>
  inviteMember(args, hreDependencies(hre, args)),
);
