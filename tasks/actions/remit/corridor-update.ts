import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseId } from "../../lib/args.js";
import type { ContextOptions } from "../../lib/context.js";
import { hreDependencies, type ActionDependencies } from "../../lib/dependencies.js";
import { userFacing } from "../../lib/errors.js";
import { formatId } from "../../lib/registry.js";
import {
  checkProvider,
  describeCorridor,
  parseBool,
  parseCorridorTerms,
  remittanceOf,
  requireCorridor,
  type CorridorTermArgs,
} from "../../lib/remittance.js";
import { tokenBook } from "../../lib/tokens.js";
import { registryOf } from "../../lib/tenants.js";
import { describeTx, send } from "../../lib/tx.js";

export interface UpdateArgs extends ContextOptions, CorridorTermArgs {
  corridor: string;
  enabled: string;
}

export async function updateCorridor(args: UpdateArgs, deps: ActionDependencies): Promise<void> {
  const corridorId = parseId("corridor", args.corridor);
  const enabledArg = args.enabled === "" ? undefined : parseBool("enabled", args.enabled);

  const ctx = await deps.openContext();
  const remittance = await remittanceOf(ctx);
  const registry = await registryOf(ctx);
  const current = await requireCorridor(remittance, corridorId);
  const tokens = tokenBook(ctx);
  const [source, destination] = [await tokens(current.sourceToken), await tokens(current.destinationToken)];
  const corridor = { ...current, ...parseCorridorTerms(args, source, current), enabled: enabledArg ?? current.enabled };
  if (corridor.enabled) await checkProvider(registry, corridor.provider);
  const tx = await send(remittance, remittance.updateCorridor, [corridorId, corridor], "CorridorUpdated");
  deps.print.line(`Updated corridor ${formatId(corridorId)}`);
  for (const line of describeCorridor(corridor, source, destination)) deps.print.line(`  ${line}`);
  deps.print.line(`  ${describeTx(tx)}`);
}

export default userFacing((args: UpdateArgs, hre: HardhatRuntimeEnvironment) =>
  updateCorridor(args, hreDependencies(hre, args)),
);
