import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";
import { expect } from "chai";
import { network } from "hardhat";

import { signForwardRequest } from "../helpers/forwarder.js";
import { Roles, Status as TenantStatus } from "../helpers/platform.js";
import {
  BANK,
  CORRIDOR,
  DAILY_CAP,
  deployRemittanceWorld,
  FEE_FIXED,
  Funding,
  HALF_N,
  HK,
  hkd,
  latest,
  MAX,
  MIN,
  nextClientRef,
  OTHER_BANK,
  owed,
  PH,
  php,
  ref,
  send,
  sendParams,
  SG,
  SME,
  Status,
  RECEIVER_WINDOW,
  WINDOW,
  withUpperHalfS,
  ALL_TENANTS,
} from "../helpers/remittance.js";
import { remittanceIdOf } from "../../client/eip712/quote.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

describe("RemittanceSettlement", function () {
  async function world() {
    return deployRemittanceWorld(ethers);
  }

  async function withFeeOnTransferCorridor() {
    const w = await deployRemittanceWorld(ethers);
    const fot = await ethers.deployContract("FeeOnTransferToken", [100]);
    const fotCorridor = ethers.encodeBytes32String("FOT-PHP");
    await w.remittance.connect(w.operator).openCorridor(fotCorridor, {
      ...w.corridor,
      sourceToken: await fot.getAddress(),
    });
    await fot.mint(w.hkOps.address, hkd(10_000));
    await fot.connect(w.hkOps).approve(await w.remittance.getAddress(), ethers.MaxUint256);
    return { ...w, fot, fotCorridor };
  }

  describe("initiate", function () {
    describe("with a valid quote from the corridor's provider", function () {
      it("locks amount and fee from the sender's ledger and reserves the destination amount from the provider", async function () {
        const w = await loadFixture(world);
        const [hkdAddress, phpAddress] = [await w.hkd.getAddress(), await w.php.getAddress()];
        await send(w, { sourceAmount: hkd(1_000) });
        // 1,000.00 HKD + fee 5.00 + 0.5 % = 1,010.00 HKD locked; 7,250.00 PHP reserved.
        expect(await w.remittance.balanceOf(HK, hkdAddress)).to.equal(hkd(200_000 - 1_010));
        expect(await w.remittance.balanceOf(BANK, phpAddress)).to.equal(php(5_000_000 - 7_250));
      });

      it("records the remittance as Initiated under the id derived from the client reference", async function () {
        const w = await loadFixture(world);
        const clientRef = nextClientRef();
        const { record } = await send(w, { clientRef });
        expect(record.id).to.equal(remittanceIdOf(HK, clientRef));
        expect(await w.remittance.remittanceId(HK, clientRef)).to.equal(record.id);
        expect(await w.remittance.statusOf(record.id)).to.equal(Status.Initiated);
        expect(await w.remittance.verifyRecord(record)).to.equal(Status.Initiated);
      });

      it("emits RemittanceInitiated with every field a relayer needs to settle it", async function () {
        const w = await loadFixture(world);
        const params = await sendParams(w, { sourceAmount: hkd(2_000) });
        const id = remittanceIdOf(HK, params.clientRef as string);
        await expect(w.remittance.connect(w.hkOps).initiate(params))
          .to.emit(w.remittance, "RemittanceInitiated")
          .withArgs(
            id,
            HK,
            PH,
            BANK,
            await w.hkd.getAddress(),
            await w.php.getAddress(),
            hkd(2_000),
            php(14_500),
            FEE_FIXED + hkd(10),
            params.deadline,
            CORRIDOR,
            params.recipientHash,
            params.complianceHash,
          );
      });

      it("returns the remittance id", async function () {
        const w = await loadFixture(world);
        const params = await sendParams(w);
        expect(await w.remittance.connect(w.hkOps).initiate.staticCall(params)).to.equal(
          remittanceIdOf(HK, params.clientRef as string),
        );
      });

      it("counts the source amount toward the sender's use of the corridor today", async function () {
        const w = await loadFixture(world);
        await send(w, { sourceAmount: hkd(3_000) });
        await send(w, { sourceAmount: hkd(4_000) });
        expect(await w.remittance.usedToday(CORRIDOR, HK)).to.equal(hkd(7_000));
      });

      it("keeps the contract's tokens equal to ledger balances plus pending locks", async function () {
        const w = await loadFixture(world);
        const { record } = await send(w);
        for (const token of [w.hkd, w.php]) {
          const { held, owed: total } = await owed(w, token, ALL_TENANTS, [record]);
          expect(held).to.equal(total);
        }
      });

      it("accepts a quote used at its last valid second", async function () {
        const w = await loadFixture(world);
        const params = await sendParams(w, { expiresIn: 10n, deadlineIn: 700n });
        await time.setNextBlockTimestamp(params.quote.expiry as bigint);
        await expect(w.remittance.connect(w.hkOps).initiate(params)).to.emit(w.remittance, "RemittanceInitiated");
      });

      it("lets a member act through the platform forwarder (ERC-2771)", async function () {
        const w = await loadFixture(world);
        const params = await sendParams(w);
        const data = w.remittance.interface.encodeFunctionData("initiate", [params]);
        const request = await signForwardRequest(w.forwarder, w.hkOps, w.remittance, data, { gas: 1_000_000n });
        await expect(w.forwarder.connect(w.relayer).execute(request))
          .to.emit(w.remittance, "RemittanceInitiated")
          .withArgs(remittanceIdOf(HK, params.clientRef as string), HK, PH, ...Array(10).fill(anyValue));
      });
    });

    describe("funded by a pull from the member's wallet", function () {
      it("takes amount and fee from the wallet and leaves the ledger balance alone", async function () {
        const w = await loadFixture(world);
        const hkdAddress = await w.hkd.getAddress();
        const params = await sendParams(w, { funding: Funding.Pull });
        await expect(w.remittance.connect(w.hkOps).initiate(params)).to.changeTokenBalances(
          ethers,
          w.hkd,
          [w.hkOps, w.remittance],
          [-hkd(1_010), hkd(1_010)],
        );
        expect(await w.remittance.balanceOf(HK, hkdAddress)).to.equal(hkd(200_000));
      });

      it("reverts with RemittanceTransferFailed when the wallet has not approved enough", async function () {
        const w = await loadFixture(world);
        await w.hkd.connect(w.hkOps).approve(await w.remittance.getAddress(), hkd(100));
        const params = await sendParams(w, { funding: Funding.Pull });
        await expect(w.remittance.connect(w.hkOps).initiate(params))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceTransferFailed")
          .withArgs(await w.hkd.getAddress(), w.hkOps.address, hkd(1_010));
      });

      it("refuses a token that delivers less than asked", async function () {
        const w = await loadFixture(withFeeOnTransferCorridor);
        const params = await sendParams(w, { corridorId: w.fotCorridor, funding: Funding.Pull });
        await expect(w.remittance.connect(w.hkOps).initiate(params))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceTransferShortfall")
          .withArgs(await w.fot.getAddress(), hkd(1_010), hkd(1_010) - hkd(1_010) / 100n);
      });
    });

    describe("quotes", function () {
      it("binds the receiving operator: the quote pays out to the tenant it names", async function () {
        const w = await loadFixture(world);
        const { record } = await send(w, { receivingTenant: SG });
        expect(record.receivingTenant).to.equal(SG);
      });

      it("refuses a quote whose receiver was changed after signing", async function () {
        const w = await loadFixture(world);
        const params = await sendParams(w);
        const altered = { ...params, quote: { ...params.quote, receivingTenant: SG } };
        await expect(w.remittance.connect(w.hkOps).initiate(altered)).to.be.revertedWithCustomError(
          w.remittance,
          "RemittanceQuoteSignerNotProvider",
        );
      });

      it("refuses a quote naming the sending operator as its own receiver", async function () {
        const w = await loadFixture(world);
        const params = await sendParams(w, { receivingTenant: HK });
        await expect(w.remittance.connect(w.hkOps).initiate(params))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceReceiverIsSender")
          .withArgs(HK);
      });

      it("refuses an expired quote", async function () {
        const w = await loadFixture(world);
        const params = await sendParams(w, { expiresIn: 30n });
        await time.increase(31);
        await expect(w.remittance.connect(w.hkOps).initiate(params))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceQuoteExpired")
          .withArgs(remittanceIdOf(HK, params.clientRef as string), params.quote.expiry);
      });

      it("refuses a quote used a second time", async function () {
        const w = await loadFixture(world);
        const params = await sendParams(w);
        await w.remittance.connect(w.hkOps).initiate(params);
        await expect(w.remittance.connect(w.hkOps).initiate(params))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceQuoteAlreadyUsed")
          .withArgs(remittanceIdOf(HK, params.clientRef as string));
      });

      it("creates no second remittance for the same client reference, even with a fresh quote", async function () {
        const w = await loadFixture(world);
        const clientRef = nextClientRef();
        await send(w, { clientRef });
        const retry = await sendParams(w, { clientRef, sourceAmount: hkd(1_500) });
        await expect(w.remittance.connect(w.hkOps).initiate(retry))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceQuoteAlreadyUsed")
          .withArgs(remittanceIdOf(HK, clientRef));
      });

      it("refuses a quote signed by an account outside the provider", async function () {
        const w = await loadFixture(world);
        const params = await sendParams(w, { signer: w.outsider });
        await expect(w.remittance.connect(w.hkOps).initiate(params))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceQuoteSignerNotProvider")
          .withArgs(remittanceIdOf(HK, params.clientRef as string), w.outsider.address, BANK);
      });

      it("refuses a quote signed by a liquidity provider that does not run the corridor", async function () {
        const w = await loadFixture(world);
        const params = await sendParams(w, { signer: w.otherQuoter });
        await expect(w.remittance.connect(w.hkOps).initiate(params))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceQuoteSignerNotProvider")
          .withArgs(remittanceIdOf(HK, params.clientRef as string), w.otherQuoter.address, BANK);
      });

      it("refuses a quote signed by a provider's member without the LiquidityProvider role", async function () {
        const w = await loadFixture(world);
        const params = await sendParams(w, { signer: w.bankClerk });
        await expect(w.remittance.connect(w.hkOps).initiate(params))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceQuoteSignerNotProvider")
          .withArgs(remittanceIdOf(HK, params.clientRef as string), w.bankClerk.address, BANK);
      });

      it("refuses a quote whose provider is suspended", async function () {
        const w = await loadFixture(world);
        const params = await sendParams(w);
        await w.registry.connect(w.operator).suspend(BANK, 3);
        await expect(w.remittance.connect(w.hkOps).initiate(params))
          .to.be.revertedWithCustomError(w.registry, "RegistryTenantNotActive")
          .withArgs(BANK, TenantStatus.Suspended);
      });

      it("refuses a quote issued to another sending operator", async function () {
        const w = await loadFixture(world);
        const params = await sendParams(w, { sendingTenant: HK });
        await expect(w.remittance.connect(w.sgOps).initiate(params))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceQuoteForOtherOperator")
          .withArgs(remittanceIdOf(SG, params.clientRef as string), HK, SG);
      });

      it("refuses a quote used with another client reference than the one it was priced for", async function () {
        const w = await loadFixture(world);
        const params = await sendParams(w);
        await expect(
          w.remittance.connect(w.hkOps).initiate({ ...params, clientRef: ref("another payment") }),
        ).to.be.revertedWithCustomError(w.remittance, "RemittanceQuoteSignerNotProvider");
      });

      it("refuses a quote whose amounts were changed after signing", async function () {
        const w = await loadFixture(world);
        const params = await sendParams(w);
        const tampered = { ...params, quote: { ...params.quote, destinationAmount: php(99_999) } };
        await expect(w.remittance.connect(w.hkOps).initiate(tampered)).to.be.revertedWithCustomError(
          w.remittance,
          "RemittanceQuoteSignerNotProvider",
        );
      });

      it("refuses a signature with s in the upper half of the curve order (malleable form)", async function () {
        const w = await loadFixture(world);
        const params = withUpperHalfS(await sendParams(w), HALF_N + 1n);
        await expect(w.remittance.connect(w.hkOps).initiate(params))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceInvalidQuoteSignature")
          .withArgs(remittanceIdOf(HK, params.clientRef as string));
      });

      it("refuses a signature that recovers no signer", async function () {
        const w = await loadFixture(world);
        const params = { ...(await sendParams(w)), signatureR: ethers.ZeroHash };
        await expect(w.remittance.connect(w.hkOps).initiate(params))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceInvalidQuoteSignature")
          .withArgs(remittanceIdOf(HK, params.clientRef as string));
      });

      it("refuses a fee other than the corridor's", async function () {
        const w = await loadFixture(world);
        const params = await sendParams(w, { fee: FEE_FIXED });
        await expect(w.remittance.connect(w.hkOps).initiate(params))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceFeeMismatch")
          .withArgs(remittanceIdOf(HK, params.clientRef as string), FEE_FIXED, FEE_FIXED + hkd(5));
      });

      it("refuses a zero destination amount", async function () {
        const w = await loadFixture(world);
        const params = await sendParams(w, { destinationAmount: 0n });
        await expect(w.remittance.connect(w.hkOps).initiate(params))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceZeroDestinationAmount")
          .withArgs(remittanceIdOf(HK, params.clientRef as string));
      });
    });

    describe("limits", function () {
      it("refuses an amount over the corridor's maximum", async function () {
        const w = await loadFixture(world);
        const params = await sendParams(w, { sourceAmount: MAX + 1n });
        await expect(w.remittance.connect(w.hkOps).initiate(params))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceAmountOutOfRange")
          .withArgs(CORRIDOR, MAX + 1n, MIN, MAX);
      });

      it("refuses an amount under the corridor's minimum", async function () {
        const w = await loadFixture(world);
        const params = await sendParams(w, { sourceAmount: MIN - 1n });
        await expect(w.remittance.connect(w.hkOps).initiate(params))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceAmountOutOfRange")
          .withArgs(CORRIDOR, MIN - 1n, MIN, MAX);
      });

      it("refuses a remittance that would take the sender over the daily cap", async function () {
        const w = await loadFixture(world);
        await send(w, { sourceAmount: MAX });
        await send(w, { sourceAmount: MAX });
        const params = await sendParams(w, { sourceAmount: MIN });
        await expect(w.remittance.connect(w.hkOps).initiate(params))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceDailyCapExceeded")
          .withArgs(CORRIDOR, HK, DAILY_CAP, MIN, DAILY_CAP);
      });

      it("starts a new day's cap at midnight UTC", async function () {
        const w = await loadFixture(world);
        await send(w, { sourceAmount: MAX });
        await send(w, { sourceAmount: MAX });
        const tomorrow = ((await latest(ethers)) / 86_400n + 1n) * 86_400n;
        await time.setNextBlockTimestamp(tomorrow);
        await ethers.provider.send("evm_mine", []);
        expect(await w.remittance.usedToday(CORRIDOR, HK)).to.equal(0n);
        await send(w, { sourceAmount: MIN });
        expect(await w.remittance.usedToday(CORRIDOR, HK)).to.equal(MIN);
      });

      it("keeps each sending operator's cap apart", async function () {
        const w = await loadFixture(world);
        await send(w, { sourceAmount: MAX });
        expect(await w.remittance.usedToday(CORRIDOR, SG)).to.equal(0n);
      });

      it("refuses a deadline that is not in the future", async function () {
        const w = await loadFixture(world);
        const params = await sendParams(w, { deadlineIn: 0n });
        await expect(w.remittance.connect(w.hkOps).initiate(params))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceInvalidDeadline")
          .withArgs(params.deadline, anyValue, params.quote.latestDeadline);
      });

      it("refuses a deadline that leaves the receiver less than the corridor's minimum window", async function () {
        const w = await loadFixture(world);
        const params = await sendParams(w, { deadlineIn: RECEIVER_WINDOW });
        const now = (params.deadline as bigint) - RECEIVER_WINDOW + 1n;
        await time.setNextBlockTimestamp(now);
        await expect(w.remittance.connect(w.hkOps).initiate(params))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceInvalidDeadline")
          .withArgs(params.deadline, now + RECEIVER_WINDOW, params.quote.latestDeadline);
      });

      it("accepts a deadline exactly the receiver's minimum window away", async function () {
        const w = await loadFixture(world);
        const params = await sendParams(w, { deadlineIn: RECEIVER_WINDOW + 1n });
        await time.setNextBlockTimestamp((params.deadline as bigint) - RECEIVER_WINDOW);
        await expect(w.remittance.connect(w.hkOps).initiate(params)).to.emit(w.remittance, "RemittanceInitiated");
      });

      it("refuses a deadline later than the quote's expiry plus the settlement window", async function () {
        const w = await loadFixture(world);
        const params = await sendParams(w, {
          expiresIn: 300n,
          latestDeadlineIn: 300n + WINDOW + 100n,
          deadlineIn: 300n + WINDOW + 1n,
        });
        await expect(w.remittance.connect(w.hkOps).initiate(params))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceInvalidDeadline")
          .withArgs(params.deadline, anyValue, (params.quote.expiry as bigint) + WINDOW);
      });

      it("refuses a deadline later than the latest deadline the provider signed", async function () {
        const w = await loadFixture(world);
        const params = await sendParams(w, { latestDeadlineIn: 1000n, deadlineIn: 1001n });
        await expect(w.remittance.connect(w.hkOps).initiate(params))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceInvalidDeadline")
          .withArgs(params.deadline, anyValue, params.quote.latestDeadline);
      });
    });

    describe("corridor", function () {
      it("refuses an unknown corridor", async function () {
        const w = await loadFixture(world);
        const unknown = ethers.encodeBytes32String("HKD-IDR");
        const params = await sendParams(w, { corridorId: unknown });
        await expect(w.remittance.connect(w.hkOps).initiate(params))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceUnknownCorridor")
          .withArgs(unknown);
      });

      it("refuses a disabled corridor", async function () {
        const w = await loadFixture(world);
        await w.remittance.connect(w.operator).updateCorridor(CORRIDOR, { ...w.corridor, enabled: false });
        const params = await sendParams(w);
        await expect(w.remittance.connect(w.hkOps).initiate(params))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceCorridorDisabled")
          .withArgs(CORRIDOR);
      });
    });

    describe("parties", function () {
      it("refuses a caller whose operator is suspended", async function () {
        const w = await loadFixture(world);
        const params = await sendParams(w);
        await w.registry.connect(w.operator).suspend(HK, 1);
        await expect(w.remittance.connect(w.hkOps).initiate(params))
          .to.be.revertedWithCustomError(w.registry, "RegistryTenantNotActive")
          .withArgs(HK, TenantStatus.Suspended);
      });

      it("refuses a member without the PaymentOperator role", async function () {
        const w = await loadFixture(world);
        const params = await sendParams(w);
        await expect(w.remittance.connect(w.hkClerk).initiate(params))
          .to.be.revertedWithCustomError(w.registry, "RegistryMissingRole")
          .withArgs(w.hkClerk.address, HK, Roles["payment-operator"]);
      });

      it("refuses an account that is no member", async function () {
        const w = await loadFixture(world);
        const params = await sendParams(w);
        await expect(w.remittance.connect(w.outsider).initiate(params))
          .to.be.revertedWithCustomError(w.registry, "RegistryNotMember")
          .withArgs(w.outsider.address);
      });

      it("refuses a receiving operator that is suspended", async function () {
        const w = await loadFixture(world);
        await w.registry.connect(w.operator).suspend(PH, 1);
        const params = await sendParams(w);
        await expect(w.remittance.connect(w.hkOps).initiate(params))
          .to.be.revertedWithCustomError(w.registry, "RegistryTenantNotActive")
          .withArgs(PH, TenantStatus.Suspended);
      });

      it("refuses a receiver that is not a payment operator", async function () {
        const w = await loadFixture(world);
        const params = await sendParams(w, { receivingTenant: SME });
        await expect(w.remittance.connect(w.hkOps).initiate(params))
          .to.be.revertedWithCustomError(w.registry, "RegistryMissingRole")
          .withArgs(ethers.ZeroAddress, SME, Roles["payment-operator"]);
      });

      it("refuses an unknown receiver", async function () {
        const w = await loadFixture(world);
        const nobody = ethers.encodeBytes32String("nobody");
        const params = await sendParams(w, { receivingTenant: nobody });
        await expect(w.remittance.connect(w.hkOps).initiate(params))
          .to.be.revertedWithCustomError(w.registry, "RegistryTenantNotActive")
          .withArgs(nobody, TenantStatus.None);
      });
    });

    describe("balances", function () {
      it("refuses a sender whose ledger balance does not cover amount and fee", async function () {
        const w = await loadFixture(world);
        const hkdAddress = await w.hkd.getAddress();
        await w.remittance.connect(w.hkOps).withdraw(hkdAddress, hkd(199_500), w.hkOps.address);
        const params = await sendParams(w, { sourceAmount: hkd(1_000) });
        await expect(w.remittance.connect(w.hkOps).initiate(params))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceInsufficientBalance")
          .withArgs(HK, hkdAddress, hkd(500), hkd(1_010));
      });

      it("refuses a quote the provider's available liquidity cannot cover", async function () {
        const w = await loadFixture(world);
        const phpAddress = await w.php.getAddress();
        const params = await sendParams(w, { destinationAmount: php(5_000_001) });
        await expect(w.remittance.connect(w.hkOps).initiate(params))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceInsufficientLiquidity")
          .withArgs(BANK, phpAddress, php(5_000_000), php(5_000_001));
      });

      it("cannot reserve liquidity that pending remittances already hold", async function () {
        const w = await loadFixture(world);
        const phpAddress = await w.php.getAddress();
        await send(w, { destinationAmount: php(4_000_000) });
        const params = await sendParams(w, { destinationAmount: php(1_000_001) });
        await expect(w.remittance.connect(w.hkOps).initiate(params))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceInsufficientLiquidity")
          .withArgs(BANK, phpAddress, php(1_000_000), php(1_000_001));
      });
    });

    describe("a second provider", function () {
      it("serves its own corridor with its own liquidity", async function () {
        const w = await loadFixture(world);
        const second = ethers.encodeBytes32String("HKD-PHP-2");
        const phpAddress = await w.php.getAddress();
        await w.remittance.connect(w.operator).openCorridor(second, { ...w.corridor, provider: OTHER_BANK });
        await w.php.connect(w.issuer).mint(w.otherQuoter.address, php(100_000));
        await w.php.connect(w.otherQuoter).approve(await w.remittance.getAddress(), php(100_000));
        await w.remittance.connect(w.otherQuoter).deposit(phpAddress, php(100_000));
        await send(w, { corridorId: second, signer: w.otherQuoter });
        expect(await w.remittance.balanceOf(OTHER_BANK, phpAddress)).to.equal(php(100_000 - 7_250));
        expect(await w.remittance.balanceOf(BANK, phpAddress)).to.equal(php(5_000_000));
      });
    });
  });
});
