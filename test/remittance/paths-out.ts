import { expect } from "chai";
import { network } from "hardhat";

import { join, Roles, Status as TenantStatus } from "../helpers/platform.js";
import {
  BANK,
  deployRemittanceWorld,
  HK,
  hkd,
  PH,
  php,
  ref,
  send,
  sendParams,
  SG,
  Status,
} from "../helpers/remittance.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

/**
 * Every ledger balance keeps a way out, whatever happens to its tenant, and inside a tenant moving money
 * out is a separate duty: withdrawals need the `TREASURY` permission, a frozen tenant moves nothing out,
 * and what no member can withdraw any more goes to the tenant's registered settlement address.
 */
describe("RemittanceSettlement", function () {
  async function world() {
    return deployRemittanceWorld(ethers);
  }

  /** ph-wallet has 7,250.00 PHP in its ledger from a settled remittance, and a relayer key without TREASURY. */
  async function withReceiverPaid() {
    const w = await deployRemittanceWorld(ethers);
    const [relayerKey] = (await ethers.getSigners()).slice(14);
    await join(w.registry, w.phOps, PH, relayerKey!, Roles["payment-operator"]);
    const { record } = await send(w, { sourceAmount: hkd(1_000) });
    await w.remittance.connect(w.phOps).confirmPayout(record, ref("payout"));
    return { ...w, relayerKey: relayerKey! };
  }

  /** One pending remittance from hk-wallet to ph-wallet. */
  async function withPending() {
    const w = await deployRemittanceWorld(ethers);
    const { record } = await send(w, { sourceAmount: hkd(1_000), deadlineIn: 900n });
    return { ...w, record };
  }

  describe("treasury permission", function () {
    it("refuses a withdrawal by a ledger member without TREASURY, such as a relayer's hot key", async function () {
      const w = await loadFixture(withReceiverPaid);
      const phpAddress = await w.php.getAddress();
      await expect(w.remittance.connect(w.relayerKey).withdraw(phpAddress, php(1), w.relayerKey.address))
        .to.be.revertedWithCustomError(w.remittance, "RemittanceNotTreasurer")
        .withArgs(w.relayerKey.address, PH);
    });

    it("lets the same key settle payouts: confirming needs no treasury permission", async function () {
      const w = await loadFixture(withReceiverPaid);
      const { record } = await send(w, { sourceAmount: hkd(100) });
      await expect(w.remittance.connect(w.relayerKey).confirmPayout(record, ref("payout-2"))).to.emit(
        w.remittance,
        "RemittancePaidOut",
      );
    });

    it("lets a member granted TREASURY withdraw", async function () {
      const w = await loadFixture(withReceiverPaid);
      await w.registry
        .connect(w.phOps)
        .setMemberRoles(w.relayerKey.address, Roles["payment-operator"] | Roles.treasury);
      await expect(
        w.remittance.connect(w.relayerKey).withdraw(await w.php.getAddress(), php(1), w.relayerKey.address),
      ).to.emit(w.remittance, "Withdrawn");
    });
  });

  describe("freeze", function () {
    it("stops a frozen receiver confirming payouts", async function () {
      const w = await loadFixture(withPending);
      await w.registry.connect(w.operator).freeze(PH, 99);
      await expect(w.remittance.connect(w.phOps).confirmPayout(w.record, ref("payout")))
        .to.be.revertedWithCustomError(w.remittance, "RemittanceTenantFrozen")
        .withArgs(PH);
    });

    it("stops a frozen tenant withdrawing", async function () {
      const w = await loadFixture(withReceiverPaid);
      await w.registry.connect(w.operator).freeze(PH, 99);
      await expect(w.remittance.connect(w.phOps).withdraw(await w.php.getAddress(), php(1), w.phOps.address))
        .to.be.revertedWithCustomError(w.remittance, "RemittanceTenantFrozen")
        .withArgs(PH);
    });

    it("does not hold money owed to others: the frozen receiver can reject, and anyone refunds after the deadline", async function () {
      const w = await loadFixture(withPending);
      const other = (await send(w, { sourceAmount: hkd(100) })).record;
      await w.registry.connect(w.operator).freeze(PH, 99);
      await expect(w.remittance.connect(w.phOps).reject(w.record, 3)).to.emit(w.remittance, "RemittanceRejected");
      await time.increaseTo(other.deadline + 1n);
      await expect(w.remittance.connect(w.outsider).refundExpired(other)).to.emit(w.remittance, "RemittanceExpired");
    });

    it("lets a suspended receiver still confirm the payouts it made, unlike a frozen one", async function () {
      const w = await loadFixture(withPending);
      await w.registry.connect(w.operator).suspend(PH, 1);
      await w.remittance.connect(w.phOps).confirmPayout(w.record, ref("payout"));
      expect(await w.remittance.statusOf(w.record.id)).to.equal(Status.PaidOut);
    });
  });

  describe("sweep", function () {
    it("sends an offboarded tenant's whole balance to its settlement address, whoever calls", async function () {
      const w = await loadFixture(withReceiverPaid);
      const phpAddress = await w.php.getAddress();
      await w.registry.connect(w.operator).offboard(PH, 5);
      await w.registry.connect(w.operator).removeMember(w.phOps.address);
      await w.registry.connect(w.operator).setSettlementAddress(PH, w.outsider.address);
      const tx = w.remittance.connect(w.relayer).sweep(PH, phpAddress);
      await expect(tx)
        .to.emit(w.remittance, "Swept")
        .withArgs(PH, phpAddress, w.outsider.address, php(7_250), w.relayer.address);
      await expect(tx).to.changeTokenBalances(ethers, w.php, [w.remittance, w.outsider], [-php(7_250), php(7_250)]);
      expect(await w.remittance.balanceOf(PH, phpAddress)).to.equal(0n);
    });

    it("reaches refunds that arrive after the sender was offboarded", async function () {
      const w = await loadFixture(withPending);
      const hkdAddress = await w.hkd.getAddress();
      await w.registry.connect(w.operator).offboard(HK, 5);
      await w.registry.connect(w.operator).removeMember(w.hkOps.address);
      await time.increaseTo(w.record.deadline + 1n);
      await w.remittance.refundExpired(w.record);
      const owed = await w.remittance.balanceOf(HK, hkdAddress);
      expect(owed).to.equal(hkd(200_000 - 10));
      await expect(w.remittance.sweep(HK, hkdAddress)).to.changeTokenBalance(ethers, w.hkd, w.hkOps, owed);
    });

    it("reaches the balance of a tenant that lost its ledger roles", async function () {
      const w = await loadFixture(withReceiverPaid);
      await w.registry.connect(w.operator).setTenantRoles(PH, Roles.merchant);
      await expect(w.remittance.connect(w.outsider).sweep(PH, await w.php.getAddress()))
        .to.emit(w.remittance, "Swept")
        .withArgs(PH, await w.php.getAddress(), w.phOps.address, php(7_250), w.outsider.address);
    });

    it("refuses to sweep a tenant whose members can still withdraw, even a suspended or frozen one", async function () {
      const w = await loadFixture(withReceiverPaid);
      const phpAddress = await w.php.getAddress();
      await expect(w.remittance.sweep(PH, phpAddress))
        .to.be.revertedWithCustomError(w.remittance, "RemittanceNotSweepable")
        .withArgs(PH, TenantStatus.Active);
      await w.registry.connect(w.operator).freeze(PH, 1);
      await expect(w.remittance.sweep(PH, phpAddress))
        .to.be.revertedWithCustomError(w.remittance, "RemittanceNotSweepable")
        .withArgs(PH, TenantStatus.Frozen);
    });

    it("refuses to sweep an empty balance", async function () {
      const w = await loadFixture(world);
      await w.registry.connect(w.operator).offboard(SG, 0);
      await expect(w.remittance.sweep(SG, await w.hkd.getAddress())).to.be.revertedWithCustomError(
        w.remittance,
        "RemittanceZeroAmount",
      );
    });

    it("never touches the platform's fees in a provider's entry", async function () {
      const w = await loadFixture(withReceiverPaid);
      const hkdAddress = await w.hkd.getAddress();
      await w.registry.connect(w.operator).offboard(BANK, 0);
      await w.remittance.sweep(BANK, hkdAddress);
      expect(await w.remittance.balanceOf(BANK, hkdAddress)).to.equal(0n);
      expect(await w.remittance.feesAccrued(BANK, hkdAddress)).to.equal(hkd(10));
    });
  });

  describe("ABI", function () {
    it("declares the registry errors its calls can raise, so its own ABI decodes them", async function () {
      const w = await loadFixture(world);
      for (const name of ["RegistryNotMember", "RegistryTenantNotActive", "RegistryMissingRole"]) {
        expect(w.remittance.interface.getError(name), name).to.not.equal(null);
      }
      await expect(w.remittance.connect(w.outsider).initiate(await sendParams(w)))
        .to.be.revertedWithCustomError(w.remittance, "RegistryNotMember")
        .withArgs(w.outsider.address);
    });

    it("records the block it was deployed in, where log queries start", async function () {
      const w = await loadFixture(world);
      const receipt = await w.remittance.deploymentTransaction()!.wait();
      expect(await w.remittance.deploymentBlock()).to.equal(BigInt(receipt!.blockNumber));
    });
  });
});
