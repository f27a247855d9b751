import type { TaskDefinition } from "hardhat/types/tasks";

import { escrowTasks } from "./escrow.js";
import { remitTasks } from "./remit.js";
import { tenantTasks } from "./tenant.js";
import { tokenTasks } from "./token.js";

export const platformTasks: TaskDefinition[] = [...tenantTasks, ...tokenTasks, ...escrowTasks, ...remitTasks];
