import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseId, parseUint } from "../../lib/args.js";
import type { ContextOptions } from "../../lib/context.js";
import { hreDependencies, type ActionDependencies } from "../../lib/dependencies.js";
import { userFacing } from "../../lib/errors.js";
import { formatId, formatStatus } from "../../lib/registry.js";
import { registryOf, requireTenant } from "../../lib/tenants.js";
import { describeTx, send } from "../../lib/tx.js";

export interface TransitionArgs extends ContextOptions {
  tenant: string;
  reason?: string;
}

export type Transition = "approve" | "suspend" | "reinstate" | "offboard" | "freeze" | "unfreeze";

/** One body for the lifecycle transitions: they differ only in the registry function called. */
export async function transitionTenant(
  transition: Transition,
  args: TransitionArgs,
  deps: ActionDependencies,
): Promise<void> {
  const tenantId = parseId("tenant", args.tenant);
  const reason = parseUint("reason", args.reason ?? "0", 2n ** 32n - 1n);

  const ctx = await deps.openContext();
  const registry = await registryOf(ctx);
  await requireTenant(registry, tenantId);
  const before = await registry.statusOf(tenantId);
  const tx =
    transition === "approve"
      ? await send(registry, registry.approve, [tenantId], "TenantStatusChanged")
      : transition === "reinstate"
        ? await send(registry, registry.reinstate, [tenantId], "TenantStatusChanged")
        : transition === "unfreeze"
          ? await send(registry, registry.unfreeze, [tenantId], "TenantStatusChanged")
          : transition === "suspend"
            ? await send(registry, registry.suspend, [tenantId, reason], "TenantStatusChanged")
            : transition === "freeze"
              ? await send(registry, registry.freeze, [tenantId, reason], "TenantStatusChanged")
              : await send(registry, registry.offboard, [tenantId, reason], "TenantStatusChanged");
  const after = await registry.statusOf(tenantId);
  deps.print.line(`${formatId(tenantId)}: ${formatStatus(before)} -> ${formatStatus(after)}`);
  deps.print.line(`  ${describeTx(tx)}`);
}

/** The task action of one transition: adapts `hre` to `transitionTenant`'s dependencies. */
export function transitionAction(transition: Transition) {
  return userFacing((args: TransitionArgs, hre: HardhatRuntimeEnvironment) =>
    transitionTenant(transition, args, hreDependencies(hre, args)),
  );
}
