import { expect } from "chai";

import { Status, tenantId } from "../helpers/platform.js";
import { startLocalNode, type LocalNode } from "../helpers/cli.js";

describe("tenant tasks against a local node", function () {
  this.timeout(300_000);
  let node: LocalNode;
  let admin: string;
  let member: string;
  let other: string;

  before(async function () {
    node = await startLocalNode();
    const signers = await node.ethers.getSigners();
    admin = signers[5]!.address;
    member = signers[6]!.address;
    other = signers[7]!.address;
    const deployed = await node.ignitionDeploy("deploy/modules/TenantRegistryModule.ts");
    expect(deployed.code, deployed.stderr + deployed.stdout).to.equal(0);
  });

  after(async function () {
    await node?.close();
  });

  it("runs onboard, approve, invite, accept, revoke-invitation, leave, suspend, reinstate, freeze, unfreeze, set-settlement-address and offboard in sequence", async function () {
    const steps: Array<[string[], Record<string, string>, RegExp]> = [
      [
        ["tenant", "onboard"],
        {
          tenant: "hk-wallet",
          name: "HK Wallet Ltd",
          roles: "payment-operator",
          jurisdiction: "HK",
          kyb: "kyb/hk-wallet.pdf",
          admin,
        },
        /Onboarded hk-wallet .*status Pending/,
      ],
      [["tenant", "approve"], { tenant: "hk-wallet" }, /hk-wallet: Pending -> Active/],
      [
        ["tenant", "invite"],
        { tenant: "hk-wallet", account: member, roles: "payment-operator", from: "5" },
        /invited to act for hk-wallet as payment-operator/,
      ],
      [["tenant", "accept"], { tenant: "hk-wallet", from: "6" }, /now acts for hk-wallet as payment-operator/],
      [
        ["tenant", "invite"],
        { tenant: "hk-wallet", account: other, roles: "payment-operator,treasury", from: "5" },
        /invited to act for hk-wallet as payment-operator,treasury/,
      ],
      [
        ["tenant", "revoke-invitation"],
        { tenant: "hk-wallet", account: other, from: "5" },
        /Invitation of .* to hk-wallet withdrawn/,
      ],
      [
        ["tenant", "invite"],
        { tenant: "hk-wallet", account: other, roles: "payment-operator", from: "5" },
        /invited to act for hk-wallet as payment-operator/,
      ],
      [["tenant", "accept"], { tenant: "hk-wallet", from: "7" }, /now acts for hk-wallet as payment-operator/],
      [["tenant", "leave"], { from: "7" }, /no longer acts for hk-wallet/],
      [["tenant", "suspend"], { tenant: "hk-wallet", reason: "7" }, /hk-wallet: Active -> Suspended/],
      [["tenant", "reinstate"], { tenant: "hk-wallet" }, /hk-wallet: Suspended -> Active/],
      [["tenant", "freeze"], { tenant: "hk-wallet", reason: "9" }, /hk-wallet: Active -> Frozen/],
      [["tenant", "unfreeze"], { tenant: "hk-wallet" }, /hk-wallet: Frozen -> Suspended/],
      [["tenant", "reinstate"], { tenant: "hk-wallet" }, /hk-wallet: Suspended -> Active/],
      [
        ["tenant", "set-settlement-address"],
        { tenant: "hk-wallet", address: other },
        /hk-wallet: settlement address 0x[0-9a-fA-F]{40} -> 0x[0-9a-fA-F]{40}/,
      ],
      [["tenant", "offboard"], { tenant: "hk-wallet" }, /hk-wallet: Active -> Offboarded/],
    ];
    for (const [task, args, expected] of steps) {
      const result = await node.task(task, args);
      expect(result.code, `${task.join(" ")}: ${result.stderr}`).to.equal(0);
      expect(result.stdout).to.match(expected);
      expect(result.stdout).to.match(/tx 0x[0-9a-f]{64} \(block \d+, gas \d+\)/);
    }
    const registry = await node.ethers.getContractAt("TenantRegistry", await registryAddress(node));
    expect(await registry.statusOf(tenantId("hk-wallet"))).to.equal(Status.Offboarded);
    expect(await registry.tenantOf(member)).to.equal(tenantId("hk-wallet"));
    expect(await registry.tenantOf(other)).to.equal("0x" + "00".repeat(32));
    expect(await registry.settlementAddressOf(tenantId("hk-wallet"))).to.equal(other);
  });

  it("shows and lists tenants readably", async function () {
    const shown = await node.task(["tenant", "show"], { tenant: "hk-wallet" });
    expect(shown.stdout).to.match(/status\s+Offboarded/);
    expect(shown.stdout).to.match(/jurisdiction\s+HK/);
    const byAccount = await node.task(["tenant", "show"], { account: member });
    expect(byAccount.stdout).to.match(/acts for hk-wallet/);
    const listed = await node.task(["tenant", "list"]);
    expect(listed.stdout).to.match(/1 tenant\(s\)/);
    expect(listed.stdout).to.match(/hk-wallet\s+Offboarded/);
  });

  it("rejects bad arguments with a readable message and sends nothing", async function () {
    const before = await node.ethers.provider.getBlockNumber();
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [["tenant", "approve"], { tenant: "nobody" }, /unknown tenant nobody/],
      [
        ["tenant", "onboard"],
        { tenant: "evil", name: "Evil\u001b[2J", roles: "merchant", jurisdiction: "HK", kyb: "k", admin: member },
        /--name contains control characters/,
      ],
      [["tenant", "invite"], { tenant: "hk-wallet", account: "0x1234", roles: "merchant" }, /is not an address/],
      [["tenant", "accept"], { tenant: "hk-wallet", from: "8" }, /has no invitation from hk-wallet/],
      [["tenant", "leave"], { from: "8" }, /is not a member of any tenant/],
      [
        ["tenant", "onboard"],
        { tenant: "x", name: "X", roles: "banker", jurisdiction: "HK", kyb: "k", admin },
        /unknown role "banker"/,
      ],
      [["tenant", "reinstate"], { tenant: "hk-wallet" }, /RegistryInvalidTransition/],
    ];
    for (const [task, args, expected] of cases) {
      const result = await node.task(task, args);
      expect(result.code, task.join(" ")).to.not.equal(0);
      expect(result.stderr).to.match(expected);
      expect(result.stderr).to.not.match(/at .*\.ts:\d+/); // a message, not a stack trace
    }
    expect(await node.ethers.provider.getBlockNumber()).to.equal(before);
  });

  it("tells which deployment is missing on a network without one", async function () {
    const result = await node.task(["tenant", "list"], { deployment: "no-such-deployment" });
    expect(result.code).to.not.equal(0);
    expect(result.stderr).to.match(/no platform deployment "no-such-deployment"/);
  });

  it("refuses a deployment that is not on the node (a restarted node), saying how to redeploy, and sends nothing", async function () {
    const restarted = await startLocalNode();
    try {
      const result = await restarted.task(["tenant", "approve"], {
        deployment: node.deploymentId,
        tenant: "hk-wallet",
      });
      expect(result.code).to.not.equal(0);
      expect(result.stderr).to.match(new RegExp(`deployment "${node.deploymentId}" is not on this node`));
      expect(result.stderr).to.match(/npx hardhat ignition deploy .* --reset/);
      expect(result.stderr).to.not.match(/at .*\.ts:\d+/);
      expect(await restarted.ethers.provider.getBlockNumber()).to.equal(0);
    } finally {
      await restarted.close();
    }
  });
});

async function registryAddress(node: LocalNode): Promise<string> {
  const { readFile } = await import("node:fs/promises");
  const file = `deploy/deployments/${node.deploymentId}/deployed_addresses.json`;
  const addresses = JSON.parse(await readFile(file, "utf8")) as Record<string, string>;
  return addresses["TenantRegistryModule#TenantRegistry"]!;
}
