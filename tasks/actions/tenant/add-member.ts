import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseAddress, parseId } from "../../lib/args.js";
import { openContext, type ContextOptions } from "../../lib/context.js";
import { TaskUserError, userFacing } from "../../lib/errors.js";
import { formatId, formatRoles, parseRoles } from "../../lib/registry.js";
import { registryOf, requireTenant } from "../../lib/tenants.js";
import { describeTx, send } from "../../lib/tx.js";

interface AddMemberArgs extends ContextOptions {
  tenant: string;
  account: string;
  roles: string;
}

export default userFacing(async (args: AddMemberArgs, hre: HardhatRuntimeEnvironment) => {
  const tenantId = parseId("tenant", args.tenant);
  if (args.account === "") throw new TaskUserError("--account is required");
  const account = parseAddress("account", args.account);
  const roles = parseRoles("roles", args.roles, true);

  const ctx = await openContext(hre, args);
  const registry = await registryOf(ctx);
  await requireTenant(registry, tenantId);
  const tx = await send(registry, registry.addMember, [tenantId, account, roles], "MemberAdded");
  console.log(`${account} now acts for ${formatId(tenantId)} as ${formatRoles(roles)}`);
  console.log(`  ${describeTx(tx)}`);
});
