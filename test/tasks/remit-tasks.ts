import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { expect } from "chai";
import { keccak256, toUtf8Bytes } from "ethers";

import { buildQuote, serializeSignedQuote } from "../../client/quote-file.js";
import { remittanceIdOf, signQuote } from "../../client/eip712/quote.js";
import { startLocalNode, type LocalNode } from "../helpers/cli.js";
import { Roles, tenantId } from "../helpers/platform.js";
import type { RemittanceSettlement, SettlementToken, TenantRegistry } from "../../typechain-types/index.js";

const HK = tenantId("hk-wallet");
const PH = tenantId("ph-wallet");
const BANK = tenantId("settlement-bank");
const CORRIDOR = tenantId("HKD-PHP");

describe("remit tasks against a local node", function () {
  this.timeout(600_000);
  let node: LocalNode;
  let dir: string;
  let operator: HardhatEthersSigner;
  let hkOps: HardhatEthersSigner;
  let phOps: HardhatEthersSigner;
  let bank: HardhatEthersSigner;
  let outsider: HardhatEthersSigner;
  let remittance: RemittanceSettlement;
  let hkd: SettlementToken;
  let php: SettlementToken;

  async function ok(task: string[], args: Record<string, string | boolean>, expected: RegExp) {
    const result = await node.task(task, args);
    expect(result.code, `${task.join(" ")}: ${result.stderr}${result.stdout}`).to.equal(0);
    expect(result.stdout).to.match(expected);
    return result.stdout;
  }

  /** Runs a task that must refuse: a readable one-line message, no stack trace, and no block mined. */
  async function refused(task: string[], args: Record<string, string | boolean>, expected: RegExp) {
    const before = await node.ethers.provider.getBlockNumber();
    const result = await node.task(task, args);
    expect(result.code, `${task.join(" ")} should fail`).to.not.equal(0);
    expect(result.stderr).to.match(expected);
    expect(result.stderr).to.not.match(/at .*\.ts:\d+/);
    expect(await node.ethers.provider.getBlockNumber(), `${task.join(" ")} sent a transaction`).to.equal(before);
  }

  const idIn = (stdout: string) => /Remittance (0x[0-9a-f]{64})/.exec(stdout)![1]!;
  const file = (name: string) => path.join(dir, name);

  async function quote(name: string, clientRef: string, extra: Record<string, string> = {}) {
    await ok(
      ["remit", "quote"],
      {
        corridor: "HKD-PHP",
        sender: "hk-wallet",
        receiver: "ph-wallet",
        "client-ref": clientRef,
        amount: "1000",
        rate: "7.25",
        "spread-bps": "20",
        out: file(name),
        from: "7",
        ...extra,
      },
      /Quote 0x[0-9a-f]{64} for hk-wallet on HKD-PHP/,
    );
  }

  async function sendQuote(name: string, extra: Record<string, string> = {}) {
    return idIn(
      await ok(
        ["remit", "send"],
        {
          quote: file(name),
          to: "ph-wallet",
          recipient: "ph/juan-dela-cruz/0917-555-0101",
          compliance: "travel-rule/2026/000123",
          from: "5",
          ...extra,
        },
        /Initiated/,
      ),
    );
  }

  async function increaseTime(seconds: number) {
    await node.ethers.provider.send("evm_increaseTime", [seconds]);
    await node.ethers.provider.send("evm_mine", []);
  }

  before(async function () {
    node = await startLocalNode();
    dir = await mkdtemp(path.join(tmpdir(), "remit-tasks-"));
    for (const module of ["SettlementTokensModule", "RemittanceSettlementModule"]) {
      const deployed = await node.ignitionDeploy(`deploy/modules/${module}.ts`);
      expect(deployed.code, deployed.stderr + deployed.stdout).to.equal(0);
    }
    const signers = await node.ethers.getSigners();
    [operator, hkOps, phOps, bank, outsider] = [signers[0]!, signers[5]!, signers[6]!, signers[7]!, signers[8]!];
    const addresses = JSON.parse(
      await readFile(`deploy/deployments/${node.deploymentId}/deployed_addresses.json`, "utf8"),
    ) as Record<string, string>;
    const at = async <T>(name: string, key: string) =>
      (await node.ethers.getContractAt(name, addresses[key]!, operator)) as unknown as T;
    const registry = await at<TenantRegistry>("TenantRegistry", "TenantRegistryModule#TenantRegistry");
    remittance = await at<RemittanceSettlement>(
      "RemittanceSettlement",
      "RemittanceSettlementModule#RemittanceSettlement",
    );
    hkd = await at<SettlementToken>("SettlementToken", "SettlementTokensModule#tHKD");
    php = await at<SettlementToken>("SettlementToken", "SettlementTokensModule#tPHP");
    const tenants: Array<[string, number, HardhatEthersSigner]> = [
      ["hk-wallet", Roles["payment-operator"], hkOps],
      ["ph-wallet", Roles["payment-operator"], phOps],
      ["settlement-bank", Roles["liquidity-provider"], bank],
    ];
    for (const [label, roles, admin] of tenants) {
      await (
        await registry.onboard({
          tenantId: tenantId(label),
          name: label,
          roles,
          jurisdiction: "0x484b",
          kybHash: keccak256(toUtf8Bytes(label)),
          sponsor: "0x" + "00".repeat(32),
          admin: admin.address,
        })
      ).wait();
      await (await registry.approve(tenantId(label))).wait();
    }
    await (await hkd.mint(hkOps.address, 1_000_000_00n)).wait();
    await (await php.mint(bank.address, 100_000_000_00n)).wait();
  });

  after(async function () {
    await node?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  describe("the flow: corridor open, liquidity deposit, quote, send, confirm", function () {
    it("opens the HKD -> PHP corridor as the platform operator", async function () {
      await ok(
        ["remit", "corridor", "open"],
        {
          corridor: "HKD-PHP",
          source: "HKD",
          destination: "PHP",
          provider: "settlement-bank",
          min: "10",
          max: "50000",
          "daily-cap": "100000",
          "fee-fixed": "5",
          "fee-bps": "50",
          window: "1h",
          "receiver-window": "30s",
        },
        /Opened corridor HKD-PHP[\s\S]*provider +settlement-bank[\s\S]*tx 0x[0-9a-f]{64} \(block \d+, gas \d+\)/,
      );
      expect((await remittance.getCorridor(CORRIDOR)).feeBps).to.equal(50n);
    });

    it("shows the corridor readably", async function () {
      await ok(
        ["remit", "corridor", "show"],
        {},
        /Corridor HKD-PHP[\s\S]*daily cap +100,000\.00 tHKD per sending operator/,
      );
    });

    it("deposits the bank's PHP liquidity with a permit and the wallet's HKD", async function () {
      await ok(
        ["remit", "liquidity", "deposit"],
        { token: "PHP", amount: "5000000", from: "7" },
        /Deposited 5,000,000\.00 tPHP into settlement-bank's ledger/,
      );
      await ok(
        ["remit", "liquidity", "deposit"],
        { token: "HKD", amount: "200000", from: "5" },
        /Deposited 200,000\.00 tHKD into hk-wallet's ledger/,
      );
      expect(await remittance.balanceOf(BANK, await php.getAddress())).to.equal(5_000_000_00n);
    });

    it("signs a quote as the bank, writing it to a file", async function () {
      await quote("q1.json", "hk-payment-0001");
      const saved = JSON.parse(await readFile(file("q1.json"), "utf8")) as { quote: { quoteId: string; fee: string } };
      expect(saved.quote.quoteId).to.equal(remittanceIdOf(HK, keccak256(toUtf8Bytes("hk-payment-0001"))));
      expect(saved.quote.fee).to.equal("1000");
    });

    it("sends the remittance as the HK wallet, then the PH wallet confirms the payout", async function () {
      const id = await sendQuote("q1.json");
      await ok(["remit", "status"], { id }, /status +Initiated/);
      await ok(
        ["remit", "confirm"],
        { id, "payout-ref": "bayani/payout/778899", from: "6" },
        /Initiated -> PaidOut[\s\S]*ph-wallet credited 7,235\.50 tPHP/,
      );
      await ok(["remit", "status"], { id }, /status +PaidOut[\s\S]*path +Initiated \(block \d+\) -> PaidOut/);
      expect(await remittance.balanceOf(PH, await php.getAddress())).to.equal(7_235_50n);
    });

    it("finds a remittance by the sender's client reference", async function () {
      await ok(["remit", "status"], { sender: "hk-wallet", "client-ref": "hk-payment-0001" }, /status +PaidOut/);
    });
  });

  describe("the other endings: reject, and refund after expiry", function () {
    it("lets the PH wallet reject a remittance, refunding the HK wallet", async function () {
      await quote("q2.json", "hk-payment-0002");
      const id = await sendQuote("q2.json");
      await ok(
        ["remit", "reject"],
        { id, reason: "17", from: "6" },
        /Initiated -> Rejected \(reason 17\)[\s\S]*hk-wallet refunded 1,000\.00 tHKD[\s\S]*settlement-bank kept the fee 10\.00 tHKD/,
      );
    });

    it("says the deadline has not passed, sends nothing, then refunds once it has", async function () {
      await quote("q3.json", "hk-payment-0003");
      const id = await sendQuote("q3.json", { deadline: "2m" });
      await refused(
        ["remit", "refund"],
        { id, from: "8" },
        /deadline has not passed yet: refundable after .* \(in \d+s\)/,
      );
      await increaseTime(180);
      await ok(["remit", "refund"], { id, from: "8" }, /Initiated -> Expired \(refunded\)/);
      await ok(["remit", "status"], { id }, /path +Initiated \(block \d+\) -> Expired/);
    });

    it("lists the HK wallet's remittances with their statuses", async function () {
      await ok(
        ["remit", "list"],
        { tenant: "hk-wallet" },
        /3 remittance\(s\) of hk-wallet[\s\S]*PaidOut[\s\S]*Rejected[\s\S]*Expired/,
      );
    });

    it("shows ledger balances, and lets the fee collector withdraw the platform's fees", async function () {
      await ok(
        ["remit", "liquidity", "show"],
        { tenant: "settlement-bank" },
        /tHKD +available 1,020\.00 tHKD, platform fees held 10\.00 tHKD/,
      );
      await ok(
        ["remit", "fees"],
        { provider: "settlement-bank", token: "HKD" },
        /Withdrew 10\.00 tHKD of platform fees \(earned via settlement-bank\)/,
      );
      await ok(
        ["remit", "liquidity", "withdraw"],
        { token: "HKD", amount: "100", from: "5" },
        /Withdrew 100\.00 tHKD from hk-wallet's ledger/,
      );
    });
  });

  describe("bad arguments: a readable message and nothing sent", function () {
    it("refuses an expired quote", async function () {
      await quote("expired.json", "hk-payment-0004", { "expires-in": "30s" });
      await increaseTime(60);
      await refused(
        ["remit", "send"],
        { quote: file("expired.json"), to: "ph-wallet", recipient: "r", compliance: "c", from: "5" },
        /the quote expired at .* ago\): ask the provider for a new one/,
      );
    });

    it("refuses to quote an unknown corridor or an amount over the limit", async function () {
      await refused(
        ["remit", "quote"],
        {
          corridor: "HKD-IDR",
          sender: "hk-wallet",
          receiver: "ph-wallet",
          "client-ref": "x",
          amount: "10",
          rate: "7",
          from: "7",
        },
        /unknown corridor HKD-IDR/,
      );
      await refused(
        ["remit", "quote"],
        {
          corridor: "HKD-PHP",
          sender: "hk-wallet",
          receiver: "ph-wallet",
          "client-ref": "x",
          amount: "50000.01",
          rate: "7",
          from: "7",
        },
        /50,000\.01 tHKD is outside corridor HKD-PHP's limits/,
      );
    });

    it("refuses to send a quote over the corridor's limit (a quote file made outside the task)", async function () {
      const clientRef = keccak256(toUtf8Bytes("too-big"));
      const now = BigInt((await node.ethers.provider.getBlock("latest"))!.timestamp);
      const big = buildQuote({
        corridorId: CORRIDOR,
        sendingTenant: HK,
        receivingTenant: PH,
        clientRef,
        sourceAmount: 60_000_00n,
        destinationAmount: 1n,
        fee: 0n,
        expiry: now + 300n,
        latestDeadline: now + 3600n,
      });
      const { chainId } = await node.ethers.provider.getNetwork();
      const signed = await signQuote(
        bank,
        { chainId, verifyingContract: await remittance.getAddress() },
        big,
        clientRef,
      );
      await writeFile(file("big.json"), serializeSignedQuote(signed));
      await refused(
        ["remit", "send"],
        { quote: file("big.json"), to: "ph-wallet", recipient: "r", compliance: "c", from: "5" },
        /outside the corridor's limits/,
      );
    });

    it("refuses a quote already used: one client reference, one remittance", async function () {
      await refused(
        ["remit", "send"],
        { quote: file("q1.json"), to: "ph-wallet", recipient: "r", compliance: "c", from: "5" },
        /(client reference already used|quote expired)/,
      );
      await quote("again.json", "hk-payment-0001");
      await refused(
        ["remit", "send"],
        { quote: file("again.json"), to: "ph-wallet", recipient: "r", compliance: "c", from: "5" },
        /client reference already used: remittance 0x[0-9a-f]{64} is PaidOut/,
      );
    });

    it("refuses a quote for another operator, a quote signed by a non-member, and an unreadable file", async function () {
      await refused(
        ["remit", "send"],
        { quote: file("again.json"), to: "ph-wallet", recipient: "r", compliance: "c", from: "6" },
        /the quote was issued to hk-wallet, but .* acts for ph-wallet/,
      );
      await refused(
        ["remit", "quote"],
        {
          corridor: "HKD-PHP",
          sender: "hk-wallet",
          receiver: "ph-wallet",
          "client-ref": "x",
          amount: "10",
          rate: "7",
          from: "8",
        },
        /is not a liquidity-provider member of settlement-bank/,
      );
      await writeFile(file("broken.json"), "{ not json");
      await refused(
        ["remit", "send"],
        { quote: file("broken.json"), to: "ph-wallet", recipient: "r", compliance: "c", from: "5" },
        /broken\.json: the quote file is not JSON/,
      );
    });

    it("refuses a confirmation by the wrong receiver, a second confirmation and a confirmation after the deadline", async function () {
      await quote("q5.json", "hk-payment-0005");
      const id = await sendQuote("q5.json", { deadline: "2m" });
      await refused(
        ["remit", "confirm"],
        { id, "payout-ref": "p", from: "5" },
        /only payment operators of the receiver ph-wallet can confirm it; .* acts for hk-wallet/,
      );
      await increaseTime(180);
      await refused(
        ["remit", "confirm"],
        { id, "payout-ref": "p", from: "6" },
        /the deadline passed at .*: the remittance can only be refunded now/,
      );
      const paid = idIn(
        await ok(["remit", "status"], { sender: "hk-wallet", "client-ref": "hk-payment-0001" }, /PaidOut/),
      );
      await refused(
        ["remit", "confirm"],
        { id: paid, "payout-ref": "p", from: "6" },
        /is already PaidOut .*: a final status never changes/,
      );
    });

    it("refuses malformed ids, amounts and unknown options' values", async function () {
      await refused(["remit", "status"], { id: "0x1234" }, /--id "0x1234" is not a 32-byte hex id/);
      await refused(["remit", "refund"], { id: "0x" + "ab".repeat(32) }, /no remittance has id/);
      await refused(
        ["remit", "liquidity", "deposit"],
        { token: "HKD", amount: "5.5.5", from: "5" },
        /is not a positive decimal amount/,
      );
      await refused(
        ["remit", "liquidity", "deposit"],
        { token: "DOGE", amount: "5", from: "5" },
        /neither a settlement token \(HKD, PHP\) nor an address/,
      );
      await refused(
        ["remit", "list"],
        { tenant: "hk-wallet", role: "spender" },
        /--role "spender" is not sender, receiver or any/,
      );
      await refused(
        ["remit", "corridor", "open"],
        {
          corridor: "X",
          source: "HKD",
          destination: "PHP",
          provider: "settlement-bank",
          min: "100",
          max: "10",
          "daily-cap": "1000",
        },
        /--min is above --max/,
      );
    });

    it("refuses a withdrawal larger than the available balance and a deposit by a non-member", async function () {
      await refused(
        ["remit", "liquidity", "withdraw"],
        { token: "PHP", amount: "99999999", from: "7" },
        /settlement-bank has .* available, not 99,999,999\.00 tPHP/,
      );
      await refused(
        ["remit", "liquidity", "deposit"],
        { token: "HKD", amount: "1", from: "8" },
        new RegExp(`${outsider.address} is not a member of any tenant`),
      );
    });
  });
});
