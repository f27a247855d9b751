import { userFacing } from "../../lib/errors.js";
import { parseTenant, printBudget, relayerClient, type BudgetArgs } from "../../lib/metatx.js";

export default userFacing(async (args: BudgetArgs) => {
  printBudget(await relayerClient(args, "admin").showBudget(parseTenant(args)));
});
