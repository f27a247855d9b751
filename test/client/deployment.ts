import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";

import { parseManifest, readIgnitionDeployment, serializeManifest, type Deployment } from "../../client/deployment.js";
import { DeploymentNotFoundError } from "../../client/errors.js";

const registry = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const hkd = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";

describe("client deployment lookup", function () {
  let dir: string;

  beforeEach(async function () {
    dir = await mkdtemp(path.join(tmpdir(), "ledgerlink-deployments-"));
  });

  afterEach(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads addresses, chain id and creation blocks from an Ignition deployment folder", async function () {
    await mkdir(path.join(dir, "chain-31337"));
    await writeFile(
      path.join(dir, "chain-31337", "deployed_addresses.json"),
      JSON.stringify({ "TenantRegistryModule#TenantRegistry": registry, "SettlementTokensModule#tHKD": hkd }),
    );
    const journal = [
      { type: "DEPLOYMENT_INITIALIZE", chainId: 31337 },
      {
        type: "TRANSACTION_CONFIRM",
        futureId: "TenantRegistryModule#TenantRegistry",
        hash: "0x01",
        receipt: {
          blockNumber: 2,
          blockHash: "0x" + "22".repeat(32),
          contractAddress: registry,
          status: "SUCCESS",
          logs: [],
        },
      },
    ];
    await writeFile(
      path.join(dir, "chain-31337", "journal.jsonl"),
      journal.map((m) => JSON.stringify(m)).join("\n") + "\n",
    );

    const deployment = await readIgnitionDeployment(dir, "chain-31337");
    expect(deployment.chainId).to.equal(31337n);
    expect(deployment.contracts.registry).to.deep.equal({
      address: registry,
      blockNumber: 2,
      blockHash: "0x" + "22".repeat(32),
    });
    expect(deployment.contracts.HKD?.address).to.equal(hkd);
    expect(deployment.contracts.escrow).to.equal(undefined);
  });

  it("says how to deploy when the folder does not exist", async function () {
    await readIgnitionDeployment(dir, "chain-1").then(
      () => expect.fail("resolved"),
      (error: unknown) => {
        expect(error).to.be.instanceOf(DeploymentNotFoundError);
        expect((error as DeploymentNotFoundError).message).to.match(/npx hardhat ignition deploy/);
      },
    );
  });

  it("round-trips a deployment through its exported manifest", function () {
    const deployment: Deployment = {
      id: "chain-31337",
      chainId: 31337n,
      contracts: {
        registry: { address: registry, blockNumber: 2, blockHash: "0x" + "22".repeat(32) },
        HKD: { address: hkd, blockNumber: 3 },
      },
    };
    expect(parseManifest(serializeManifest(deployment))).to.deep.equal(deployment);
  });

  it("refuses a manifest with a malformed address", function () {
    const text = serializeManifest({
      id: "x",
      chainId: 1n,
      contracts: { registry: { address: registry, blockNumber: 0 } },
    });
    expect(() => parseManifest(text.replace(registry, "0x1234"))).to.throw(
      DeploymentNotFoundError,
      /registry.address is not an address/,
    );
  });
});
