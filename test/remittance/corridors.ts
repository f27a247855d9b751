import { expect } from "chai";
import { network } from "hardhat";

import { Roles, Status as TenantStatus } from "../helpers/platform.js";
import {
  BANK,
  CORRIDOR,
  DAILY_CAP,
  deployRemittanceWorld,
  HK,
  MAX,
  MIN,
  OTHER_BANK,
  send,
  sendParams,
  SME,
} from "../helpers/remittance.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture } = networkHelpers;

const HKD_SGD = ethers.encodeBytes32String("HKD-SGD");

describe("RemittanceSettlement", function () {
  async function world() {
    return deployRemittanceWorld(ethers);
  }

  describe("deployment", function () {
    it("gives governance the admin role, the platform operator the operator role, and names the fee collector", async function () {
      const w = await loadFixture(world);
      expect(await w.remittance.hasRole(ethers.ZeroHash, w.admin.address)).to.equal(true);
      expect(await w.remittance.hasRole(await w.remittance.OPERATOR_ROLE(), w.operator.address)).to.equal(true);
      expect(await w.remittance.feeCollector()).to.equal(w.feeCollector.address);
    });

    it("reads the tenant registry and trusts the platform forwarder", async function () {
      const w = await loadFixture(world);
      expect(await w.remittance.registry()).to.equal(await w.registry.getAddress());
      expect(await w.remittance.isTrustedForwarder(await w.forwarder.getAddress())).to.equal(true);
    });

    it("refuses a zero admin, operator, fee collector or registry", async function () {
      const w = await loadFixture(world);
      const good = [w.admin.address, w.operator.address, w.feeCollector.address, await w.registry.getAddress()];
      const factory = await ethers.getContractFactory("RemittanceSettlement");
      for (let i = 0; i < good.length; i++) {
        const args = [...good];
        args[i] = ethers.ZeroAddress;
        await expect(
          ethers.deployContract("RemittanceSettlement", [...args, ethers.ZeroAddress]),
        ).to.be.revertedWithCustomError(factory, "RemittanceZeroAddress");
      }
    });
  });

  describe("openCorridor", function () {
    it("records the corridor, lists its id and emits CorridorOpened", async function () {
      const w = await loadFixture(world);
      const config = { ...w.corridor, feeBps: 25 };
      await expect(w.remittance.connect(w.operator).openCorridor(HKD_SGD, config))
        .to.emit(w.remittance, "CorridorOpened")
        .withArgs(HKD_SGD, Object.values(config));
      expect((await w.remittance.getCorridor(HKD_SGD)).feeBps).to.equal(25n);
      expect(await w.remittance.corridorCount()).to.equal(2n);
      expect(await w.remittance.corridorIds(0, 10)).to.deep.equal([CORRIDOR, HKD_SGD]);
      expect(await w.remittance.corridorIds(1, 1)).to.deep.equal([HKD_SGD]);
      expect(await w.remittance.corridorIds(2, 1)).to.deep.equal([]);
    });

    it("computes the corridor's fee as fixed part plus basis points of the amount", async function () {
      const w = await loadFixture(world);
      // 5.00 HKD + 0.5 % of 2,000.00 HKD = 15.00 HKD.
      expect(await w.remittance.corridorFee(CORRIDOR, 200_000n)).to.equal(1_500n);
      await expect(w.remittance.corridorFee(HKD_SGD, 1n))
        .to.be.revertedWithCustomError(w.remittance, "RemittanceUnknownCorridor")
        .withArgs(HKD_SGD);
    });

    it("refuses a zero id and an id already opened", async function () {
      const w = await loadFixture(world);
      await expect(
        w.remittance.connect(w.operator).openCorridor(ethers.ZeroHash, w.corridor),
      ).to.be.revertedWithCustomError(w.remittance, "RemittanceZeroCorridorId");
      await expect(w.remittance.connect(w.operator).openCorridor(CORRIDOR, w.corridor))
        .to.be.revertedWithCustomError(w.remittance, "RemittanceCorridorExists")
        .withArgs(CORRIDOR);
    });

    it("refuses a zero token and the same token on both legs", async function () {
      const w = await loadFixture(world);
      const hkdAddress = await w.hkd.getAddress();
      for (const [source, destination] of [
        [ethers.ZeroAddress, w.corridor.destinationToken],
        [hkdAddress, ethers.ZeroAddress],
        [hkdAddress, hkdAddress],
      ]) {
        await expect(
          w.remittance
            .connect(w.operator)
            .openCorridor(HKD_SGD, { ...w.corridor, sourceToken: source!, destinationToken: destination! }),
        )
          .to.be.revertedWithCustomError(w.remittance, "RemittanceInvalidCorridorTokens")
          .withArgs(source, destination);
      }
    });

    it("refuses limits that are not 0 < min <= max <= daily cap", async function () {
      const w = await loadFixture(world);
      const cases: Array<[bigint, bigint, bigint]> = [
        [0n, MAX, DAILY_CAP],
        [MAX + 1n, MAX, DAILY_CAP],
        [MIN, DAILY_CAP + 1n, DAILY_CAP],
      ];
      for (const [minAmount, maxAmount, dailyCap] of cases) {
        await expect(
          w.remittance.connect(w.operator).openCorridor(HKD_SGD, { ...w.corridor, minAmount, maxAmount, dailyCap }),
        )
          .to.be.revertedWithCustomError(w.remittance, "RemittanceInvalidCorridorLimits")
          .withArgs(minAmount, maxAmount, dailyCap);
      }
    });

    it("refuses a proportional fee above 10 %", async function () {
      const w = await loadFixture(world);
      await expect(w.remittance.connect(w.operator).openCorridor(HKD_SGD, { ...w.corridor, feeBps: 1_001 }))
        .to.be.revertedWithCustomError(w.remittance, "RemittanceInvalidFeeBps")
        .withArgs(1_001, 1_000);
    });

    it("refuses a settlement window of zero or above 30 days", async function () {
      const w = await loadFixture(world);
      for (const settlementWindow of [0, 30 * 86_400 + 1]) {
        await expect(w.remittance.connect(w.operator).openCorridor(HKD_SGD, { ...w.corridor, settlementWindow }))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceInvalidSettlementWindow")
          .withArgs(settlementWindow, 30 * 86_400);
      }
    });

    it("refuses a receiver window of zero or longer than the settlement window", async function () {
      const w = await loadFixture(world);
      for (const minReceiverWindow of [0, Number(w.corridor.settlementWindow) + 1]) {
        await expect(w.remittance.connect(w.operator).openCorridor(HKD_SGD, { ...w.corridor, minReceiverWindow }))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceInvalidReceiverWindow")
          .withArgs(minReceiverWindow, w.corridor.settlementWindow);
      }
    });

    it("refuses a provider that is not an active liquidity provider", async function () {
      const w = await loadFixture(world);
      await expect(w.remittance.connect(w.operator).openCorridor(HKD_SGD, { ...w.corridor, provider: SME }))
        .to.be.revertedWithCustomError(w.registry, "RegistryMissingRole")
        .withArgs(ethers.ZeroAddress, SME, Roles["liquidity-provider"]);
      await w.registry.connect(w.operator).suspend(OTHER_BANK, 1);
      await expect(w.remittance.connect(w.operator).openCorridor(HKD_SGD, { ...w.corridor, provider: OTHER_BANK }))
        .to.be.revertedWithCustomError(w.registry, "RegistryTenantNotActive")
        .withArgs(OTHER_BANK, TenantStatus.Suspended);
    });

    it("allows only the operator role", async function () {
      const w = await loadFixture(world);
      const role = await w.remittance.OPERATOR_ROLE();
      for (const caller of [w.admin, w.issuer, w.feeCollector, w.hkOps, w.bankQuoter, w.outsider]) {
        await expect(w.remittance.connect(caller).openCorridor(HKD_SGD, w.corridor))
          .to.be.revertedWithCustomError(w.remittance, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, role);
      }
    });
  });

  describe("updateCorridor", function () {
    it("replaces limits, fee, window and provider, and emits CorridorUpdated", async function () {
      const w = await loadFixture(world);
      const config = { ...w.corridor, maxAmount: MAX * 2n, feeBps: 10, provider: OTHER_BANK };
      await expect(w.remittance.connect(w.operator).updateCorridor(CORRIDOR, config))
        .to.emit(w.remittance, "CorridorUpdated")
        .withArgs(CORRIDOR, Object.values(config));
      const stored = await w.remittance.getCorridor(CORRIDOR);
      expect(stored.maxAmount).to.equal(MAX * 2n);
      expect(stored.provider).to.equal(OTHER_BANK);
    });

    it("stops quotes of the former provider once the provider changes", async function () {
      const w = await loadFixture(world);
      const params = await sendParams(w);
      const id = await w.remittance.remittanceId(HK, params.clientRef);
      await w.remittance.connect(w.operator).updateCorridor(CORRIDOR, { ...w.corridor, provider: OTHER_BANK });
      await expect(w.remittance.connect(w.hkOps).initiate(params))
        .to.be.revertedWithCustomError(w.remittance, "RemittanceQuoteSignerNotProvider")
        .withArgs(id, w.bankQuoter.address, OTHER_BANK);
    });

    it("refuses an unknown corridor", async function () {
      const w = await loadFixture(world);
      await expect(w.remittance.connect(w.operator).updateCorridor(HKD_SGD, w.corridor))
        .to.be.revertedWithCustomError(w.remittance, "RemittanceUnknownCorridor")
        .withArgs(HKD_SGD);
    });

    it("refuses to change a corridor's tokens", async function () {
      const w = await loadFixture(world);
      const other = await ethers.deployContract("SettlementToken", ["SGD", "tSGD", "SGD", 2, w.issuer.address]);
      await expect(
        w.remittance
          .connect(w.operator)
          .updateCorridor(CORRIDOR, { ...w.corridor, destinationToken: await other.getAddress() }),
      )
        .to.be.revertedWithCustomError(w.remittance, "RemittanceCorridorTokensFixed")
        .withArgs(CORRIDOR, w.corridor.sourceToken, w.corridor.destinationToken);
    });

    it("can disable a corridor whose provider was suspended, but not re-enable it", async function () {
      const w = await loadFixture(world);
      await w.registry.connect(w.operator).suspend(BANK, 5);
      await w.remittance.connect(w.operator).updateCorridor(CORRIDOR, { ...w.corridor, enabled: false });
      expect((await w.remittance.getCorridor(CORRIDOR)).enabled).to.equal(false);
      await expect(w.remittance.connect(w.operator).updateCorridor(CORRIDOR, w.corridor))
        .to.be.revertedWithCustomError(w.registry, "RegistryTenantNotActive")
        .withArgs(BANK, TenantStatus.Suspended);
    });

    it("lets pending remittances settle in a disabled corridor", async function () {
      const w = await loadFixture(world);
      const { record } = await send(w);
      await w.remittance.connect(w.operator).updateCorridor(CORRIDOR, { ...w.corridor, enabled: false });
      await expect(w.remittance.connect(w.phOps).confirmPayout(record, ethers.ZeroHash)).to.emit(
        w.remittance,
        "RemittancePaidOut",
      );
    });

    it("allows only the operator role", async function () {
      const w = await loadFixture(world);
      const role = await w.remittance.OPERATOR_ROLE();
      for (const caller of [w.admin, w.issuer, w.feeCollector, w.hkOps, w.bankQuoter, w.outsider]) {
        await expect(w.remittance.connect(caller).updateCorridor(CORRIDOR, w.corridor))
          .to.be.revertedWithCustomError(w.remittance, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, role);
      }
    });
  });
});
