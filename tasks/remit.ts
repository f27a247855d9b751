import type { TaskDefinition } from "hardhat/types/tasks";

/** `remit ...` tasks: filled in by the remittance settlement capability. */
export const remitTasks: TaskDefinition[] = [];
