import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { escapeText } from "../../../client/text.js";

import { parseUint } from "../../lib/args.js";
import { openContext, type ContextOptions } from "../../lib/context.js";
import { userFacing } from "../../lib/errors.js";
import { formatId, formatJurisdiction, formatRoles, formatStatus } from "../../lib/registry.js";
import { registryOf } from "../../lib/tenants.js";

interface ListArgs extends ContextOptions {
  offset: string;
  limit: string;
}

export default userFacing(async (args: ListArgs, hre: HardhatRuntimeEnvironment) => {
  const offset = parseUint("offset", args.offset, 2n ** 64n);
  const limit = parseUint("limit", args.limit, 500n);

  const ctx = await openContext(hre, args);
  const registry = await registryOf(ctx);
  const total = await registry.tenantCount();
  const ids = await registry.tenantIds(offset, limit);
  console.log(`${total} tenant(s); showing ${ids.length} from #${offset}`);
  for (const id of ids) {
    const t = await registry.getTenant(id);
    console.log(
      `  ${formatId(id).padEnd(20)} ${formatStatus(t.status).padEnd(10)} ${formatJurisdiction(t.jurisdiction)}  ` +
        `${formatRoles(t.roles).padEnd(36)} members=${t.memberCount}  ${escapeText(t.name)}`,
    );
  }
});
