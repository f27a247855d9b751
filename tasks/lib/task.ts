import { task } from "hardhat/config";

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
      description: "Signing account: an index into the network's accounts or an address (default: the first)",
      defaultValue: "",
    });
}
