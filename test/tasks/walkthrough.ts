import { execFile } from "node:child_process";
import { promisify } from "node:util";

import { expect } from "chai";

import { startLocalNode, type LocalNode } from "../helpers/cli.js";

const run = promisify(execFile);

describe("the README's walk-through against a local node", function () {
  this.timeout(600_000);
  let node: LocalNode;

  before(async function () {
    node = await startLocalNode();
  });

  after(async function () {
    await node?.close();
  });

  it("deploys, onboards, runs an escrow trade and settles, rejects and expires remittances", async function () {
    const { stdout } = await run("bash", ["scripts/node-walkthrough.sh"], {
      env: { ...process.env, LOCALHOST_RPC_URL: node.url, DEPLOYMENT_ID: node.deploymentId },
      maxBuffer: 16 * 1024 * 1024,
      timeout: 540_000,
    });
    expect(stdout).to.match(/hk-wallet\s+Active/);
    expect(stdout).to.match(/Deal 0x[0-9a-f]{64}\n\s+status\s+Resolved/);
    expect(stdout).to.match(/PaidOut\s+to\s+ph-wallet/);
    expect(stdout).to.match(/Rejected\s+to\s+ph-wallet/);
    expect(stdout).to.match(/Expired\s+to\s+ph-wallet/);
    expect(stdout).to.match(/walk-through complete/);
  });
});
