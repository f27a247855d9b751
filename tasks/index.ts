import type { TaskDefinition } from "hardhat/types/tasks";

import { tenantTasks } from "./tenant.js";

export const platformTasks: TaskDefinition[] = [...tenantTasks];
