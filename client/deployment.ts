/**
 * Deployments: where the platform's contracts live on a chain, read from Ignition's deployment folder
 * (`deploy/deployments/<id>/`) or from an exported manifest, and proven to be the deployment on the node
 * before anything uses it.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";

import { getAddress, isAddress, type Provider } from "ethers";

import { DeploymentMismatchError, DeploymentNotFoundError } from "./errors.js";

/** The platform's contracts, by the key the client uses, with their Ignition future ids. */
export const PLATFORM_FUTURES = {
  forwarder: "ForwarderModule#PlatformForwarder",
  registry: "TenantRegistryModule#TenantRegistry",
  escrow: "TokenEscrowModule#TokenEscrow",
  remittance: "RemittanceSettlementModule#RemittanceSettlement",
  HKD: "SettlementTokensModule#tHKD",
  PHP: "SettlementTokensModule#tPHP",
} as const;

export type PlatformKey = keyof typeof PLATFORM_FUTURES;

/** Contract name (artifact, typechain) of each key. */
export const CONTRACT_NAMES: Record<PlatformKey, string> = {
  forwarder: "PlatformForwarder",
  registry: "TenantRegistry",
  escrow: "TokenEscrow",
  remittance: "RemittanceSettlement",
  HKD: "SettlementToken",
  PHP: "SettlementToken",
};

export interface DeployedContract {
  address: string;
  /** The block the contract was created in: where history starts. */
  blockNumber: number;
  /** That block's hash: proves the node still has the chain the deployment was made on. */
  blockHash?: string;
}

/** A deployment of (part of) the platform on one chain. */
export interface Deployment {
  id: string;
  chainId: bigint;
  contracts: Partial<Record<PlatformKey, DeployedContract>>;
}

/** The format tag of an exported manifest; bumped if the shape ever changes. */
export const MANIFEST_FORMAT = "ledgerlink-deployment/1";

/** The command that (re)deploys the whole platform. */
export function redeployCommand(network: string, deploymentId?: string): string {
  const id = deploymentId === undefined ? "" : ` --deployment-id ${deploymentId}`;
  return `npx hardhat ignition deploy deploy/modules/PlatformModule.ts --network ${network}${id} --reset`;
}

/**
 * Reads an Ignition deployment: `deployed_addresses.json` for the addresses, `journal.jsonl` for the
 * chain id and each contract's creation block.
 */
export async function readIgnitionDeployment(deploymentsDir: string, id: string): Promise<Deployment> {
  const dir = path.join(deploymentsDir, id);
  let addresses: Record<string, string>;
  let journal: string;
  try {
    addresses = JSON.parse(await readFile(path.join(dir, "deployed_addresses.json"), "utf8")) as Record<string, string>;
    journal = await readFile(path.join(dir, "journal.jsonl"), "utf8");
  } catch (error) {
    throw new DeploymentNotFoundError(`no platform deployment "${id}" in ${deploymentsDir}`, {
      cause: error,
      metaMessages: ["Deploy first: npx hardhat ignition deploy deploy/modules/PlatformModule.ts --network <network>"],
    });
  }
  let chainId: bigint | undefined;
  const receipts = new Map<string, { blockNumber: number; blockHash: string; contractAddress?: string }>();
  for (const line of journal.split("\n")) {
    if (line.trim() === "") continue;
    let message: {
      type?: string;
      chainId?: number;
      futureId?: string;
      receipt?: { blockNumber: number; blockHash: string; contractAddress?: string };
    };
    try {
      message = JSON.parse(line) as typeof message;
    } catch {
      continue; // Ignition may be writing its last line; what came before is complete.
    }
    // Ignition records the chain once, when the deployment is first initialised.
    if (message.type === "DEPLOYMENT_INITIALIZE" && message.chainId !== undefined) chainId = BigInt(message.chainId);
    if (message.type === "TRANSACTION_CONFIRM" && message.futureId !== undefined && message.receipt !== undefined) {
      receipts.set(message.futureId, message.receipt);
    }
  }
  if (chainId === undefined) {
    throw new DeploymentNotFoundError(`deployment "${id}" has no chain id in its journal: it never started`);
  }
  const contracts: Deployment["contracts"] = {};
  for (const [key, futureId] of Object.entries(PLATFORM_FUTURES) as Array<[PlatformKey, string]>) {
    const address = addresses[futureId];
    if (address === undefined) continue;
    const receipt = receipts.get(futureId);
    contracts[key] = {
      address: getAddress(address),
      blockNumber: receipt?.blockNumber ?? 0,
      ...(receipt === undefined ? {} : { blockHash: receipt.blockHash }),
    };
  }
  return { id, chainId, contracts };
}

/** The JSON text of a deployment manifest (what `npm run export` writes; any EVM library can read it). */
export function serializeManifest(deployment: Deployment): string {
  const contracts: Record<string, unknown> = {};
  for (const [key, c] of Object.entries(deployment.contracts) as Array<[PlatformKey, DeployedContract]>) {
    contracts[key] = { contractName: CONTRACT_NAMES[key], ...c };
  }
  return (
    JSON.stringify(
      { format: MANIFEST_FORMAT, deploymentId: deployment.id, chainId: deployment.chainId.toString(), contracts },
      null,
      2,
    ) + "\n"
  );
}

/** Parses a manifest written by `serializeManifest`, checking every field. */
export function parseManifest(text: string, source = "manifest"): Deployment {
  const fail = (what: string) => {
    throw new DeploymentNotFoundError(`${source} is not a deployment manifest: ${what}`);
  };
  let raw: { format?: unknown; deploymentId?: unknown; chainId?: unknown; contracts?: unknown };
  try {
    raw = JSON.parse(text) as typeof raw;
  } catch {
    return fail("not JSON");
  }
  if (raw.format !== MANIFEST_FORMAT) fail(`format is not "${MANIFEST_FORMAT}"`);
  if (typeof raw.deploymentId !== "string") fail("deploymentId missing");
  if (typeof raw.chainId !== "string" || !/^\d+$/.test(raw.chainId)) fail("chainId is not a decimal string");
  if (typeof raw.contracts !== "object" || raw.contracts === null) fail("contracts missing");
  const contracts: Deployment["contracts"] = {};
  for (const [key, value] of Object.entries(raw.contracts as Record<string, unknown>)) {
    if (!Object.hasOwn(PLATFORM_FUTURES, key)) fail(`unknown contract "${key}"`);
    const c = value as { address?: unknown; blockNumber?: unknown; blockHash?: unknown };
    if (typeof c.address !== "string" || !isAddress(c.address)) fail(`${key}.address is not an address`);
    if (typeof c.blockNumber !== "number" || !Number.isSafeInteger(c.blockNumber) || c.blockNumber < 0) {
      fail(`${key}.blockNumber is not a block number`);
    }
    contracts[key as PlatformKey] = {
      address: getAddress(c.address as string),
      blockNumber: c.blockNumber as number,
      ...(typeof c.blockHash === "string" ? { blockHash: c.blockHash } : {}),
    };
  }
  return { id: raw.deploymentId as string, chainId: BigInt(raw.chainId as string), contracts };
}

/** Reads a manifest file. */
export async function readManifest(file: string): Promise<Deployment> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new DeploymentNotFoundError(`cannot read the deployment manifest ${file}`, { cause: error });
  }
  return parseManifest(text, file);
}

/**
 * Proves `deployment` is the one on the node behind `provider`: same chain id, code at every address,
 * and the creation blocks still in the node's chain (a restarted development node has other blocks at
 * the same heights, and often no code). Throws `DeploymentMismatchError` saying how to redeploy.
 */
export async function verifyDeployment(
  deployment: Deployment,
  provider: Provider,
  options: { network?: string } = {},
): Promise<void> {
  const network = options.network ?? "<network>";
  const redeploy = `Redeploy: ${redeployCommand(network, deployment.id)}`;
  const { chainId } = await provider.getNetwork();
  if (chainId !== deployment.chainId) {
    throw new DeploymentMismatchError(
      `deployment "${deployment.id}" was made on chain ${deployment.chainId}, but the node is chain ${chainId}`,
      { metaMessages: ["Pick the deployment's network (--network), or deploy on this one.", redeploy] },
    );
  }
  const entries = Object.entries(deployment.contracts) as Array<[PlatformKey, DeployedContract]>;
  const checks = await Promise.all(
    entries.map(async ([key, c]) => {
      const [code, block] = await Promise.all([
        provider.getCode(c.address),
        c.blockHash === undefined ? Promise.resolve(undefined) : provider.getBlock(c.blockNumber),
      ]);
      return { key, c, code, block };
    }),
  );
  for (const { key, c, code, block } of checks) {
    if (code === "0x") {
      throw new DeploymentMismatchError(
        `deployment "${deployment.id}" is not on this node: no contract at its ${key} ${c.address}`,
        { metaMessages: ["The node was restarted or reset since the deployment.", redeploy] },
      );
    }
    if (c.blockHash !== undefined && (block === null || block === undefined || block.hash !== c.blockHash)) {
      throw new DeploymentMismatchError(
        `deployment "${deployment.id}" is not on this node: block ${c.blockNumber}, where its ${key} was created, ` +
          (block === null || block === undefined ? "does not exist" : "is another block"),
        { metaMessages: ["The node was restarted or reset since the deployment.", redeploy] },
      );
    }
  }
}
