import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import path from "node:path";

import { HDNodeWallet, Mnemonic } from "ethers";
import hre from "hardhat";

import { openCorridor, type CorridorOptions, type CorridorSetup } from "../../../fixtures/corridor.js";
import { buildPlatform } from "../../../fixtures/platform.js";
import type { DemoWorld } from "../../../fixtures/world.js";
import { startAnvil, type Anvil } from "./anvil.js";

/** The public dev mnemonic anvil and Hardhat fund (test keys only). */
const DEV_MNEMONIC = Mnemonic.fromPhrase("test test test test test test test test test test test junk");
export const devKey = (index: number) => HDNodeWallet.fromMnemonic(DEV_MNEMONIC, `m/44'/60'/0'/0/${index}`).privateKey;

/**
 * anvil with the platform deployed by the project's builder (Ignition, onboarding) and the demo corridor
 * open and funded, as the services see a network. Deployed with automine; `intervalMining(1)` then
 * switches to 1 s blocks. The Ignition deployment has an id of its own, removed on `close`.
 */
export interface RemittanceNode {
  anvil: Anvil;
  world: DemoWorld;
  setup: CorridorSetup;
  /** Private keys of the tenants' admin members (the demo's account indexes). */
  keys: { hkWallet: string; phWallet: string; bank: string };
  intervalMining(seconds: number): Promise<void>;
  close(): Promise<void>;
}

export async function startRemittanceNode(options: CorridorOptions = {}): Promise<RemittanceNode> {
  const anvil = await startAnvil({ extraArgs: ["--accounts", "20"] });
  const deploymentId = `services-test-${randomBytes(4).toString("hex")}`;
  const connection = await hre.network.create({ network: "localhost", override: { url: anvil.url } });
  try {
    const world = await buildPlatform(connection, () => {}, { deploymentId });
    const setup = await openCorridor({ ...world, log: () => {} }, options);
    return {
      anvil,
      world,
      setup,
      keys: { hkWallet: devKey(5), phWallet: devKey(6), bank: devKey(7) },
      async intervalMining(seconds) {
        await anvil.rpc("evm_setAutomine", [false]);
        await anvil.rpc("evm_setIntervalMining", [seconds]);
      },
      async close() {
        await connection.close();
        await anvil.stop();
        await rm(path.join(hre.config.paths.ignition, "deployments", deploymentId), { recursive: true, force: true });
      },
    };
  } catch (error) {
    await connection.close();
    await anvil.stop();
    await rm(path.join(hre.config.paths.ignition, "deployments", deploymentId), { recursive: true, force: true });
    throw error;
  }
}
