import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseAddress, parseHashOrText, parseId, requirePrintable } from "../../lib/args.js";
import type { ContextOptions } from "../../lib/context.js";
import { hreDependencies, type ActionDependencies } from "../../lib/dependencies.js";
import { TaskUserError, userFacing } from "../../lib/errors.js";
import { formatId, formatRoles, parseJurisdiction, parseRoles } from "../../lib/registry.js";
import { registryOf } from "../../lib/tenants.js";
import { describeTx, send } from "../../lib/tx.js";

export interface OnboardArgs extends ContextOptions {
  tenant: string;
  name: string;
  roles: string;
  jurisdiction: string;
  kyb: string;
  sponsor: string;
  admin: string;
}

export async function onboardTenant(args: OnboardArgs, deps: ActionDependencies): Promise<void> {
  // Every argument is checked before anything touches the network.
  const tenantId = parseId("tenant", args.tenant);
  if (args.name === "") throw new TaskUserError("--name is required");
  requirePrintable("name", args.name);
  const roles = parseRoles("roles", args.roles, false);
  const jurisdiction = parseJurisdiction("jurisdiction", args.jurisdiction);
  const kybHash = parseHashOrText("kyb", args.kyb);
  const sponsor = args.sponsor === "" ? "0x" + "00".repeat(32) : parseId("sponsor", args.sponsor);
  if (args.admin === "") throw new TaskUserError("--admin is required");
  const admin = parseAddress("admin", args.admin);

  const ctx = await deps.openContext();
  const registry = await registryOf(ctx);
  const tx = await send(
    registry,
    registry.onboard,
    [{ tenantId, name: args.name, roles, jurisdiction, kybHash, sponsor, admin }],
    "TenantOnboarded",
  );
  deps.print.line(
    `Onboarded ${formatId(tenantId)} (${formatRoles(roles)}, ${args.jurisdiction.toUpperCase()}): status Pending`,
  );
  deps.print.line(`  admin member ${admin}`);
  deps.print.line(`  ${describeTx(tx)}`);
}

export default userFacing((args: OnboardArgs, hre: HardhatRuntimeEnvironment) =>
  onboardTenant(args, hreDependencies(hre, args)),
);
