import { expect } from "chai";
import hre from "hardhat";

import type { Deployment } from "../../client/deployment.js";
import { ContractRevertError, DeploymentMismatchError, TransactionFailedError } from "../../client/errors.js";
import { connectPlatform } from "../../client/platform.js";
import { sendProven } from "../../client/transactions.js";
import { deployCore } from "../helpers/platform.js";

/** A deployment of the core contracts on a fresh in-process node, described as the client reads one. */
async function deployedCore() {
  const connection = await hre.network.create();
  const core = await deployCore(connection.ethers);
  const contracts: Deployment["contracts"] = {};
  for (const [key, contract] of [
    ["registry", core.registry],
    ["forwarder", core.forwarder],
    ["HKD", core.hkd],
    ["PHP", core.php],
  ] as const) {
    const receipt = await contract.deploymentTransaction()!.wait();
    contracts[key] = {
      address: await contract.getAddress(),
      blockNumber: receipt!.blockNumber,
      blockHash: receipt!.blockHash,
    };
  }
  const deployment: Deployment = { id: "core", chainId: 31337n, contracts };
  return { connection, core, deployment };
}

describe("client platform connection against a node", function () {
  describe("connectPlatform", function () {
    it("connects typed handles once the deployment is proven to be on the node", async function () {
      const { connection, core, deployment } = await deployedCore();
      const platform = await connectPlatform(deployment, core.issuer);
      expect(await platform.token("HKD").symbol()).to.equal("tHKD");
      expect(await platform.registry.tenantCount()).to.equal(0n);
      await connection.close();
    });

    it("refuses the same deployment on a restarted node, saying how to redeploy", async function () {
      const { connection, deployment } = await deployedCore();
      await connection.close();
      const restarted = await hre.network.create();
      const [signer] = await restarted.ethers.getSigners();
      await connectPlatform(deployment, signer!, { network: "localhost" }).then(
        () => expect.fail("connected"),
        (error: unknown) => {
          expect(error).to.be.instanceOf(DeploymentMismatchError);
          expect((error as DeploymentMismatchError).shortMessage).to.match(/is not on this node/);
          expect((error as DeploymentMismatchError).message).to.match(
            /--network localhost --deployment-id core --reset/,
          );
        },
      );
      await restarted.close();
    });

    it("refuses a deployment made on another chain", async function () {
      const { connection, core, deployment } = await deployedCore();
      await connectPlatform({ ...deployment, chainId: 1n }, core.issuer).then(
        () => expect.fail("connected"),
        (error: unknown) =>
          expect((error as Error).message).to.match(/was made on chain 1, but the node is chain 31337/),
      );
      await connection.close();
    });
  });

  describe("sendProven", function () {
    it("returns the receipt with the event that proves the call", async function () {
      const { connection, core } = await deployedCore();
      const to = core.admin.address;
      const token = core.hkd.connect(core.issuer);
      const tx = await sendProven(token, token.mint, [to, 100n], "Transfer");
      expect(tx.event.args.value).to.equal(100n);
      await connection.close();
    });

    it("refuses to report success when the receipt lacks the proving event", async function () {
      const { connection, core } = await deployedCore();
      const token = core.hkd.connect(core.issuer);
      await sendProven(token, token.mint, [core.admin.address, 100n], "Approval").then(
        () => expect.fail("reported success"),
        (error: unknown) => {
          expect(error).to.be.instanceOf(TransactionFailedError);
          expect((error as TransactionFailedError).code).to.equal("TRANSACTION_NOT_PROVEN");
        },
      );
      await connection.close();
    });

    it("decodes a call the contract would reject and sends nothing", async function () {
      const { connection, core } = await deployedCore();
      const token = core.hkd.connect(core.admin);
      const before = await connection.ethers.provider.getBlockNumber();
      await sendProven(token, token.mint, [core.admin.address, 100n], "Transfer").then(
        () => expect.fail("sent"),
        (error: unknown) => {
          expect(error).to.be.instanceOf(ContractRevertError);
          expect((error as ContractRevertError).errorName).to.equal("AccessControlUnauthorizedAccount");
          expect((error as ContractRevertError).shortMessage).to.match(/neededRole=ISSUER_ROLE/);
        },
      );
      expect(await connection.ethers.provider.getBlockNumber()).to.equal(before);
      await connection.close();
    });
  });
});
