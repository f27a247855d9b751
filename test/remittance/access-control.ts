import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { expect } from "chai";
import { network } from "hardhat";

import { Roles } from "../helpers/platform.js";
import {
  BANK,
  CORRIDOR,
  deployRemittanceWorld,
  HK,
  hkd,
  OPERATOR_ROLE,
  PH,
  send,
  sendParams,
  SME,
} from "../helpers/remittance.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture } = networkHelpers;

/**
 * Who may call what, in one place: every privileged function against every role that must not call it.
 * The behaviour of each function under its rightful caller is specified in the other remittance specs.
 */
describe("RemittanceSettlement", function () {
  async function withPending() {
    const w = await deployRemittanceWorld(ethers);
    const { record } = await send(w);
    return { ...w, record };
  }

  type World = Awaited<ReturnType<typeof withPending>>;
  const everyone = (w: World) => ({
    governance: w.admin,
    operator: w.operator,
    issuer: w.issuer,
    "fee collector": w.feeCollector,
    "sending operator": w.hkOps,
    "receiving operator": w.phOps,
    "other operator": w.sgOps,
    "liquidity provider": w.bankQuoter,
    "SME member": w.smeAdmin,
    "operator member without the role": w.hkClerk,
    outsider: w.outsider,
  });
  const except = (w: World, ...allowed: string[]): Array<[string, HardhatEthersSigner]> =>
    Object.entries(everyone(w)).filter(([name]) => !allowed.includes(name));

  describe("access control", function () {
    it("allows only the operator role to open and update corridors", async function () {
      const w = await loadFixture(withPending);
      for (const [, caller] of except(w, "operator")) {
        await expect(w.remittance.connect(caller).openCorridor(ethers.encodeBytes32String("X"), w.corridor))
          .to.be.revertedWithCustomError(w.remittance, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, OPERATOR_ROLE);
        await expect(w.remittance.connect(caller).updateCorridor(CORRIDOR, w.corridor))
          .to.be.revertedWithCustomError(w.remittance, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, OPERATOR_ROLE);
      }
    });

    it("allows only governance to set the fee collector and grant roles", async function () {
      const w = await loadFixture(withPending);
      for (const [, caller] of except(w, "governance")) {
        await expect(w.remittance.connect(caller).setFeeCollector(caller.address))
          .to.be.revertedWithCustomError(w.remittance, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, ethers.ZeroHash);
        await expect(w.remittance.connect(caller).grantRole(OPERATOR_ROLE, caller.address))
          .to.be.revertedWithCustomError(w.remittance, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, ethers.ZeroHash);
      }
    });

    it("allows only the fee collector to withdraw fees", async function () {
      const w = await loadFixture(withPending);
      for (const [, caller] of except(w, "fee collector")) {
        await expect(w.remittance.connect(caller).withdrawFees(BANK, await w.hkd.getAddress(), 1n, caller.address))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceNotFeeCollector")
          .withArgs(caller.address);
      }
    });

    it("allows only payment-operator members of an active operator to initiate, one by one or in batches", async function () {
      const w = await loadFixture(withPending);
      const params = await sendParams(w);
      const tenantOf = { "liquidity provider": BANK, "SME member": SME, "operator member without the role": HK };
      for (const [name, caller] of except(w, "sending operator", "receiving operator", "other operator")) {
        const tenant = tenantOf[name as keyof typeof tenantOf];
        for (const call of [
          w.remittance.connect(caller).initiate(params),
          w.remittance.connect(caller).initiateBatch([params]),
        ]) {
          if (tenant === undefined) {
            await expect(call, name)
              .to.be.revertedWithCustomError(w.registry, "RegistryNotMember")
              .withArgs(caller.address);
          } else {
            await expect(call, name)
              .to.be.revertedWithCustomError(w.registry, "RegistryMissingRole")
              .withArgs(caller.address, tenant, Roles["payment-operator"]);
          }
        }
      }
    });

    it("allows only the receiving operator's payment-operator members to confirm or reject", async function () {
      const w = await loadFixture(withPending);
      for (const [, caller] of except(w, "receiving operator")) {
        await expect(w.remittance.connect(caller).confirmPayout(w.record, ethers.ZeroHash))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceNotReceiver")
          .withArgs(w.record.id, caller.address, PH);
        await expect(
          w.remittance.connect(caller).confirmPayoutBatch([{ remittance: w.record, payoutRef: ethers.ZeroHash }]),
        ).to.be.revertedWithCustomError(w.remittance, "RemittanceBatchItemFailed");
        await expect(w.remittance.connect(caller).reject(w.record, 1))
          .to.be.revertedWithCustomError(w.remittance, "RemittanceNotReceiver")
          .withArgs(w.record.id, caller.address, PH);
      }
    });

    it("allows only members of operators and liquidity providers to use the ledger", async function () {
      const w = await loadFixture(withPending);
      const hkdAddress = await w.hkd.getAddress();
      const ledgerUsers = ["sending operator", "receiving operator", "other operator", "liquidity provider"];
      for (const [, caller] of except(w, ...ledgerUsers)) {
        await expect(w.remittance.connect(caller).deposit(hkdAddress, hkd(1))).to.be.revertedWithCustomError(
          w.remittance,
          "RemittanceNotLedgerMember",
        );
        await expect(
          w.remittance.connect(caller).withdraw(hkdAddress, hkd(1), caller.address),
        ).to.be.revertedWithCustomError(w.remittance, "RemittanceNotLedgerMember");
      }
    });
  });
});
