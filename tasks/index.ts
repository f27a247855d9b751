import type { TaskDefinition } from "hardhat/types/tasks";

import { escrowTasks } from "./escrow.js";
import { withHelp } from "./lib/task.js";
import { metatxTasks } from "./metatx.js";
import { remitTasks } from "./remit.js";
import { tenantTasks } from "./tenant.js";
import { tokenTasks } from "./token.js";

export const platformTasks: TaskDefinition[] = withHelp([
  ...tenantTasks,
  ...tokenTasks,
  ...escrowTasks,
  ...remitTasks,
  ...metatxTasks,
]);
