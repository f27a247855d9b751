import { task } from "hardhat/config";
import type { TaskDefinition } from "hardhat/types/tasks";

/** A platform task: every one can pick the Ignition deployment and the signing account. */
export function platformTask(id: string[], description: string) {
  return task(id, description)
    .addOption({
      name: "deployment",
      description: "Ignition deployment id to read addresses from (default: chain-<chainId>)",
      defaultValue: "",
    })
    .addOption({
      name: "from",
      description:
        "Signing account: an index into the network's accounts, an address, or the name of a key in the " +
        "keystore or the environment, e.g. HK_WALLET_KEY (default: the first account)",
      defaultValue: "",
    });
}

/**
 * Help that reads right. Hardhat requires a default for every option and prints it, so an option with no
 * real default is declared with "" and help would show "(default: )" after a description that states its
 * own default. Here such descriptions say "if omitted: ..." instead (each default printed once), and
 * options that are neither optional nor defaulted are marked "(required)".
 */
export function withHelp(definitions: TaskDefinition[]): TaskDefinition[] {
  for (const definition of definitions) {
    if (definition.type !== "NEW_TASK") continue;
    for (const option of Object.values(definition.options)) {
      if (option.defaultValue !== "") continue;
      const stated = /\s*\(default: ([^)]*)\)\s*$/.exec(option.description);
      if (stated !== null) {
        option.description = `${option.description.slice(0, stated.index)}; if omitted: ${stated[1]}`;
      } else if (!/\b(optional|when empty)\b/i.test(option.description)) {
        option.description = `(required) ${option.description}`;
      }
    }
  }
  return definitions;
}
