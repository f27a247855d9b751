import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { expect } from "chai";
import { network } from "hardhat";

import { signForwardRequest } from "../helpers/forwarder.js";
import { Status as TenantStatus } from "../helpers/platform.js";
import {
  BANK,
  deployRemittanceWorld,
  HK,
  hkd,
  PH,
  php,
  ref,
  send,
  SME,
  type RemittanceWorld,
} from "../helpers/remittance.js";
import { signPermit } from "../../client/eip712/permit.js";
import type { SettlementToken } from "../../typechain-types/index.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture } = networkHelpers;

describe("RemittanceSettlement", function () {
  async function world() {
    return deployRemittanceWorld(ethers);
  }

  /** A settled remittance: the bank holds 1,000.00 HKD and the platform 10.00 HKD of fees in its entry. */
  async function withSettled() {
    const w = await deployRemittanceWorld(ethers);
    const { record } = await send(w, { sourceAmount: hkd(1_000) });
    await w.remittance.connect(w.phOps).confirmPayout(record, ref("payout"));
    return w;
  }

  async function permit(w: RemittanceWorld, token: SettlementToken, owner: HardhatEthersSigner, value: bigint) {
    const deadline = BigInt((await ethers.provider.getBlock("latest"))!.timestamp) + 3600n;
    return signPermit(token, owner, await w.remittance.getAddress(), value, deadline);
  }

  describe("deposit", function () {
    it("credits the member's tenant with the tokens it pulls", async function () {
      const w = await loadFixture(world);
      const hkdAddress = await w.hkd.getAddress();
      await expect(w.remittance.connect(w.hkOps).deposit(hkdAddress, hkd(500))).to.changeTokenBalances(
        ethers,
        w.hkd,
        [w.hkOps, w.remittance],
        [-hkd(500), hkd(500)],
      );
      expect(await w.remittance.balanceOf(HK, hkdAddress)).to.equal(hkd(200_500));
    });

    it("emits Deposited with tenant, token, member and amount", async function () {
      const w = await loadFixture(world);
      const hkdAddress = await w.hkd.getAddress();
      await expect(w.remittance.connect(w.hkOps).deposit(hkdAddress, hkd(500)))
        .to.emit(w.remittance, "Deposited")
        .withArgs(HK, hkdAddress, w.hkOps.address, hkd(500));
    });

    it("refuses a zero amount", async function () {
      const w = await loadFixture(world);
      await expect(w.remittance.connect(w.hkOps).deposit(await w.hkd.getAddress(), 0n)).to.be.revertedWithCustomError(
        w.remittance,
        "RemittanceZeroAmount",
      );
    });

    it("refuses a token that delivers less than asked (fee on transfer)", async function () {
      const w = await loadFixture(world);
      const fot = await ethers.deployContract("FeeOnTransferToken", [100]);
      await fot.mint(w.hkOps.address, 10_000n);
      await fot.connect(w.hkOps).approve(await w.remittance.getAddress(), 10_000n);
      await expect(w.remittance.connect(w.hkOps).deposit(await fot.getAddress(), 10_000n))
        .to.be.revertedWithCustomError(w.remittance, "RemittanceTransferShortfall")
        .withArgs(await fot.getAddress(), 10_000n, 9_900n);
    });

    it("reports a token that leaves the ledger holding less than before as a shortfall of the whole amount", async function () {
      const w = await loadFixture(world);
      const claw = await ethers.deployContract("ClawbackToken");
      await claw.mint(await w.remittance.getAddress(), 50_000n);
      await claw.mint(w.hkOps.address, 10_000n);
      await claw.connect(w.hkOps).approve(await w.remittance.getAddress(), 10_000n);
      await expect(w.remittance.connect(w.hkOps).deposit(await claw.getAddress(), 10_000n))
        .to.be.revertedWithCustomError(w.remittance, "RemittanceTransferShortfall")
        .withArgs(await claw.getAddress(), 10_000n, 0n);
    });

    it("refuses a member of a tenant that is neither an operator nor a liquidity provider", async function () {
      const w = await loadFixture(world);
      await expect(w.remittance.connect(w.smeAdmin).deposit(await w.hkd.getAddress(), 1n))
        .to.be.revertedWithCustomError(w.remittance, "RemittanceNotLedgerMember")
        .withArgs(w.smeAdmin.address, SME);
    });

    it("refuses a member without a ledger role, and an account that is no member", async function () {
      const w = await loadFixture(world);
      await expect(w.remittance.connect(w.hkClerk).deposit(await w.hkd.getAddress(), 1n))
        .to.be.revertedWithCustomError(w.remittance, "RemittanceNotLedgerMember")
        .withArgs(w.hkClerk.address, HK);
      await expect(w.remittance.connect(w.outsider).deposit(await w.hkd.getAddress(), 1n))
        .to.be.revertedWithCustomError(w.remittance, "RemittanceNotLedgerMember")
        .withArgs(w.outsider.address, ethers.ZeroHash);
    });

    it("refuses a deposit by a suspended tenant", async function () {
      const w = await loadFixture(world);
      await w.registry.connect(w.operator).suspend(HK, 1);
      await expect(w.remittance.connect(w.hkOps).deposit(await w.hkd.getAddress(), 1n))
        .to.be.revertedWithCustomError(w.registry, "RegistryTenantNotActive")
        .withArgs(HK, TenantStatus.Suspended);
    });

    it("refuses a deposit the member has not approved", async function () {
      const w = await loadFixture(world);
      await w.hkd.connect(w.hkOps).approve(await w.remittance.getAddress(), 0n);
      await expect(
        w.remittance.connect(w.hkOps).deposit(await w.hkd.getAddress(), hkd(1)),
      ).to.be.revertedWithCustomError(w.hkd, "ERC20InsufficientAllowance");
    });

    it("lets a member deposit through the platform forwarder (ERC-2771)", async function () {
      const w = await loadFixture(world);
      const hkdAddress = await w.hkd.getAddress();
      const data = w.remittance.interface.encodeFunctionData("deposit", [hkdAddress, hkd(5)]);
      const request = await signForwardRequest(w.forwarder, w.hkOps, w.remittance, data);
      await expect(w.forwarder.connect(w.relayer).execute(request))
        .to.emit(w.remittance, "Deposited")
        .withArgs(HK, hkdAddress, w.hkOps.address, hkd(5));
    });
  });

  describe("depositWithPermit", function () {
    it("deposits in one call with an EIP-2612 permit instead of an approval", async function () {
      const w = await loadFixture(world);
      const phpAddress = await w.php.getAddress();
      await w.php.connect(w.issuer).mint(w.phOps.address, php(1_000));
      const p = await permit(w, w.php, w.phOps, php(1_000));
      await w.remittance.connect(w.phOps).depositWithPermit(phpAddress, php(1_000), p.deadline, p.v, p.r, p.s);
      expect(await w.remittance.balanceOf(PH, phpAddress)).to.equal(php(1_000));
    });

    it("still deposits when someone submitted the permit first", async function () {
      const w = await loadFixture(world);
      const phpAddress = await w.php.getAddress();
      await w.php.connect(w.issuer).mint(w.phOps.address, php(1_000));
      const p = await permit(w, w.php, w.phOps, php(1_000));
      await w.php
        .connect(w.outsider)
        .permit(w.phOps.address, await w.remittance.getAddress(), php(1_000), p.deadline, p.v, p.r, p.s);
      await w.remittance.connect(w.phOps).depositWithPermit(phpAddress, php(1_000), p.deadline, p.v, p.r, p.s);
      expect(await w.remittance.balanceOf(PH, phpAddress)).to.equal(php(1_000));
    });

    it("refuses a bad permit when no allowance covers the deposit", async function () {
      const w = await loadFixture(world);
      await w.php.connect(w.issuer).mint(w.phOps.address, php(1_000));
      const p = await permit(w, w.php, w.phOps, php(1));
      await expect(
        w.remittance
          .connect(w.phOps)
          .depositWithPermit(await w.php.getAddress(), php(1_000), p.deadline, p.v, p.r, p.s),
      ).to.be.revertedWithCustomError(w.php, "ERC20InsufficientAllowance");
    });
  });

  describe("withdraw", function () {
    it("sends available balance to the address given and debits the tenant", async function () {
      const w = await loadFixture(world);
      const hkdAddress = await w.hkd.getAddress();
      await expect(
        w.remittance.connect(w.hkOps).withdraw(hkdAddress, hkd(700), w.relayer.address),
      ).to.changeTokenBalances(ethers, w.hkd, [w.remittance, w.relayer], [-hkd(700), hkd(700)]);
      expect(await w.remittance.balanceOf(HK, hkdAddress)).to.equal(hkd(200_000 - 700));
    });

    it("emits Withdrawn with tenant, token, recipient, amount and member", async function () {
      const w = await loadFixture(world);
      const hkdAddress = await w.hkd.getAddress();
      await expect(w.remittance.connect(w.hkOps).withdraw(hkdAddress, hkd(1), w.relayer.address))
        .to.emit(w.remittance, "Withdrawn")
        .withArgs(HK, hkdAddress, w.relayer.address, hkd(1), w.hkOps.address);
    });

    it("refuses more than the available balance", async function () {
      const w = await loadFixture(world);
      const hkdAddress = await w.hkd.getAddress();
      await expect(w.remittance.connect(w.hkOps).withdraw(hkdAddress, hkd(200_001), w.hkOps.address))
        .to.be.revertedWithCustomError(w.remittance, "RemittanceInsufficientBalance")
        .withArgs(HK, hkdAddress, hkd(200_000), hkd(200_001));
    });

    it("cannot withdraw liquidity reserved for a pending remittance", async function () {
      const w = await loadFixture(world);
      const phpAddress = await w.php.getAddress();
      await send(w, { destinationAmount: php(7_250) });
      await expect(w.remittance.connect(w.bankQuoter).withdraw(phpAddress, php(5_000_000), w.bankQuoter.address))
        .to.be.revertedWithCustomError(w.remittance, "RemittanceInsufficientBalance")
        .withArgs(BANK, phpAddress, php(5_000_000 - 7_250), php(5_000_000));
    });

    it("refuses a zero amount and a zero recipient", async function () {
      const w = await loadFixture(world);
      const hkdAddress = await w.hkd.getAddress();
      await expect(
        w.remittance.connect(w.hkOps).withdraw(hkdAddress, 0n, w.hkOps.address),
      ).to.be.revertedWithCustomError(w.remittance, "RemittanceZeroAmount");
      await expect(
        w.remittance.connect(w.hkOps).withdraw(hkdAddress, 1n, ethers.ZeroAddress),
      ).to.be.revertedWithCustomError(w.remittance, "RemittanceZeroAddress");
    });

    it("lets a suspended tenant withdraw what it owns", async function () {
      const w = await loadFixture(world);
      await w.registry.connect(w.operator).suspend(HK, 1);
      await expect(
        w.remittance.connect(w.hkOps).withdraw(await w.hkd.getAddress(), hkd(200_000), w.hkOps.address),
      ).to.emit(w.remittance, "Withdrawn");
    });

    it("lets an offboarded tenant withdraw what it owns", async function () {
      const w = await loadFixture(world);
      await w.registry.connect(w.operator).offboard(HK, 1);
      await expect(
        w.remittance.connect(w.hkOps).withdraw(await w.hkd.getAddress(), hkd(200_000), w.hkOps.address),
      ).to.emit(w.remittance, "Withdrawn");
    });

    it("refuses an account that is no ledger member", async function () {
      const w = await loadFixture(world);
      for (const caller of [w.outsider, w.smeAdmin, w.hkClerk, w.feeCollector]) {
        await expect(
          w.remittance.connect(caller).withdraw(await w.hkd.getAddress(), 1n, caller.address),
        ).to.be.revertedWithCustomError(w.remittance, "RemittanceNotLedgerMember");
      }
    });
  });

  describe("withdrawFees", function () {
    it("sends the platform's fees accrued in a provider's entry to the fee collector's choice", async function () {
      const w = await loadFixture(withSettled);
      const hkdAddress = await w.hkd.getAddress();
      await expect(w.remittance.connect(w.feeCollector).withdrawFees(BANK, hkdAddress, hkd(10), w.feeCollector.address))
        .to.emit(w.remittance, "FeesWithdrawn")
        .withArgs(BANK, hkdAddress, w.feeCollector.address, hkd(10));
      expect(await w.remittance.feesAccrued(BANK, hkdAddress)).to.equal(0n);
      expect(await w.hkd.balanceOf(w.feeCollector.address)).to.equal(hkd(10));
    });

    it("leaves the provider's own balance alone, and the provider cannot withdraw the fees", async function () {
      const w = await loadFixture(withSettled);
      const hkdAddress = await w.hkd.getAddress();
      await w.remittance.connect(w.feeCollector).withdrawFees(BANK, hkdAddress, hkd(10), w.feeCollector.address);
      expect(await w.remittance.balanceOf(BANK, hkdAddress)).to.equal(hkd(1_000));
      await expect(w.remittance.connect(w.bankQuoter).withdraw(hkdAddress, hkd(1_001), w.bankQuoter.address))
        .to.be.revertedWithCustomError(w.remittance, "RemittanceInsufficientBalance")
        .withArgs(BANK, hkdAddress, hkd(1_000), hkd(1_001));
    });

    it("refuses more than accrued", async function () {
      const w = await loadFixture(withSettled);
      const hkdAddress = await w.hkd.getAddress();
      await expect(w.remittance.connect(w.feeCollector).withdrawFees(BANK, hkdAddress, hkd(11), w.feeCollector.address))
        .to.be.revertedWithCustomError(w.remittance, "RemittanceInsufficientBalance")
        .withArgs(BANK, hkdAddress, hkd(10), hkd(11));
    });

    it("refuses a zero amount and a zero recipient", async function () {
      const w = await loadFixture(withSettled);
      const hkdAddress = await w.hkd.getAddress();
      await expect(
        w.remittance.connect(w.feeCollector).withdrawFees(BANK, hkdAddress, 0n, w.feeCollector.address),
      ).to.be.revertedWithCustomError(w.remittance, "RemittanceZeroAmount");
      await expect(
        w.remittance.connect(w.feeCollector).withdrawFees(BANK, hkdAddress, 1n, ethers.ZeroAddress),
      ).to.be.revertedWithCustomError(w.remittance, "RemittanceZeroAddress");
    });

    it("allows only the fee collector", async function () {
      const w = await loadFixture(withSettled);
      for (const caller of [w.admin, w.operator, w.bankQuoter, w.hkOps, w.outsider]) {
        await expect(w.remittance.connect(caller).withdrawFees(BANK, await w.hkd.getAddress(), 1n, caller.address))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceNotFeeCollector")
          .withArgs(caller.address);
      }
    });
  });

  describe("setFeeCollector", function () {
    it("hands fee withdrawals to a new address and emits FeeCollectorChanged", async function () {
      const w = await loadFixture(withSettled);
      await expect(w.remittance.connect(w.admin).setFeeCollector(w.relayer.address))
        .to.emit(w.remittance, "FeeCollectorChanged")
        .withArgs(w.feeCollector.address, w.relayer.address);
      await expect(
        w.remittance.connect(w.feeCollector).withdrawFees(BANK, await w.hkd.getAddress(), 1n, w.feeCollector.address),
      ).to.be.revertedWithCustomError(w.remittance, "RemittanceNotFeeCollector");
      await w.remittance.connect(w.relayer).withdrawFees(BANK, await w.hkd.getAddress(), 1n, w.relayer.address);
    });

    it("refuses the zero address", async function () {
      const w = await loadFixture(world);
      await expect(w.remittance.connect(w.admin).setFeeCollector(ethers.ZeroAddress)).to.be.revertedWithCustomError(
        w.remittance,
        "RemittanceZeroAddress",
      );
    });

    it("allows only governance", async function () {
      const w = await loadFixture(world);
      for (const caller of [w.operator, w.feeCollector, w.hkOps, w.outsider]) {
        await expect(w.remittance.connect(caller).setFeeCollector(caller.address))
          .to.be.revertedWithCustomError(w.remittance, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, ethers.ZeroHash);
      }
    });
  });
});
