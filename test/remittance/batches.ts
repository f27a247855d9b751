import { expect } from "chai";
import { network } from "hardhat";

import { recordsFromReceipt } from "../../client/remittance.js";
import {
  ALL_TENANTS,
  BANK,
  CORRIDOR,
  DAILY_CAP,
  deployRemittanceWorld,
  HK,
  hkd,
  MAX,
  nextClientRef,
  OTHER_BANK,
  owed,
  PH,
  php,
  ref,
  send,
  sendParams,
  SG,
  Status,
  type RemittanceWorld,
} from "../helpers/remittance.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

const SECOND = ethers.encodeBytes32String("HKD-PHP-2");

describe("RemittanceSettlement", function () {
  async function world() {
    return deployRemittanceWorld(ethers);
  }

  /** A second HKD -> PHP corridor through the other bank, funded with 100,000.00 PHP. */
  async function withTwoCorridors() {
    const w = await deployRemittanceWorld(ethers);
    const phpAddress = await w.php.getAddress();
    await w.remittance.connect(w.operator).openCorridor(SECOND, { ...w.corridor, provider: OTHER_BANK });
    await w.php.connect(w.issuer).mint(w.otherQuoter.address, php(100_000));
    await w.php.connect(w.otherQuoter).approve(await w.remittance.getAddress(), php(100_000));
    await w.remittance.connect(w.otherQuoter).deposit(phpAddress, php(100_000));
    return w;
  }

  async function initiateAll(w: RemittanceWorld, items: Awaited<ReturnType<typeof sendParams>>[]) {
    const receipt = await (await w.remittance.connect(w.hkOps).initiateBatch(items)).wait();
    return recordsFromReceipt(w.remittance, receipt!);
  }

  const itemFailed = (w: RemittanceWorld, index: number, error: string, args: unknown[]) => [
    index,
    w.remittance.interface.encodeErrorResult(error, args),
  ];

  describe("initiateBatch", function () {
    it("initiates every item and returns their ids in order", async function () {
      const w = await loadFixture(world);
      const items = [await sendParams(w), await sendParams(w), await sendParams(w)];
      const ids = await w.remittance.connect(w.hkOps).initiateBatch.staticCall(items);
      const records = await initiateAll(w, items);
      expect(records.map((r) => r.id)).to.deep.equal(ids);
      for (const id of ids) expect(await w.remittance.statusOf(id)).to.equal(Status.Initiated);
    });

    it("moves the same amounts as the items would one by one", async function () {
      const w = await loadFixture(world);
      const [hkdAddress, phpAddress] = [await w.hkd.getAddress(), await w.php.getAddress()];
      await initiateAll(w, [
        await sendParams(w, { sourceAmount: hkd(1_000) }),
        await sendParams(w, { sourceAmount: hkd(2_000) }),
      ]);
      expect(await w.remittance.balanceOf(HK, hkdAddress)).to.equal(hkd(200_000 - 1_010 - 2_015));
      expect(await w.remittance.balanceOf(BANK, phpAddress)).to.equal(php(5_000_000 - 7_250 - 14_500));
      expect(await w.remittance.usedToday(CORRIDOR, HK)).to.equal(hkd(3_000));
    });

    it("keeps every provider's liquidity and every corridor's cap apart in a batch through two corridors", async function () {
      const w = await loadFixture(withTwoCorridors);
      const phpAddress = await w.php.getAddress();
      const records = await initiateAll(w, [
        await sendParams(w, { sourceAmount: hkd(1_000) }),
        await sendParams(w, { corridorId: SECOND, signer: w.otherQuoter, sourceAmount: hkd(2_000) }),
        await sendParams(w, { sourceAmount: hkd(3_000) }),
        await sendParams(w, { corridorId: SECOND, signer: w.otherQuoter, sourceAmount: hkd(4_000) }),
      ]);
      expect(await w.remittance.balanceOf(BANK, phpAddress)).to.equal(php(5_000_000 - 7_250 - 21_750));
      expect(await w.remittance.balanceOf(OTHER_BANK, phpAddress)).to.equal(php(100_000 - 14_500 - 29_000));
      expect(await w.remittance.usedToday(CORRIDOR, HK)).to.equal(hkd(4_000));
      expect(await w.remittance.usedToday(SECOND, HK)).to.equal(hkd(6_000));
      for (const token of [w.hkd, w.php]) {
        const { held, owed: total } = await owed(w, token, ALL_TENANTS, records);
        expect(held).to.equal(total);
      }
    });

    it("reverts as a whole with the index and error of the first failing item", async function () {
      const w = await loadFixture(world);
      const expired = await sendParams(w, { expiresIn: 5n });
      await time.increase(6);
      const items = [await sendParams(w), expired, await sendParams(w)];
      const id = await w.remittance.remittanceId(HK, expired.clientRef);
      await expect(w.remittance.connect(w.hkOps).initiateBatch(items))
        .to.be.revertedWithCustomError(w.remittance, "RemittanceBatchItemFailed")
        .withArgs(...itemFailed(w, 1, "RemittanceQuoteExpired", [id, expired.quote.expiry]));
      const first = await w.remittance.remittanceId(HK, items[0]!.clientRef);
      expect(await w.remittance.statusOf(first)).to.equal(Status.None);
    });

    it("reports a registry error of an item with its index", async function () {
      const w = await loadFixture(world);
      await w.registry.connect(w.operator).suspend(SG, 1);
      const items = [await sendParams(w), await sendParams(w, { receivingTenant: SG })];
      await expect(w.remittance.connect(w.hkOps).initiateBatch(items))
        .to.be.revertedWithCustomError(w.remittance, "RemittanceBatchItemFailed")
        .withArgs(...itemFailed(w, 1, "RegistryTenantNotActive", [SG, 3]));
    });

    it("counts earlier items toward the daily cap", async function () {
      const w = await loadFixture(world);
      const items = [
        await sendParams(w, { sourceAmount: MAX }),
        await sendParams(w, { sourceAmount: MAX }),
        await sendParams(w, { sourceAmount: hkd(10) }),
      ];
      await expect(w.remittance.connect(w.hkOps).initiateBatch(items))
        .to.be.revertedWithCustomError(w.remittance, "RemittanceBatchItemFailed")
        .withArgs(...itemFailed(w, 2, "RemittanceDailyCapExceeded", [CORRIDOR, HK, DAILY_CAP, hkd(10), DAILY_CAP]));
    });

    it("counts earlier items against the provider's liquidity", async function () {
      const w = await loadFixture(world);
      const phpAddress = await w.php.getAddress();
      const items = [
        await sendParams(w, { destinationAmount: php(3_000_000) }),
        await sendParams(w, { destinationAmount: php(2_500_000) }),
      ];
      await expect(w.remittance.connect(w.hkOps).initiateBatch(items))
        .to.be.revertedWithCustomError(w.remittance, "RemittanceBatchItemFailed")
        .withArgs(
          ...itemFailed(w, 1, "RemittanceInsufficientLiquidity", [BANK, phpAddress, php(2_000_000), php(2_500_000)]),
        );
    });

    it("refuses the same client reference twice in one batch", async function () {
      const w = await loadFixture(world);
      const clientRef = nextClientRef();
      const items = [await sendParams(w, { clientRef }), await sendParams(w, { clientRef })];
      await expect(w.remittance.connect(w.hkOps).initiateBatch(items))
        .to.be.revertedWithCustomError(w.remittance, "RemittanceBatchItemFailed")
        .withArgs(...itemFailed(w, 1, "RemittanceQuoteAlreadyUsed", [await w.remittance.remittanceId(HK, clientRef)]));
    });

    it("checks every item's signer even when an earlier item's signer passed", async function () {
      const w = await loadFixture(world);
      const items = [await sendParams(w), await sendParams(w, { signer: w.outsider })];
      const id = await w.remittance.remittanceId(HK, items[1]!.clientRef);
      await expect(w.remittance.connect(w.hkOps).initiateBatch(items))
        .to.be.revertedWithCustomError(w.remittance, "RemittanceBatchItemFailed")
        .withArgs(...itemFailed(w, 1, "RemittanceQuoteSignerNotProvider", [id, w.outsider.address, BANK]));
    });

    it("refuses an empty batch and one over 100 items", async function () {
      const w = await loadFixture(world);
      await expect(w.remittance.connect(w.hkOps).initiateBatch([]))
        .to.be.revertedWithCustomError(w.remittance, "RemittanceBatchSize")
        .withArgs(0, 100);
      const item = await sendParams(w);
      await expect(w.remittance.connect(w.hkOps).initiateBatch(Array(101).fill(item)))
        .to.be.revertedWithCustomError(w.remittance, "RemittanceBatchSize")
        .withArgs(101, 100);
    });

    it("checks the caller once for the batch, failing as a whole", async function () {
      const w = await loadFixture(world);
      const items = [await sendParams(w)];
      await expect(w.remittance.connect(w.outsider).initiateBatch(items))
        .to.be.revertedWithCustomError(w.registry, "RegistryNotMember")
        .withArgs(w.outsider.address);
    });
  });

  describe("confirmPayoutBatch", function () {
    async function withThreePending() {
      const w = await deployRemittanceWorld(ethers);
      const records = [];
      for (let i = 0; i < 3; i++) records.push((await send(w, { sourceAmount: hkd(1_000 * (i + 1)) })).record);
      return { ...w, records };
    }

    it("settles every item: receiver, provider and platform credited once per remittance", async function () {
      const w = await loadFixture(withThreePending);
      const [hkdAddress, phpAddress] = [await w.hkd.getAddress(), await w.php.getAddress()];
      await w.remittance
        .connect(w.phOps)
        .confirmPayoutBatch(w.records.map((r, i) => ({ remittance: r, payoutRef: ref(`payout-${i}`) })));
      expect(await w.remittance.balanceOf(PH, phpAddress)).to.equal(php(7_250 * 6));
      expect(await w.remittance.balanceOf(BANK, hkdAddress)).to.equal(hkd(6_000));
      expect(await w.remittance.feesAccrued(BANK, hkdAddress)).to.equal(hkd(10 + 15 + 20));
      for (const r of w.records) expect(await w.remittance.statusOf(r.id)).to.equal(Status.PaidOut);
    });

    it("emits RemittancePaidOut for each item", async function () {
      const w = await loadFixture(withThreePending);
      const tx = w.remittance
        .connect(w.phOps)
        .confirmPayoutBatch(w.records.map((r, i) => ({ remittance: r, payoutRef: ref(`payout-${i}`) })));
      for (const [i, r] of w.records.entries()) {
        await expect(tx)
          .to.emit(w.remittance, "RemittancePaidOut")
          .withArgs(r.id, HK, PH, ref(`payout-${i}`));
      }
    });

    it("settles items of two providers in one batch, each into its own entry", async function () {
      const w = await loadFixture(withTwoCorridors);
      const hkdAddress = await w.hkd.getAddress();
      const records = [
        (await send(w, { sourceAmount: hkd(1_000) })).record,
        (await send(w, { corridorId: SECOND, signer: w.otherQuoter, sourceAmount: hkd(2_000) })).record,
        (await send(w, { sourceAmount: hkd(3_000) })).record,
      ];
      await w.remittance
        .connect(w.phOps)
        .confirmPayoutBatch(records.map((r) => ({ remittance: r, payoutRef: ethers.ZeroHash })));
      expect(await w.remittance.balanceOf(BANK, hkdAddress)).to.equal(hkd(4_000));
      expect(await w.remittance.balanceOf(OTHER_BANK, hkdAddress)).to.equal(hkd(2_000));
      expect(await w.remittance.feesAccrued(OTHER_BANK, hkdAddress)).to.equal(hkd(15));
      for (const token of [w.hkd, w.php]) {
        const { held, owed: total } = await owed(w, token, ALL_TENANTS, records);
        expect(held).to.equal(total);
      }
    });

    it("reverts as a whole with the index of an item already settled", async function () {
      const w = await loadFixture(withThreePending);
      await w.remittance.connect(w.phOps).confirmPayout(w.records[1]!, ethers.ZeroHash);
      await expect(
        w.remittance
          .connect(w.phOps)
          .confirmPayoutBatch(w.records.map((r) => ({ remittance: r, payoutRef: ethers.ZeroHash }))),
      )
        .to.be.revertedWithCustomError(w.remittance, "RemittanceBatchItemFailed")
        .withArgs(...itemFailed(w, 1, "RemittanceNotPending", [w.records[1]!.id, Status.PaidOut]));
      expect(await w.remittance.statusOf(w.records[0]!.id)).to.equal(Status.Initiated);
    });

    it("reverts with the index of an item addressed to another operator", async function () {
      const w = await loadFixture(withThreePending);
      const toSg = (await send(w, { receivingTenant: SG })).record;
      const items = [w.records[0]!, toSg].map((r) => ({ remittance: r, payoutRef: ethers.ZeroHash }));
      await expect(w.remittance.connect(w.phOps).confirmPayoutBatch(items))
        .to.be.revertedWithCustomError(w.remittance, "RemittanceBatchItemFailed")
        .withArgs(...itemFailed(w, 1, "RemittanceNotReceiver", [toSg.id, w.phOps.address, SG]));
    });

    it("reverts with the index of an item past its deadline", async function () {
      const w = await loadFixture(world);
      const early = (await send(w, { deadlineIn: 660n })).record;
      const late = (await send(w, { deadlineIn: 1500n })).record;
      await time.increase(720);
      await expect(
        w.remittance
          .connect(w.phOps)
          .confirmPayoutBatch([late, early].map((r) => ({ remittance: r, payoutRef: ethers.ZeroHash }))),
      )
        .to.be.revertedWithCustomError(w.remittance, "RemittanceBatchItemFailed")
        .withArgs(...itemFailed(w, 1, "RemittanceDeadlinePassed", [early.id, early.deadline]));
    });

    it("refuses an empty batch and one over 100 items", async function () {
      const w = await loadFixture(withThreePending);
      await expect(w.remittance.connect(w.phOps).confirmPayoutBatch([]))
        .to.be.revertedWithCustomError(w.remittance, "RemittanceBatchSize")
        .withArgs(0, 100);
      const item = { remittance: w.records[0]!, payoutRef: ethers.ZeroHash };
      await expect(w.remittance.connect(w.phOps).confirmPayoutBatch(Array(101).fill(item)))
        .to.be.revertedWithCustomError(w.remittance, "RemittanceBatchSize")
        .withArgs(101, 100);
    });
  });
});
