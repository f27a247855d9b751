import { emptyTask } from "hardhat/config";
import type { TaskDefinition } from "hardhat/types/tasks";

import { platformTask } from "./lib/task.js";

const tokenOption = {
  name: "token",
  description: "Settlement token: tHKD, tPHP or a token address",
  defaultValue: "",
} as const;

export const tokenTasks: TaskDefinition[] = [
  emptyTask("token", "Issue, approve and inspect the platform's settlement tokens").build(),

  platformTask(["token", "mint"], "Mint settlement tokens against fiat received (the issuer signs)")
    .addOption(tokenOption)
    .addOption({ name: "to", description: "Address that receives the tokens", defaultValue: "" })
    .addOption({ name: "amount", description: "Decimal amount, e.g. 1250.50", defaultValue: "" })
    .setAction(() => import("./actions/token/mint.js"))
    .build(),

  platformTask(["token", "approve"], "Approve a spender (escrow, remittance or an address) for an amount")
    .addOption(tokenOption)
    .addOption({
      name: "spender",
      description: "escrow, remittance, or an address",
      defaultValue: "",
    })
    .addOption({ name: "amount", description: "Decimal amount, e.g. 1250.50", defaultValue: "" })
    .setAction(() => import("./actions/token/approve.js"))
    .build(),

  platformTask(["token", "balance"], "Show an account's balance and allowances of a settlement token")
    .addOption(tokenOption)
    .addOption({ name: "account", description: "Address (default: the --from account)", defaultValue: "" })
    .setAction(() => import("./actions/token/balance.js"))
    .build(),
];
