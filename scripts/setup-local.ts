/**
 * `npm run setup:local`: sets up the platform on a running local node for `npm run services`, with the
 * project's one builder (fixtures/): deploys the platform through Ignition under a deployment id,
 * onboards the demo's tenants (hk-wallet, ph-wallet, settlement-bank among them), opens the HKD -> PHP
 * corridor and funds the bank's PHP liquidity and the HK operator's HKD ledger. Prints the deployment id.
 *
 *   npx hardhat node                        # another terminal; LOCALHOST_RPC_URL for another port
 *   npm run setup:local                     # DEPLOYMENT_ID=<id> for another id than "local"
 *
 * Run again on the same node it says the platform is already set up (and prints the id); on a node
 * restarted since, it refuses and says how to start over.
 */
import { existsSync } from "node:fs";
import path from "node:path";

import { encodeBytes32String } from "ethers";
import hre, { network } from "hardhat";

import { readIgnitionDeployment, verifyDeployment } from "../client/deployment.js";
import { BaseError } from "../client/errors.js";
import { DEMO_CORRIDOR, openCorridor } from "../fixtures/corridor.js";
import { buildPlatform } from "../fixtures/platform.js";
import { RemittanceSettlement__factory, TenantRegistry__factory } from "../typechain-types/index.js";

const deploymentId = process.env.DEPLOYMENT_ID ?? "local";
if (!/^[A-Za-z0-9_-]+$/.test(deploymentId)) {
  console.error(`DEPLOYMENT_ID may hold letters, digits, "-" and "_" only (got "${deploymentId}")`);
  process.exit(1);
}
const deploymentsDir = path.join(hre.config.paths.ignition, "deployments");
const log = (line: string) => console.log(line);
const connection = await network.create();
const services = `npm run services -- --deployment ${deploymentId} --dev-keys`;

try {
  if (existsSync(path.join(deploymentsDir, deploymentId))) {
    const deployment = await readIgnitionDeployment(deploymentsDir, deploymentId);
    try {
      await verifyDeployment(deployment, connection.ethers.provider, { network: connection.networkName });
    } catch (error) {
      console.error(
        [
          `Deployment "${deploymentId}" exists in ${path.relative(".", deploymentsDir)} but is not on this node:`,
          `  ${error instanceof BaseError ? error.shortMessage : error instanceof Error ? error.message : String(error)}`,
          `Start over: rm -rf ${path.relative(".", path.join(deploymentsDir, deploymentId))} && npm run setup:local`,
          `(or pick another id: DEPLOYMENT_ID=<id> npm run setup:local)`,
        ].join("\n"),
      );
      process.exitCode = 1;
    }
    if (process.exitCode !== 1) {
      const { provider } = connection.ethers;
      const registry = TenantRegistry__factory.connect(deployment.contracts.registry!.address, provider);
      const remittance = RemittanceSettlement__factory.connect(deployment.contracts.remittance!.address, provider);
      const tenantsActive = await Promise.all(
        ["hk-wallet", "ph-wallet", "settlement-bank"].map((t) => registry.isActive(encodeBytes32String(t))),
      );
      const corridor = await remittance.getCorridor(DEMO_CORRIDOR);
      if (tenantsActive.every(Boolean) && corridor.enabled) {
        log(`The platform is already set up on this node: deployment id ${deploymentId}`);
        log(`Start the services: ${services}`);
      } else {
        console.error(
          `Deployment "${deploymentId}" is on this node but only partly set up (a run stopped halfway?).\n` +
            `Start over on a fresh node, or pick another id: DEPLOYMENT_ID=<id> npm run setup:local`,
        );
        process.exitCode = 1;
      }
    }
  } else {
    log(`== Setting up the platform for the services on ${connection.networkName} ==`);
    const world = await buildPlatform(connection, log, { deploymentId });
    await openCorridor(world);
    log("");
    log(`Deployment id: ${deploymentId}`);
    log(`Start the services: ${services}`);
  }
} finally {
  await connection.close();
}
