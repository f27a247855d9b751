import { emptyTask, task } from "hardhat/config";
import type { TaskDefinition } from "hardhat/types/tasks";

import { relayerOption } from "./lib/gasless-options.js";

const tenantOption = {
  name: "tenant",
  description: "Tenant id: a label such as sme-tea-house, or 32-byte hex",
  defaultValue: "",
} as const;
const amountOption = {
  name: "amount",
  description: "Native gas budget in ether units, e.g. 0.25 (the relayer counts wei)",
  defaultValue: "",
} as const;

/**
 * `metatx ...` tasks: gas budgets on the meta-transaction relayer. They talk to the relayer over HTTP
 * only (no deployment needed): the operator with METATX_ADMIN_KEY, a sponsor with its METATX_API_KEY.
 */
export const metatxTasks: TaskDefinition[] = [
  emptyTask("metatx", "Gas budgets of the meta-transaction relayer (gasless members)").build(),
  emptyTask(["metatx", "budget"], "Show or set a tenant's gas budget (platform operator)").build(),
  task(["metatx", "budget", "set"], "Set the operator's grant of a tenant's gas budget (needs METATX_ADMIN_KEY)")
    .addOption(tenantOption)
    .addOption(amountOption)
    .addOption(relayerOption)
    .setAction(() => import("./actions/metatx/budget-set.js"))
    .build(),
  task(["metatx", "budget", "show"], "Show a tenant's gas budget: funded, reserved, spent, available")
    .addOption(tenantOption)
    .addOption(relayerOption)
    .setAction(() => import("./actions/metatx/budget-show.js"))
    .build(),
  task(["metatx", "sponsor"], "Top up the gas budget of an SME you sponsor (needs your METATX_API_KEY)")
    .addOption(tenantOption)
    .addOption(amountOption)
    .addOption(relayerOption)
    .setAction(() => import("./actions/metatx/sponsor.js"))
    .build(),
];
