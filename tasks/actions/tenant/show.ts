import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { escapeText } from "../../../client/text.js";

import { parseAddress, parseId } from "../../lib/args.js";
import { openContext, type ContextOptions } from "../../lib/context.js";
import { TaskUserError, userFacing } from "../../lib/errors.js";
import { formatId, formatJurisdiction, formatRoles, formatStatus } from "../../lib/registry.js";
import { registryOf, requireTenant } from "../../lib/tenants.js";

interface ShowArgs extends ContextOptions {
  tenant: string;
  account: string;
}

const ZERO = "0x" + "00".repeat(32);

export default userFacing(async (args: ShowArgs, hre: HardhatRuntimeEnvironment) => {
  if ((args.tenant === "") === (args.account === ""))
    throw new TaskUserError("give exactly one of --tenant and --account");
  const account = args.account === "" ? undefined : parseAddress("account", args.account);
  let tenantId = args.tenant === "" ? ZERO : parseId("tenant", args.tenant);

  const ctx = await openContext(hre, args);
  const registry = await registryOf(ctx);
  if (account !== undefined) {
    const member = await registry.memberOf(account);
    if (member.tenantId === ZERO) throw new TaskUserError(`${account} is not a member of any tenant`);
    tenantId = member.tenantId;
    console.log(`${account} acts for ${formatId(tenantId)} as ${formatRoles(member.memberRoles)}`);
  }
  await requireTenant(registry, tenantId);
  const t = await registry.getTenant(tenantId);
  console.log(`Tenant ${formatId(tenantId)} (${tenantId})`);
  console.log(`  name          ${escapeText(t.name)}`);
  console.log(`  status        ${formatStatus(t.status)}`);
  console.log(`  roles         ${formatRoles(t.roles)}`);
  console.log(`  jurisdiction  ${formatJurisdiction(t.jurisdiction)}`);
  console.log(`  kyb hash      ${t.kybHash}`);
  console.log(`  sponsor       ${t.sponsor === ZERO ? "(none)" : formatId(t.sponsor)}`);
  console.log(`  members       ${t.memberCount}`);
  console.log(`  sponsoring    ${t.sponsoredCount}`);
  console.log(`  onboarded at  ${new Date(Number(t.onboardedAt) * 1000).toISOString()}`);
});
