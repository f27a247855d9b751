import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { Wallet, type Signer } from "ethers";
import { configVariable } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { readIgnitionDeployment, type PlatformKey } from "../../client/deployment.js";
import { connectPlatform, type Platform } from "../../client/platform.js";
import { parseAddress } from "./args.js";
import { TaskUserError } from "./errors.js";

/** Options every platform task accepts. */
export interface ContextOptions {
  /** Ignition deployment id to read addresses from; empty for the network's default (`chain-<id>`). */
  deployment: string;
  /**
   * Account that signs: an index into the network's accounts ("0"), an address among them, or the name of
   * a private key in the Hardhat keystore or the environment (e.g. `HK_WALLET_KEY`); empty for the first.
   */
  from: string;
}

/** What a task action works with: a connection, a signer, and the platform proven to be on the node. */
export interface TaskContext {
  ethers: HardhatEthers;
  networkName: string;
  chainId: bigint;
  deploymentId: string;
  signer: Signer & { address: string };
  platform: Platform;
  /** Address of a contract of the deployment. */
  address(key: PlatformKey): string;
}

/**
 * Reads the deployment, proves it is the one on the node (chain id, code, creation blocks), and resolves
 * the signer: a deployment file that does not match the node is refused before anything can be sent.
 */
export async function openContext(hre: HardhatRuntimeEnvironment, options: ContextOptions): Promise<TaskContext> {
  const connection = await hre.network.getOrCreate();
  const { ethers } = connection;
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const deploymentId = options.deployment === "" ? `chain-${chainId}` : options.deployment;
  if (!/^[\w-]+$/.test(deploymentId)) {
    throw new TaskUserError(`--deployment "${deploymentId}" is not a deployment id (letters, digits, - and _)`);
  }
  const deployment = await readIgnitionDeployment(`${hre.config.paths.ignition}/deployments`, deploymentId);
  const signer = await resolveSigner(hre, ethers, options.from);
  const platform = await connectPlatform(deployment, signer, { network: connection.networkName });
  return {
    ethers,
    networkName: connection.networkName,
    chainId,
    deploymentId,
    signer,
    platform,
    address: (key) => platform.address(key),
  };
}

async function resolveSigner(
  hre: HardhatRuntimeEnvironment,
  ethers: HardhatEthers,
  from: string,
): Promise<Signer & { address: string }> {
  if (/^[A-Z][A-Z0-9_]*$/.test(from)) return keySigner(hre, ethers, from);
  const signers = await ethers.getSigners();
  if (from === "") {
    const first = signers[0];
    if (first === undefined) throw new TaskUserError("the network has no accounts configured to sign with");
    return first;
  }
  if (/^\d+$/.test(from)) {
    const signer = signers[Number(from)];
    if (signer === undefined) {
      throw new TaskUserError(`--from ${from}: the network has only ${signers.length} accounts`);
    }
    return signer;
  }
  const address = parseAddress("from", from);
  const signer = signers.find((s) => s.address === address);
  if (signer === undefined) {
    throw new TaskUserError(
      `--from ${address} is not one of the network's accounts: name its key instead (--from MY_KEY, from the ` +
        "keystore or the environment)",
    );
  }
  return signer;
}

/**
 * A member's key named like a configuration variable: read from the Hardhat keystore when it holds the
 * name (the keystore plugin answers first), else from the environment. The key never leaves memory.
 */
async function keySigner(
  hre: HardhatRuntimeEnvironment,
  ethers: HardhatEthers,
  name: string,
): Promise<Signer & { address: string }> {
  let key: string;
  try {
    key = await hre.hooks.runHandlerChain(
      "configurationVariables",
      "fetchValue",
      [configVariable(name)],
      async (_context, variable) => {
        const value = process.env[variable.name];
        if (value === undefined || value === "") {
          throw new TaskUserError(
            `--from ${name}: no such key in the keystore or the environment (npx hardhat keystore set ${name})`,
          );
        }
        return value;
      },
    );
  } catch (error) {
    if (error instanceof TaskUserError) throw error;
    // The keystore's own refusal (no keystore, wrong password, key missing): one line, its words.
    throw new TaskUserError(`--from ${name}: ${(error as Error).message.split("\n")[0]}`, { cause: error });
  }
  try {
    return new Wallet(key.trim(), ethers.provider);
  } catch {
    throw new TaskUserError(`--from ${name}: the value stored under this name is not a private key`);
  }
}
