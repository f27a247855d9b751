import { readFile } from "node:fs/promises";

import { expect } from "chai";
import { hexlify, keccak256, randomBytes } from "ethers";

import type { SettlementToken, TenantRegistry, TokenEscrow } from "../../typechain-types/index.js";
import { startLocalNode, type LocalNode } from "../helpers/cli.js";
import { Deal } from "../helpers/escrow.js";
import { jurisdiction, kyb, Roles, tenantId } from "../helpers/platform.js";

/** Account indexes of the node: 0 deploys (operator and issuer by default), then the tenants' members. */
const BUYER = 5;
const SELLER = 6;
const ARBITER = 7;
const OUTSIDER = 9;

describe("escrow tasks against a local node", function () {
  this.timeout(600_000);
  let node: LocalNode;
  let escrow: TokenEscrow;
  let hkd: SettlementToken;
  let buyer: string;
  let seller: string;
  let arbiter: string;

  before(async function () {
    node = await startLocalNode();
    for (const module of ["TokenEscrowModule", "SettlementTokensModule"]) {
      const deployed = await node.ignitionDeploy(`deploy/modules/${module}.ts`, "deploy/parameters/localhost.json");
      expect(deployed.code, deployed.stderr + deployed.stdout).to.equal(0);
    }
    const addresses = JSON.parse(
      await readFile(`deploy/deployments/${node.deploymentId}/deployed_addresses.json`, "utf8"),
    ) as Record<string, string>;
    const signers = await node.ethers.getSigners();
    const [deployer] = signers;
    [buyer, seller, arbiter] = [signers[BUYER]!.address, signers[SELLER]!.address, signers[ARBITER]!.address];

    const registry = (await node.ethers.getContractAt(
      "TenantRegistry",
      addresses["TenantRegistryModule#TenantRegistry"]!,
      deployer,
    )) as unknown as TenantRegistry;
    for (const [label, roles, admin] of [
      ["sme-tea-house", Roles.merchant, buyer],
      ["sme-tea-farm", Roles.merchant, seller],
      ["trade-arbiter", Roles.arbiter, arbiter],
    ] as const) {
      await (
        await registry.onboard({
          tenantId: tenantId(label),
          name: label,
          roles,
          jurisdiction: jurisdiction("HK"),
          kybHash: kyb(label),
          sponsor: tenantId(""),
          admin,
        })
      ).wait();
      await (await registry.approve(tenantId(label))).wait();
    }
    escrow = (await node.ethers.getContractAt(
      "TokenEscrow",
      addresses["TokenEscrowModule#TokenEscrow"]!,
    )) as unknown as TokenEscrow;
    hkd = (await node.ethers.getContractAt(
      "SettlementToken",
      addresses["SettlementTokensModule#tHKD"]!,
      deployer,
    )) as unknown as SettlementToken;
    await (await hkd.mint(buyer, 10_000_000n)).wait(); // HKD 100,000.00
  });

  after(async function () {
    await node?.close();
  });

  async function run(task: string[], args: Record<string, string | boolean>, expected: RegExp) {
    const result = await node.task(["escrow", ...task], args);
    expect(result.code, `escrow ${task.join(" ")}: ${result.stderr}`).to.equal(0);
    expect(result.stdout).to.match(expected);
    return result.stdout;
  }

  async function open(args: Record<string, string | boolean>): Promise<string> {
    const stdout = await run(["open"], { from: String(BUYER), payee: seller, ...args }, /Opened deal .*status Funded/);
    expect(stdout).to.match(/tx 0x[0-9a-f]{64} \(block \d+, gas \d+\)/);
    return /Opened deal (0x[0-9a-f]{64})/.exec(stdout)![1]!;
  }

  const statusOf = async (id: string) => (await escrow.getDeal(id)).status;

  it("opens a milestone deal with a permit, releases a milestone, and the arbiter resolves a dispute", async function () {
    const id = await open({
      amount: "12500.00",
      milestones: "2500,10000",
      arbiter,
      reference: "PO-2026-0042",
      permit: true,
    });
    expect(await statusOf(id)).to.equal(Deal.Funded);
    await run(["release-milestone"], { deal: id, from: String(BUYER) }, /milestone 1 of 2 released/);
    await run(["dispute"], { deal: id, from: String(SELLER) }, /Funded -> Disputed/);
    const resolved = await run(
      ["resolve"],
      { deal: id, "payee-bps": "6000", from: String(ARBITER) },
      /Disputed -> Resolved \(60% to the payee\)/,
    );
    expect(resolved).to.match(/payer .* receives 4,000\.00 tHKD/);
    expect(await statusOf(id)).to.equal(Deal.Resolved);

    const shown = await run(["show"], { deal: id }, /status\s+Resolved/);
    expect(shown).to.match(/payer\s+0x[0-9a-fA-F]{40} \(sme-tea-house\)/);
    expect(shown).to.match(/milestones\s+2,500\.00 tHKD \| 10,000\.00 tHKD \(1 released\)/);
    expect(shown).to.match(/reference\s+0x/);
  });

  it("opens a hashlocked deal funded by approval, and the seller claims it with the secret", async function () {
    const signer = (await node.ethers.getSigners())[BUYER]!;
    await (await hkd.connect(signer).approve(await escrow.getAddress(), 10_000_000n)).wait();
    const secret = hexlify(randomBytes(32));
    const id = await open({ amount: "800", hashlock: keccak256(secret), deadline: "2d" });
    await run(["claim"], { deal: id, secret, from: String(SELLER) }, /Funded -> Released \(claimed with the secret\)/);
    expect(await statusOf(id)).to.equal(Deal.Released);
  });

  it("releases a plain deal, and refunds another once its deadline has passed, at anyone's request", async function () {
    const released = await open({ amount: "150.25" });
    await run(["release"], { deal: released, from: String(BUYER) }, /Funded -> Released/);
    expect(await statusOf(released)).to.equal(Deal.Released);

    const expiring = await open({ amount: "99", deadline: "90s" });
    await node.ethers.provider.send("evm_increaseTime", [120]);
    await node.ethers.provider.send("evm_mine", []);
    await run(["refund"], { deal: expiring, from: String(OUTSIDER) }, /Funded -> Refunded/);
    expect(await statusOf(expiring)).to.equal(Deal.Refunded);
  });

  it("lists a tenant's deals from the logs, as payer and as payee", async function () {
    const buyerList = await run(["list"], { tenant: "sme-tea-house" }, /4 deal\(s\) of sme-tea-house/);
    expect(buyerList).to.match(/Resolved\s+as payer with sme-tea-farm\s+12,500\.00 tHKD/);
    expect(buyerList).to.match(/Refunded\s+as payer/);
    const sellerList = await run(["list"], { tenant: "sme-tea-farm" }, /4 deal\(s\) of sme-tea-farm/);
    expect(sellerList).to.match(/as payee with sme-tea-house/);
    await run(["list"], { tenant: "trade-arbiter" }, /0 deal\(s\) of trade-arbiter/);
  });

  it("rejects bad arguments and calls the escrow would refuse with a readable message, and sends nothing", async function () {
    const done = /0x[0-9a-f]{64}/.exec(await run(["list"], { tenant: "sme-tea-house" }, /Released/))![0];
    const before = await node.ethers.provider.getBlockNumber();
    const unknown = hexlify(randomBytes(32));
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [["open"], { amount: "10", from: String(BUYER) }, /--payee is required/],
      [
        ["open"],
        { payee: seller, amount: "ten", from: String(BUYER) },
        /--amount "ten" is not a positive decimal amount/,
      ],
      [["open"], { payee: seller, amount: "1.005", from: String(BUYER) }, /--amount "1.005" has more than 2 decimals/],
      [["open"], { payee: "0x1234", amount: "10", from: String(BUYER) }, /--payee "0x1234" is not an address/],
      [
        ["open"],
        { payee: seller, amount: "100", milestones: "30,60", from: String(BUYER) },
        /--milestones add up to 90\.00 tHKD, not the deal's amount 100\.00 tHKD/,
      ],
      [
        ["open"],
        { payee: seller, amount: "10", token: "tUSD", from: String(BUYER) },
        /neither a settlement token \(HKD, PHP\) nor an address/,
      ],
      [["open"], { payee: seller, amount: "10", deadline: "tomorrow" }, /--deadline "tomorrow" is not a duration/],
      [
        ["open"],
        { payee: seller, amount: "10", "hash-function": "sha256", from: String(BUYER) },
        /--hash-function only applies with --hashlock/,
      ],
      [["open"], { payee: seller, amount: "10", from: String(OUTSIDER) }, /holds 0\.00 tHKD, less than 10\.00 tHKD/],
      [
        ["open"],
        { payee: buyer, amount: "10", from: String(SELLER) },
        /the escrow may spend 0\.00 tHKD of the payer's tHKD, less than 10\.00 tHKD: approve 0x[0-9a-fA-F]{40} first, or pass --permit/,
      ],
      [["release"], { deal: "0x1234", from: String(BUYER) }, /--deal "0x1234" is not a deal id/],
      [["release"], { deal: unknown, from: String(BUYER) }, /no deal 0x[0-9a-f]{64} was opened on this escrow/],
      [["release"], { deal: done, from: String(BUYER) }, /is (Released|Refunded|Resolved), which is final/],
      [["claim"], { deal: done, secret: "abc", from: String(SELLER) }, /--secret must be 32 bytes of hex/],
      [
        ["resolve"],
        { deal: done, "payee-bps": "10001", from: String(ARBITER) },
        /--payee-bps 10001 is above the maximum 10000/,
      ],
      [["list"], { tenant: "nobody" }, /unknown tenant nobody/],
    ];
    for (const [task, args, expected] of cases) {
      const result = await node.task(["escrow", ...task], args);
      expect(result.code, `escrow ${task.join(" ")} ${JSON.stringify(args)}`).to.not.equal(0);
      expect(result.stderr).to.match(expected);
      expect(result.stderr).to.not.match(/at .*\.ts:\d+/); // a message, not a stack trace
    }
    expect(await node.ethers.provider.getBlockNumber()).to.equal(before);
  });

  it("reports the escrow's own refusal, decoded, when the simulation fails, and sends nothing", async function () {
    const id = await open({ amount: "10", arbiter });
    const noArbiter = await open({ amount: "10" });
    const before = await node.ethers.provider.getBlockNumber();
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [["release"], { deal: id, from: String(SELLER) }, /EscrowNotPayer\(caller=0x[0-9a-fA-F]{40}, payer=/],
      [["resolve"], { deal: id, "payee-bps": "5000", from: String(ARBITER) }, /EscrowInvalidStatus\(.*status=Funded\)/],
      [
        ["refund"],
        { deal: id, from: String(BUYER) },
        /EscrowNotRefundable\(dealId=0x[0-9a-f]{64}, refundableAt=\d{4}-\d\d-\d\dT[\d:]+Z\)/,
      ],
      [["release-milestone"], { deal: id, from: String(BUYER) }, /has no milestones: use `escrow release`/],
      [["dispute"], { deal: noArbiter, from: String(SELLER) }, /names no arbiter/],
      [["dispute"], { deal: id, from: String(OUTSIDER) }, /EscrowNotParty/],
      [["claim"], { deal: id, secret: hexlify(randomBytes(32)), from: String(SELLER) }, /has no hashlock/],
      [["open"], { payee: hexlify(randomBytes(20)), amount: "10", from: String(BUYER) }, /RegistryNotMember\(account=/],
    ];
    for (const [task, args, expected] of cases) {
      const result = await node.task(["escrow", ...task], args);
      expect(result.code, `escrow ${task.join(" ")}`).to.not.equal(0);
      expect(result.stderr).to.match(expected);
    }
    expect(await node.ethers.provider.getBlockNumber()).to.equal(before);
  });
});
