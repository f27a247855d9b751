import { readFile } from "node:fs/promises";
import path from "node:path";

import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { Signer } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseAddress } from "./args.js";
import { TaskUserError } from "./errors.js";

/** Options every platform task accepts. */
export interface ContextOptions {
  /** Ignition deployment id to read addresses from; empty for the network's default (`chain-<id>`). */
  deployment: string;
  /** Account that signs: an index into the network's accounts ("0") or an address; empty for the first. */
  from: string;
}

/** What a task action works with: a connection, a signer, and the addresses Ignition deployed. */
export interface TaskContext {
  ethers: HardhatEthers;
  networkName: string;
  chainId: bigint;
  deploymentId: string;
  signer: Signer & { address: string };
  /** Address of a future of the deployment, e.g. `TenantRegistryModule#TenantRegistry`. */
  address(futureId: string): string;
}

export async function openContext(hre: HardhatRuntimeEnvironment, options: ContextOptions): Promise<TaskContext> {
  const connection = await hre.network.getOrCreate();
  const { ethers } = connection;
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const deploymentId = options.deployment === "" ? `chain-${chainId}` : options.deployment;
  const file = path.join(hre.config.paths.ignition, "deployments", deploymentId, "deployed_addresses.json");

  let addresses: Record<string, string>;
  try {
    addresses = JSON.parse(await readFile(file, "utf8")) as Record<string, string>;
  } catch {
    throw new TaskUserError(
      `no platform deployment "${deploymentId}" for network ${connection.networkName} (chain ${chainId}): ` +
        `deploy first with \`npx hardhat ignition deploy deploy/modules/PlatformModule.ts --network ${connection.networkName}\``,
    );
  }

  const signer = await resolveSigner(ethers, options.from);
  return {
    ethers,
    networkName: connection.networkName,
    chainId,
    deploymentId,
    signer,
    address(futureId) {
      const address = addresses[futureId];
      if (address === undefined) {
        throw new TaskUserError(`deployment "${deploymentId}" has no ${futureId}: deploy its module first`);
      }
      return address;
    },
  };
}

async function resolveSigner(ethers: HardhatEthers, from: string) {
  const signers = await ethers.getSigners();
  if (from === "") {
    const first = signers[0];
    if (first === undefined) throw new TaskUserError("the network has no accounts configured to sign with");
    return first;
  }
  if (/^\d+$/.test(from)) {
    const signer = signers[Number(from)];
    if (signer === undefined)
      throw new TaskUserError(`--from ${from}: the network has only ${signers.length} accounts`);
    return signer;
  }
  const address = parseAddress("from", from);
  const signer = signers.find((s) => s.address === address);
  if (signer === undefined) throw new TaskUserError(`--from ${address} is not one of the network's accounts`);
  return signer;
}
