import { expect } from "chai";
import { network } from "hardhat";

import { signForwardRequest } from "../helpers/forwarder.js";
import { join, Roles } from "../helpers/platform.js";
import {
  ALL_TENANTS,
  BANK,
  deployRemittanceWorld,
  Funding,
  HK,
  hkd,
  owed,
  PH,
  php,
  ref,
  send,
  Status,
} from "../helpers/remittance.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

describe("RemittanceSettlement", function () {
  /** One pending remittance of 1,000.00 HKD -> 7,250.00 PHP from hk-wallet to ph-wallet (fee 10.00 HKD). */
  async function withPending() {
    const w = await deployRemittanceWorld(ethers);
    const sent = await send(w, { sourceAmount: hkd(1_000), deadlineIn: 900n });
    return { ...w, record: sent.record };
  }

  async function withPulledPending() {
    const w = await deployRemittanceWorld(ethers);
    const sent = await send(w, { sourceAmount: hkd(1_000), funding: Funding.Pull });
    return { ...w, record: sent.record };
  }

  const payoutRef = ref("bayani-wallet/payout/000123");

  describe("confirmPayout", function () {
    describe("by the receiving operator before the deadline", function () {
      it("credits the destination amount to the receiving operator", async function () {
        const w = await loadFixture(withPending);
        await w.remittance.connect(w.phOps).confirmPayout(w.record, payoutRef);
        expect(await w.remittance.balanceOf(PH, await w.php.getAddress())).to.equal(php(7_250));
      });

      it("credits the source amount to the provider and the fee to the platform", async function () {
        const w = await loadFixture(withPending);
        const hkdAddress = await w.hkd.getAddress();
        await w.remittance.connect(w.phOps).confirmPayout(w.record, payoutRef);
        expect(await w.remittance.balanceOf(BANK, hkdAddress)).to.equal(hkd(1_000));
        expect(await w.remittance.feesAccrued(BANK, hkdAddress)).to.equal(hkd(10));
      });

      it("leaves the provider's available liquidity as it was after the reservation", async function () {
        const w = await loadFixture(withPending);
        await w.remittance.connect(w.phOps).confirmPayout(w.record, payoutRef);
        expect(await w.remittance.balanceOf(BANK, await w.php.getAddress())).to.equal(php(5_000_000 - 7_250));
      });

      it("marks the remittance PaidOut and emits RemittancePaidOut with the payout reference", async function () {
        const w = await loadFixture(withPending);
        await expect(w.remittance.connect(w.phOps).confirmPayout(w.record, payoutRef))
          .to.emit(w.remittance, "RemittancePaidOut")
          .withArgs(w.record.id, HK, PH, payoutRef);
        expect(await w.remittance.statusOf(w.record.id)).to.equal(Status.PaidOut);
      });

      it("moves no token: settlement happens in the ledger, and the books still balance", async function () {
        const w = await loadFixture(withPending);
        const settlement = await w.remittance.getAddress();
        const [hkdBefore, phpBefore] = [await w.hkd.balanceOf(settlement), await w.php.balanceOf(settlement)];
        await w.remittance.connect(w.phOps).confirmPayout(w.record, payoutRef);
        expect(await w.hkd.balanceOf(settlement)).to.equal(hkdBefore);
        expect(await w.php.balanceOf(settlement)).to.equal(phpBefore);
        for (const token of [w.hkd, w.php]) {
          const { held, owed: total } = await owed(w, token, ALL_TENANTS, [w.record]);
          expect(held).to.equal(total);
        }
      });

      it("accepts a confirmation at the deadline's last second", async function () {
        const w = await loadFixture(withPending);
        await time.setNextBlockTimestamp(w.record.deadline);
        await expect(w.remittance.connect(w.phOps).confirmPayout(w.record, payoutRef)).to.emit(
          w.remittance,
          "RemittancePaidOut",
        );
      });

      it("lets the receiving operator confirm through the platform forwarder (ERC-2771)", async function () {
        const w = await loadFixture(withPending);
        const data = w.remittance.interface.encodeFunctionData("confirmPayout", [w.record, payoutRef]);
        const request = await signForwardRequest(w.forwarder, w.phOps, w.remittance, data);
        await expect(w.forwarder.connect(w.relayer).execute(request))
          .to.emit(w.remittance, "RemittancePaidOut")
          .withArgs(w.record.id, HK, PH, payoutRef);
      });

      it("lets a suspended receiving operator settle a payout it already made", async function () {
        const w = await loadFixture(withPending);
        await w.registry.connect(w.operator).suspend(PH, 4);
        await expect(w.remittance.connect(w.phOps).confirmPayout(w.record, payoutRef)).to.emit(
          w.remittance,
          "RemittancePaidOut",
        );
      });

      it("settles with the provider recorded at initiation, even after the corridor changed provider", async function () {
        const w = await loadFixture(withPending);
        const hkdAddress = await w.hkd.getAddress();
        await w.remittance.connect(w.operator).updateCorridor(ethers.encodeBytes32String("HKD-PHP"), {
          ...w.corridor,
          provider: ethers.encodeBytes32String("other-bank"),
        });
        await w.remittance.connect(w.phOps).confirmPayout(w.record, payoutRef);
        expect(await w.remittance.balanceOf(BANK, hkdAddress)).to.equal(hkd(1_000));
      });
    });

    describe("refusals", function () {
      it("refuses a confirmation by another payment operator", async function () {
        const w = await loadFixture(withPending);
        await expect(w.remittance.connect(w.sgOps).confirmPayout(w.record, payoutRef))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceNotReceiver")
          .withArgs(w.record.id, w.sgOps.address, PH);
      });

      it("refuses a confirmation by the sending operator", async function () {
        const w = await loadFixture(withPending);
        await expect(w.remittance.connect(w.hkOps).confirmPayout(w.record, payoutRef))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceNotReceiver")
          .withArgs(w.record.id, w.hkOps.address, PH);
      });

      it("refuses a confirmation by a receiver's member without the PaymentOperator role", async function () {
        const w = await loadFixture(withPending);
        const [clerk] = (await ethers.getSigners()).slice(14);
        await join(w.registry, w.phOps, PH, clerk!, Roles.admin);
        await expect(w.remittance.connect(clerk).confirmPayout(w.record, payoutRef))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceNotReceiver")
          .withArgs(w.record.id, clerk!.address, PH);
      });

      it("refuses a second confirmation", async function () {
        const w = await loadFixture(withPending);
        await w.remittance.connect(w.phOps).confirmPayout(w.record, payoutRef);
        await expect(w.remittance.connect(w.phOps).confirmPayout(w.record, payoutRef))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceNotPending")
          .withArgs(w.record.id, Status.PaidOut);
      });

      it("refuses a confirmation after the deadline", async function () {
        const w = await loadFixture(withPending);
        await time.increaseTo(w.record.deadline + 1n);
        await expect(w.remittance.connect(w.phOps).confirmPayout(w.record, payoutRef))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceDeadlinePassed")
          .withArgs(w.record.id, w.record.deadline);
      });

      it("refuses to confirm a rejected remittance", async function () {
        const w = await loadFixture(withPending);
        await w.remittance.connect(w.phOps).reject(w.record, 17);
        await expect(w.remittance.connect(w.phOps).confirmPayout(w.record, payoutRef))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceNotPending")
          .withArgs(w.record.id, Status.Rejected);
      });

      it("refuses a record whose fields differ from those initiated", async function () {
        const w = await loadFixture(withPending);
        const inflated = { ...w.record, destinationAmount: w.record.destinationAmount * 2n };
        await expect(w.remittance.connect(w.phOps).confirmPayout(inflated, payoutRef))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceRecordMismatch")
          .withArgs(w.record.id);
      });

      it("refuses a record no remittance has", async function () {
        const w = await loadFixture(withPending);
        const ghost = { ...w.record, id: ref("ghost") };
        await expect(w.remittance.connect(w.phOps).confirmPayout(ghost, payoutRef))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceUnknown")
          .withArgs(ghost.id);
      });

      it("refuses a confirmation by an offboarded receiving operator", async function () {
        const w = await loadFixture(withPending);
        await w.registry.connect(w.operator).offboard(PH, 9);
        await expect(w.remittance.connect(w.phOps).confirmPayout(w.record, payoutRef))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceReceiverOffboarded")
          .withArgs(PH);
      });
    });
  });

  describe("reject", function () {
    it("refunds the source amount to the sender's ledger, not the fee", async function () {
      const w = await loadFixture(withPending);
      await w.remittance.connect(w.phOps).reject(w.record, 17);
      expect(await w.remittance.balanceOf(HK, await w.hkd.getAddress())).to.equal(hkd(200_000 - 10));
    });

    it("pays the fee to the provider, which held its rate and liquidity, and none to the platform", async function () {
      const w = await loadFixture(withPending);
      await w.remittance.connect(w.phOps).reject(w.record, 17);
      expect(await w.remittance.balanceOf(BANK, await w.hkd.getAddress())).to.equal(hkd(10));
      expect(await w.remittance.feesAccrued(BANK, await w.hkd.getAddress())).to.equal(0n);
    });

    it("returns the reservation to the provider's available liquidity", async function () {
      const w = await loadFixture(withPending);
      await w.remittance.connect(w.phOps).reject(w.record, 17);
      expect(await w.remittance.balanceOf(BANK, await w.php.getAddress())).to.equal(php(5_000_000));
    });

    it("marks the remittance Rejected and emits RemittanceRejected with the reason code", async function () {
      const w = await loadFixture(withPending);
      await expect(w.remittance.connect(w.phOps).reject(w.record, 17))
        .to.emit(w.remittance, "RemittanceRejected")
        .withArgs(w.record.id, HK, PH, 17);
      expect(await w.remittance.statusOf(w.record.id)).to.equal(Status.Rejected);
    });

    it("refunds a remittance funded from the wallet into the sender's ledger", async function () {
      const w = await loadFixture(withPulledPending);
      await w.remittance.connect(w.phOps).reject(w.record, 17);
      expect(await w.remittance.balanceOf(HK, await w.hkd.getAddress())).to.equal(hkd(200_000 + 1_000));
    });

    it("is allowed after the deadline", async function () {
      const w = await loadFixture(withPending);
      await time.increaseTo(w.record.deadline + 10n);
      await expect(w.remittance.connect(w.phOps).reject(w.record, 17)).to.emit(w.remittance, "RemittanceRejected");
    });

    it("is allowed to an offboarded receiving operator", async function () {
      const w = await loadFixture(withPending);
      await w.registry.connect(w.operator).offboard(PH, 9);
      await expect(w.remittance.connect(w.phOps).reject(w.record, 17)).to.emit(w.remittance, "RemittanceRejected");
    });

    it("refuses a rejection by anyone but the receiving operator", async function () {
      const w = await loadFixture(withPending);
      for (const caller of [w.hkOps, w.sgOps, w.bankQuoter, w.outsider]) {
        await expect(w.remittance.connect(caller).reject(w.record, 17))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceNotReceiver")
          .withArgs(w.record.id, caller.address, PH);
      }
    });

    it("refuses to reject a remittance already paid out", async function () {
      const w = await loadFixture(withPending);
      await w.remittance.connect(w.phOps).confirmPayout(w.record, payoutRef);
      await expect(w.remittance.connect(w.phOps).reject(w.record, 17))
        .to.be.revertedWithCustomError(w.remittance, "RemittanceNotPending")
        .withArgs(w.record.id, Status.PaidOut);
    });
  });

  describe("refundExpired", function () {
    it("refunds the sender and releases the reservation once the deadline has passed, whoever calls", async function () {
      const w = await loadFixture(withPending);
      await time.increaseTo(w.record.deadline + 1n);
      await w.remittance.connect(w.outsider).refundExpired(w.record);
      expect(await w.remittance.balanceOf(HK, await w.hkd.getAddress())).to.equal(hkd(200_000 - 10));
      expect(await w.remittance.balanceOf(BANK, await w.hkd.getAddress())).to.equal(hkd(10));
      expect(await w.remittance.balanceOf(BANK, await w.php.getAddress())).to.equal(php(5_000_000));
    });

    it("marks the remittance Expired and emits RemittanceExpired", async function () {
      const w = await loadFixture(withPending);
      await time.increaseTo(w.record.deadline + 1n);
      await expect(w.remittance.connect(w.outsider).refundExpired(w.record))
        .to.emit(w.remittance, "RemittanceExpired")
        .withArgs(w.record.id, HK, PH);
      expect(await w.remittance.statusOf(w.record.id)).to.equal(Status.Expired);
    });

    it("refuses a refund at the deadline's last second, while the receiver may still confirm", async function () {
      const w = await loadFixture(withPending);
      await time.setNextBlockTimestamp(w.record.deadline);
      await expect(w.remittance.connect(w.outsider).refundExpired(w.record))
        .to.be.revertedWithCustomError(w.remittance, "RemittanceDeadlineNotReached")
        .withArgs(w.record.id, w.record.deadline);
    });

    it("refuses to refund a remittance already paid out", async function () {
      const w = await loadFixture(withPending);
      await w.remittance.connect(w.phOps).confirmPayout(w.record, payoutRef);
      await time.increaseTo(w.record.deadline + 1n);
      await expect(w.remittance.connect(w.outsider).refundExpired(w.record))
        .to.be.revertedWithCustomError(w.remittance, "RemittanceNotPending")
        .withArgs(w.record.id, Status.PaidOut);
    });

    it("refuses a second refund", async function () {
      const w = await loadFixture(withPending);
      await time.increaseTo(w.record.deadline + 1n);
      await w.remittance.connect(w.outsider).refundExpired(w.record);
      await expect(w.remittance.connect(w.outsider).refundExpired(w.record))
        .to.be.revertedWithCustomError(w.remittance, "RemittanceNotPending")
        .withArgs(w.record.id, Status.Expired);
    });

    it("refunds even when the sending operator was suspended in the meantime", async function () {
      const w = await loadFixture(withPending);
      await w.registry.connect(w.operator).suspend(HK, 2);
      await time.increaseTo(w.record.deadline + 1n);
      await w.remittance.connect(w.outsider).refundExpired(w.record);
      expect(await w.remittance.balanceOf(HK, await w.hkd.getAddress())).to.equal(hkd(200_000 - 10));
    });
  });

  describe("statuses", function () {
    it("keeps a final status final: nothing moves a paid-out, rejected or expired remittance", async function () {
      const w = await deployRemittanceWorld(ethers);
      const paid = (await send(w)).record;
      const rejected = (await send(w)).record;
      const expired = (await send(w, { deadlineIn: 660n })).record;
      await w.remittance.connect(w.phOps).confirmPayout(paid, payoutRef);
      await w.remittance.connect(w.phOps).reject(rejected, 1);
      await time.increase(661);
      await w.remittance.refundExpired(expired);
      for (const [record, status] of [
        [paid, Status.PaidOut],
        [rejected, Status.Rejected],
        [expired, Status.Expired],
      ] as const) {
        await expect(w.remittance.connect(w.phOps).reject(record, 1))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceNotPending")
          .withArgs(record.id, status);
        await expect(w.remittance.refundExpired(record))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceNotPending")
          .withArgs(record.id, status);
        expect(await w.remittance.statusOf(record.id)).to.equal(status);
      }
    });

    it("reports None for an unknown id and refuses to verify a record no remittance has", async function () {
      const w = await loadFixture(withPending);
      expect(await w.remittance.statusOf(ref("nothing"))).to.equal(Status.None);
      await expect(w.remittance.verifyRecord({ ...w.record, id: ref("nothing") }))
        .to.be.revertedWithCustomError(w.remittance, "RemittanceUnknown")
        .withArgs(ref("nothing"));
      await expect(w.remittance.verifyRecord({ ...w.record, fee: 1n }))
        .to.be.revertedWithCustomError(w.remittance, "RemittanceRecordMismatch")
        .withArgs(w.record.id);
    });
  });
});
