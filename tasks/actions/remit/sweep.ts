import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { nameOf, TenantStatus } from "../../../client/enums.js";
import { parseId } from "../../lib/args.js";
import type { ContextOptions } from "../../lib/context.js";
import { hreDependencies, type ActionDependencies } from "../../lib/dependencies.js";
import { TaskUserError, userFacing } from "../../lib/errors.js";
import { formatId, Roles } from "../../lib/registry.js";
import { remittanceOf } from "../../lib/remittance.js";
import { formatAmount, resolveToken } from "../../lib/tokens.js";
import { registryOf, requireTenant } from "../../lib/tenants.js";
import { describeTx, send } from "../../lib/tx.js";

export interface SweepArgs extends ContextOptions {
  tenant: string;
  token: string;
}

/**
 * Sends a tenant's whole available ledger balance of a token to its registered settlement address, once
 * its members can no longer withdraw it (offboarded, or holding neither ledger role). Anyone may call it.
 */
export async function sweepRemittances(args: SweepArgs, deps: ActionDependencies): Promise<void> {
  const tenantId = parseId("tenant", args.tenant);
  const ctx = await deps.openContext();
  const token = await resolveToken(ctx, "token", args.token);
  const remittance = await remittanceOf(ctx);
  const registry = await registryOf(ctx);
  await requireTenant(registry, tenantId);
  const status = await registry.statusOf(tenantId);
  const ledgerRoles = Roles["payment-operator"] | Roles["liquidity-provider"];
  const holdsLedgerRole = await registry
    .tenantHasRole(tenantId, Roles["payment-operator"])
    .then(async (po) => (po ? true : registry.tenantHasRole(tenantId, Roles["liquidity-provider"])));
  if (nameOf(TenantStatus, status) !== "Offboarded" && holdsLedgerRole) {
    throw new TaskUserError(
      `${formatId(tenantId)} is ${nameOf(TenantStatus, status)} and holds a ledger role (bits ${ledgerRoles}): ` +
        "its treasury members withdraw; a sweep is only for offboarded tenants or those without a ledger role",
    );
  }
  const available = await remittance.balanceOf(tenantId, token.address);
  if (available === 0n) throw new TaskUserError(`${formatId(tenantId)} has no ${token.symbol} available to sweep`);
  const to = await registry.settlementAddressOf(tenantId);
  if (to === "0x" + "00".repeat(20)) {
    throw new TaskUserError(
      `${formatId(tenantId)} has no settlement address: the operator sets one with tenant set-settlement-address`,
    );
  }
  const tx = await send(remittance, remittance.sweep, [tenantId, token.address], "Swept");
  deps.print.line(
    `Swept ${formatAmount(available, token)} of ${formatId(tenantId)}'s ledger to its settlement address ${to}`,
  );
  deps.print.line(`  ${describeTx(tx)}`);
}

export default userFacing((args: SweepArgs, hre: HardhatRuntimeEnvironment) =>
  sweepRemittances(args, hreDependencies(hre, args)),
);
