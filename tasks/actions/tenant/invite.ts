import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseAddress, parseId } from "../../lib/args.js";
import { openContext, type ContextOptions } from "../../lib/context.js";
import { TaskUserError, userFacing } from "../../lib/errors.js";
import { formatId, formatRoles, parseRoles } from "../../lib/registry.js";
import { registryOf, requireTenant } from "../../lib/tenants.js";
import { describeTx, send } from "../../lib/tx.js";

interface InviteArgs extends ContextOptions {
  tenant: string;
  account: string;
  roles: string;
}

/**
 * Invites an account to act for a tenant. Membership needs the account's consent: nothing changes for it
 * until it accepts with `tenant accept` (directly or through the forwarder).
 */
export default userFacing(async (args: InviteArgs, hre: HardhatRuntimeEnvironment) => {
  const tenantId = parseId("tenant", args.tenant);
  if (args.account === "") throw new TaskUserError("--account is required");
  const account = parseAddress("account", args.account);
  const roles = parseRoles("roles", args.roles, true);

  const ctx = await openContext(hre, args);
  const registry = await registryOf(ctx);
  await requireTenant(registry, tenantId);
  const tx = await send(registry, registry.inviteMember, [tenantId, account, roles], "MemberInvited");
  console.log(`${account} invited to act for ${formatId(tenantId)} as ${formatRoles(roles)}`);
  console.log(`  it becomes a member when it accepts: tenant accept --tenant ${formatId(tenantId)}`);
  console.log(`  ${describeTx(tx)}`);
});
