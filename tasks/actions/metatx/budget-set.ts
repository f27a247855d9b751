import { userFacing } from "../../lib/errors.js";
import { parseBudgetAmount, parseTenant, printBudget, relayerClient, type BudgetArgs } from "../../lib/metatx.js";

export default userFacing(async (args: BudgetArgs) => {
  const tenant = parseTenant(args);
  const amount = parseBudgetAmount(args);
  printBudget(await relayerClient(args, "admin").setBudget(tenant, amount));
});
