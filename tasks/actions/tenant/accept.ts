import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseId } from "../../lib/args.js";
import type { ContextOptions } from "../../lib/context.js";
import { hreDependencies, type ActionDependencies } from "../../lib/dependencies.js";
import { TaskUserError, userFacing } from "../../lib/errors.js";
import { formatId, formatRoles } from "../../lib/registry.js";
import { registryOf, requireTenant } from "../../lib/tenants.js";
import { describeTx, send } from "../../lib/tx.js";

export interface AcceptArgs extends ContextOptions {
  tenant: string;
}

/** The signing account accepts a tenant's invitation and becomes its member with the invited roles. */
export async function acceptMembership(args: AcceptArgs, deps: ActionDependencies): Promise<void> {
  const tenantId = parseId("tenant", args.tenant);

  const ctx = await deps.openContext();
  const registry = await registryOf(ctx);
  await requireTenant(registry, tenantId);
  const roles = await registry.invitationOf(ctx.signer.address, tenantId);
  if (roles === 0n) throw new TaskUserError(`${ctx.signer.address} has no invitation from ${formatId(tenantId)}`);
  const current = await registry.tenantOf(ctx.signer.address);
  if (current !== "0x" + "00".repeat(32)) {
    throw new TaskUserError(
      `${ctx.signer.address} already acts for ${formatId(current)}: leave it first (tenant leave)`,
    );
  }
  const tx = await send(registry, registry.acceptMembership, [tenantId], "MemberAdded");
  deps.print.line(`${ctx.signer.address} now acts for ${formatId(tenantId)} as ${formatRoles(roles)}`);
  deps.print.line(`  ${describeTx(tx)}`);
}

export default userFacing((args: AcceptArgs, hre: HardhatRuntimeEnvironment) =>
  acceptMembership(args, hreDependencies(hre, args)),
);
