import type { TaskDefinition } from "hardhat/types/tasks";

import { escrowTasks } from "./escrow.js";
import { remitTasks } from "./remit.js";
import { tenantTasks } from "./tenant.js";

export const platformTasks: TaskDefinition[] = [...tenantTasks, ...escrowTasks, ...remitTasks];
