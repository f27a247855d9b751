import type { TaskDefinition } from "hardhat/types/tasks";

/** `escrow ...` tasks: filled in by the token escrow capability. */
export const escrowTasks: TaskDefinition[] = [];
