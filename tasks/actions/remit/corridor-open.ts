import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseId } from "../../lib/args.js";
import type { ContextOptions } from "../../lib/context.js";
import { hreDependencies, type ActionDependencies } from "../../lib/dependencies.js";
import { TaskUserError, userFacing } from "../../lib/errors.js";
import { formatId } from "../../lib/registry.js";
import {
  checkProvider,
  describeCorridor,
  parseCorridorTerms,
  remittanceOf,
  type CorridorTermArgs,
} from "../../lib/remittance.js";
import { resolveToken } from "../../lib/tokens.js";
import { registryOf } from "../../lib/tenants.js";
import { describeTx, send } from "../../lib/tx.js";

export interface OpenArgs extends ContextOptions, CorridorTermArgs {
  corridor: string;
  source: string;
  destination: string;
  disabled: boolean;
}

export async function openCorridor(args: OpenArgs, deps: ActionDependencies): Promise<void> {
  const corridorId = parseId("corridor", args.corridor);
  const ctx = await deps.openContext();
  const [source, destination] = [
    await resolveToken(ctx, "source", args.source),
    await resolveToken(ctx, "destination", args.destination),
  ];
  const terms = parseCorridorTerms(args, source, undefined);
  const registry = await registryOf(ctx);
  const remittance = await remittanceOf(ctx);
  if ((await remittance.getCorridor(corridorId)).sourceToken !== "0x0000000000000000000000000000000000000000") {
    throw new TaskUserError(
      `corridor ${formatId(corridorId)} is open already: change it with \`remit corridor update\``,
    );
  }
  const enabled = !args.disabled;
  if (source.address === destination.address) throw new TaskUserError("--source and --destination are the same token");
  if (enabled) await checkProvider(registry, terms.provider);
  const corridor = {
    sourceToken: source.address,
    minAmount: terms.minAmount,
    destinationToken: destination.address,
    maxAmount: terms.maxAmount,
    provider: terms.provider,
    dailyCap: terms.dailyCap,
    feeFixed: terms.feeFixed,
    feeBps: terms.feeBps,
    settlementWindow: terms.settlementWindow,
    minReceiverWindow: terms.minReceiverWindow,
    enabled,
  };
  const tx = await send(remittance, remittance.openCorridor, [corridorId, corridor], "CorridorOpened");
  deps.print.line(`Opened corridor ${formatId(corridorId)}`);
  for (const line of describeCorridor(corridor, source, destination)) deps.print.line(`  ${line}`);
  deps.print.line(`  ${describeTx(tx)}`);
}

export default userFacing((args: OpenArgs, hre: HardhatRuntimeEnvironment) =>
  openCorridor(args, hreDependencies(hre, args)),
);
