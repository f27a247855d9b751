import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseId } from "../../lib/args.js";
import { openContext, type ContextOptions } from "../../lib/context.js";
import { userFacing } from "../../lib/errors.js";
import { formatId } from "../../lib/registry.js";
import { describeCorridor, remittanceOf, requireCorridor } from "../../lib/remittance.js";
import { tokenBook } from "../../lib/tokens.js";

interface ShowArgs extends ContextOptions {
  corridor: string;
}

export default userFacing(async (args: ShowArgs, hre: HardhatRuntimeEnvironment) => {
  const only = args.corridor === "" ? undefined : parseId("corridor", args.corridor);

  const ctx = await openContext(hre, args);
  const remittance = await remittanceOf(ctx);
  const tokens = tokenBook(ctx);
  const ids = only === undefined ? await remittance.corridorIds(0, await remittance.corridorCount()) : [only];
  if (ids.length === 0) console.log("No corridor is open yet.");
  for (const id of ids) {
    const corridor = await requireCorridor(remittance, id);
    console.log(`Corridor ${formatId(id)}`);
    const [source, destination] = [await tokens(corridor.sourceToken), await tokens(corridor.destinationToken)];
    for (const line of describeCorridor(corridor, source, destination)) console.log(`  ${line}`);
  }
});
