import type { TenantRegistry } from "../../typechain-types/index.js";
import type { TaskContext } from "./context.js";
import { TaskUserError } from "./errors.js";
import { formatId } from "./registry.js";

/** The deployed registry, connected to the task's signer. */
export async function registryOf(ctx: TaskContext): Promise<TenantRegistry> {
  return ctx.platform.registry;
}

/** Fails with a readable message unless the tenant exists. */
export async function requireTenant(registry: TenantRegistry, tenantId: string): Promise<void> {
  if ((await registry.statusOf(tenantId)) === 0n) throw new TaskUserError(`unknown tenant ${formatId(tenantId)}`);
}
