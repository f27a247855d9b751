import { expect } from "chai";
import hre from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";

import type { Deployment } from "../../client/deployment.js";
import { connectPlatform } from "../../client/platform.js";
import { mintToken } from "../../tasks/actions/token/mint.js";
import { transitionTenant } from "../../tasks/actions/tenant/transition.js";
import type { ActionDependencies } from "../../tasks/lib/dependencies.js";
import { TaskUserError } from "../../tasks/lib/errors.js";
import { deployCore, onboardActive, Roles, Status, tenantId } from "../helpers/platform.js";

/**
 * Task bodies run without the command line: the test hands each body its dependencies (a context on an
 * in-process node, a printer that records), as the default export does from `hre`.
 */
async function platformOnNode() {
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
    contracts[key] = { address: await contract.getAddress(), blockNumber: receipt!.blockNumber };
  }
  const deployment: Deployment = { id: "core", chainId: 31337n, contracts };
  const [, , , member] = await connection.ethers.getSigners();
  await onboardActive(core.registry, core.operator, { label: "sme-kowloon", roles: Roles.merchant, admin: member! });

  /** Dependencies acting as `signer`, with every printed line recorded, and how many contexts were opened. */
  const depsAs = (signer: HardhatEthersSigner) => {
    const lines: string[] = [];
    const opened = { count: 0 };
    const deps: ActionDependencies = {
      openContext: async () => {
        opened.count += 1;
        const platform = await connectPlatform(deployment, signer);
        return {
          ethers: connection.ethers,
          networkName: connection.networkName,
          chainId: deployment.chainId,
          deploymentId: deployment.id,
          signer,
          platform,
          address: (key) => platform.address(key),
        };
      },
      print: { line: (text) => lines.push(text), error: (text) => lines.push(`error: ${text}`) },
    };
    return { deps, lines, opened };
  };
  return { core, member: member!, depsAs };
}

const noContext = { deployment: "", from: "" };

/** The error a body refused with; fails the test if it did not refuse. */
async function refusal(run: Promise<unknown>): Promise<TaskUserError> {
  const error = await run.then(
    () => expect.fail("the body did not refuse"),
    (e: unknown) => e,
  );
  expect(error).to.be.instanceOf(TaskUserError);
  return error as TaskUserError;
}

describe("task bodies without the command line", function () {
  describe("token mint", function () {
    it("mints as the issuer and prints the new balance and the transaction", async function () {
      const { core, member, depsAs } = await platformOnNode();
      const { deps, lines } = depsAs(core.issuer);
      await mintToken({ ...noContext, token: "HKD", to: member.address, amount: "1234.5" }, deps);
      expect(await core.hkd.balanceOf(member.address)).to.equal(123_450n);
      expect(lines[0]).to.equal(`Minted 1,234.50 tHKD to ${member.address}: balance 1,234.50 tHKD`);
      expect(lines[1]).to.match(/^ {2}tx 0x[0-9a-f]{64}/);
    });

    it("refuses a missing recipient before opening a context, so nothing can be sent", async function () {
      const { core, depsAs } = await platformOnNode();
      const { deps, lines, opened } = depsAs(core.issuer);
      const error = await refusal(mintToken({ ...noContext, token: "HKD", to: "", amount: "1" }, deps));
      expect(error.shortMessage).to.match(/--to is required/);
      expect(opened.count).to.equal(0);
      expect(lines).to.deep.equal([]);
    });
  });

  describe("tenant transitions", function () {
    it("suspends a tenant as the operator and prints both statuses", async function () {
      const { core, depsAs } = await platformOnNode();
      const { deps, lines } = depsAs(core.operator);
      await transitionTenant("suspend", { ...noContext, tenant: "sme-kowloon", reason: "7" }, deps);
      expect(await core.registry.statusOf(tenantId("sme-kowloon"))).to.equal(Status.Suspended);
      expect(lines[0]).to.equal("sme-kowloon: Active -> Suspended");
    });

    it("refuses an unknown tenant without sending anything", async function () {
      const { core, depsAs } = await platformOnNode();
      const { deps, lines } = depsAs(core.operator);
      const before = await core.operator.getNonce();
      const error = await refusal(transitionTenant("suspend", { ...noContext, tenant: "nobody" }, deps));
      expect(error.shortMessage).to.match(/unknown tenant nobody/);
      expect(await core.operator.getNonce()).to.equal(before);
      expect(lines).to.deep.equal([]);
    });
  });
});
