import { expect } from "chai";
import { HDNodeWallet, Mnemonic } from "ethers";

import { startLocalNode, type LocalNode } from "../helpers/cli.js";

describe("token tasks against a local node", function () {
  this.timeout(300_000);
  let node: LocalNode;
  let holder: string;

  before(async function () {
    // A member key named like a configuration variable, as an operator keeps one on `besu` (the keystore
    // answers first; the environment is the fallback the CLI test can set without a password prompt).
    const phrase = Mnemonic.fromPhrase("test test test test test test test test test test test junk");
    process.env.TOKEN_TASKS_HOLDER_KEY = HDNodeWallet.fromMnemonic(phrase, "m/44'/60'/0'/0/7").privateKey;
    node = await startLocalNode();
    holder = (await node.ethers.getSigners())[7]!.address;
    const deployed = await node.ignitionDeploy("deploy/modules/PlatformModule.ts", "deploy/parameters/localhost.json");
    expect(deployed.code, deployed.stderr + deployed.stdout).to.equal(0);
  });

  after(async function () {
    await node?.close();
  });

  it("mints a settlement token as its issuer and reports the new balance", async function () {
    const result = await node.task(["token", "mint"], { token: "HKD", to: holder, amount: "1250.50" });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/Minted 1,250.50 tHKD to 0x[0-9a-fA-F]{40}: balance 1,250.50 tHKD/);
    expect(result.stdout).to.match(/tx 0x[0-9a-f]{64} \(block \d+, gas \d+\)/);
  });

  it("approves the escrow by name for an amount, and shows it among the holder's allowances", async function () {
    const approved = await node.task(["token", "approve"], {
      token: "tHKD",
      spender: "escrow",
      amount: "300",
      from: "7",
    });
    expect(approved.code, approved.stderr).to.equal(0);
    const balance = await node.task(["token", "balance"], { token: "tHKD", account: holder });
    expect(balance.stdout).to.match(/holds 1,250.50 tHKD/);
    expect(balance.stdout).to.match(/allowance to escrow\s+300.00 tHKD/);
    expect(balance.stdout).to.match(/allowance to remittance\s+0.00 tHKD/);
  });

  it("signs with a member key named by --from, and revokes an allowance with --amount 0", async function () {
    const revoked = await node.task(["token", "approve"], {
      token: "tHKD",
      spender: "escrow",
      amount: "0",
      from: "TOKEN_TASKS_HOLDER_KEY",
    });
    expect(revoked.code, revoked.stderr).to.equal(0);
    expect(revoked.stdout).to.match(new RegExp(`${holder} revoked the allowance of 0x[0-9a-fA-F]{40}`));
    const balance = await node.task(["token", "balance"], { token: "tHKD", account: holder });
    expect(balance.stdout).to.match(/allowance to escrow\s+0.00 tHKD/);
  });

  it("names a key --from cannot find, and an address with a bad checksum", async function () {
    const missing = await node.task(["token", "approve"], {
      token: "HKD",
      spender: "escrow",
      amount: "1",
      from: "NO_SUCH_KEY",
    });
    expect(missing.stderr).to.match(/Error: --from NO_SUCH_KEY: .*(no such key|not found)/);
    const mint = await node.task(["token", "mint"], {
      token: "HKD",
      to: "0x15d34AAf54267DB7D7c367839AAf71A00a2C6a65",
      amount: "1",
    });
    expect(mint.code).to.not.equal(0);
    expect(mint.stderr).to.match(/has a bad checksum/);
  });

  it("refuses a mint by an account that is not the issuer, sending nothing", async function () {
    const before = await node.ethers.provider.getBlockNumber();
    const result = await node.task(["token", "mint"], { token: "PHP", to: holder, amount: "5", from: "7" });
    expect(result.code).to.not.equal(0);
    expect(result.stderr).to.match(/AccessControlUnauthorizedAccount/);
    expect(await node.ethers.provider.getBlockNumber()).to.equal(before);
  });

  it("rejects an unknown token, spender or malformed amount with a readable message", async function () {
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [["token", "mint"], { token: "EUR", to: holder, amount: "1" }, /neither a settlement token/],
      [
        ["token", "approve"],
        { token: "HKD", spender: "bank", amount: "1" },
        /neither escrow, remittance nor an address/,
      ],
      [["token", "mint"], { token: "HKD", to: holder, amount: "1.005" }, /has more than 2 decimals/],
      [["token", "mint"], { token: "HKD", to: "0x12", amount: "1" }, /is not an address/],
    ];
    for (const [task, args, expected] of cases) {
      const result = await node.task(task, args);
      expect(result.code, task.join(" ")).to.not.equal(0);
      expect(result.stderr).to.match(expected);
      expect(result.stderr).to.not.match(/at .*\.ts:\d+/);
    }
  });
});
