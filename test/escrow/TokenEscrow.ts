import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { expect } from "chai";
import { randomBytes, hexlify, keccak256, toUtf8Bytes } from "ethers";
import { network } from "hardhat";
import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";

import { termsFromEvent } from "../../client/escrow.js";
import { signPermit } from "../../client/eip712/permit.js";
import type { TokenEscrow } from "../../typechain-types/index.js";
import {
  ARBITER,
  ARBITRATION_PERIOD,
  BUYER,
  DAY,
  Deal,
  dealIdOf,
  deployEscrowPlatform,
  FEE_BPS,
  FEE_MANAGER_ROLE,
  feeOf,
  HashFunction,
  hashSecret,
  milestonesCommitment,
  SELLER,
  withMilestones,
  ZeroAddress,
  ZeroHash,
} from "../helpers/escrow.js";
import { signForwardRequest } from "../helpers/forwarder.js";
import { join, onboardActive, Roles, Status, tenantId } from "../helpers/platform.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

const MILESTONES = [200_000n, 300_000n, 500_000n];

describe("TokenEscrow", function () {
  async function deployed() {
    return deployEscrowPlatform(ethers);
  }

  /** A plain deal, opened and funded by the buyer. */
  async function withOpenDeal() {
    const f = await deployed();
    const terms = await f.terms();
    await f.escrow.connect(f.buyer).open(terms, []);
    return { ...f, deal: terms, id: dealIdOf(terms) };
  }

  /** A deal of three milestones (2,000 + 3,000 + 5,000 HKD). */
  async function withMilestoneDeal() {
    const f = await deployed();
    const terms = withMilestones(await f.terms(), MILESTONES);
    await f.escrow.connect(f.buyer).open(terms, MILESTONES);
    return { ...f, deal: terms, id: dealIdOf(terms) };
  }

  /** A deal naming the arbiter. */
  async function withArbitratedDeal() {
    const f = await deployed();
    const terms = await f.terms({ arbiter: f.arbiter.address });
    await f.escrow.connect(f.buyer).open(terms, []);
    return { ...f, deal: terms, id: dealIdOf(terms) };
  }

  /** A deal naming the arbiter, disputed by the seller. */
  async function withDisputedDeal() {
    const f = await withArbitratedDeal();
    await f.escrow.connect(f.seller).dispute(f.deal);
    return f;
  }

  const SECRET = keccak256(toUtf8Bytes("bill of lading HKG-7731"));

  /** A deal locked by a keccak256 hashlock on `SECRET`. */
  async function withHashlockedDeal() {
    const f = await deployed();
    const terms = await f.terms({ hashlock: hashSecret(SECRET, "keccak256") });
    await f.escrow.connect(f.buyer).open(terms, []);
    return { ...f, deal: terms, id: dealIdOf(terms) };
  }

  async function statusOf(escrow: TokenEscrow, id: string) {
    return (await escrow.getDeal(id)).status;
  }

  describe("deployment", function () {
    it("sets the fee, the fee collector, the registry and the arbitration period", async function () {
      const { escrow, registry, collector } = await loadFixture(deployed);
      expect(await escrow.feeBps()).to.equal(FEE_BPS);
      expect(await escrow.feeCollector()).to.equal(collector.address);
      expect(await escrow.registry()).to.equal(await registry.getAddress());
      expect(await escrow.arbitrationPeriod()).to.equal(ARBITRATION_PERIOD);
      expect(await escrow.MAX_FEE_BPS()).to.equal(1_000n);
      expect(await escrow.MAX_MILESTONES()).to.equal(16n);
    });

    it("gives governance the default admin role and the fee manager the fee manager role", async function () {
      const { escrow, admin, feeManager } = await loadFixture(deployed);
      expect(await escrow.defaultAdmin()).to.equal(admin.address);
      expect(await escrow.hasRole(FEE_MANAGER_ROLE, feeManager.address)).to.equal(true);
    });

    it("trusts the platform forwarder for ERC-2771 calls", async function () {
      const { escrow, forwarder } = await loadFixture(deployed);
      expect(await escrow.isTrustedForwarder(await forwarder.getAddress())).to.equal(true);
    });

    it("records the block it was deployed in, where log queries start", async function () {
      const { escrow } = await loadFixture(deployed);
      const receipt = await escrow.deploymentTransaction()!.wait();
      expect(await escrow.deploymentBlock()).to.equal(BigInt(receipt!.blockNumber));
    });

    it("lists the settlement tokens it was deployed with", async function () {
      const { escrow, hkd, php } = await loadFixture(deployed);
      expect(await escrow.isSettlementToken(hkd)).to.equal(true);
      expect(await escrow.isSettlementToken(php)).to.equal(true);
    });

    it("refuses an arbitration period above the maximum", async function () {
      const { escrow, admin, registry, collector } = await loadFixture(deployed);
      const tooLong = 90n * DAY + 1n;
      await expect(
        ethers.deployContract("TokenEscrow", [
          admin.address,
          0,
          registry,
          ZeroAddress,
          admin.address,
          collector.address,
          25n,
          tooLong,
          [],
        ]),
      )
        .to.be.revertedWithCustomError(escrow, "EscrowInvalidArbitrationPeriod")
        .withArgs(tooLong, 90n * DAY);
    });

    it("refuses a fee above the maximum and a zero fee collector", async function () {
      const { escrow, admin, registry, collector } = await loadFixture(deployed);
      const args = (fee: bigint, to: string) => [
        admin.address,
        0,
        registry,
        ZeroAddress,
        admin.address,
        to,
        fee,
        0,
        [],
      ];
      await expect(ethers.deployContract("TokenEscrow", args(1_001n, collector.address)))
        .to.be.revertedWithCustomError(escrow, "EscrowFeeTooHigh")
        .withArgs(1_001n, 1_000n);
      await expect(ethers.deployContract("TokenEscrow", args(25n, ZeroAddress))).to.be.revertedWithCustomError(
        escrow,
        "EscrowZeroFeeCollector",
      );
    });
  });

  describe("open", function () {
    describe("funded with transferFrom", function () {
      it("records a Funded deal under the id of its terms and pulls the amount from the payer", async function () {
        const { escrow, hkd, buyer, terms } = await loadFixture(deployed);
        const deal = await terms();
        await expect(escrow.connect(buyer).open(deal, [])).to.changeTokenBalances(
          ethers,
          hkd,
          [buyer, escrow],
          [-deal.amount, deal.amount],
        );
        const record = await escrow.getDeal(dealIdOf(deal));
        expect(record.status).to.equal(Deal.Funded);
        expect(record.released).to.equal(0n);
        expect(record.milestonesReleased).to.equal(0n);
      });

      it("returns the deal id", async function () {
        const { escrow, buyer, terms } = await loadFixture(deployed);
        const deal = await terms();
        expect(await escrow.connect(buyer).open.staticCall(deal, [])).to.equal(dealIdOf(deal));
      });

      it("emits DealOpened with the parties' tenants and every term, so the deal can be rebuilt from logs", async function () {
        const { escrow, buyer, terms } = await loadFixture(deployed);
        const deal = await terms({ hashlock: hashSecret(SECRET, "sha256"), hashFunction: 1n });
        const receipt = await (await escrow.connect(buyer).open(deal, [])).wait();
        const [log] = await escrow.queryFilter(escrow.filters.DealOpened(), receipt!.blockNumber);
        expect(log!.args.dealId).to.equal(dealIdOf(deal));
        expect(log!.args.payerTenant).to.equal(BUYER);
        expect(log!.args.payeeTenant).to.equal(SELLER);
        expect(termsFromEvent(log!.args.terms)).to.deep.equal(deal);
      });

      it("lists a tenant's deals by its indexed tenant, as payer and as payee", async function () {
        const { escrow } = await loadFixture(withOpenDeal);
        expect(await escrow.queryFilter(escrow.filters.DealOpened(undefined, BUYER))).to.have.length(1);
        expect(await escrow.queryFilter(escrow.filters.DealOpened(undefined, undefined, SELLER))).to.have.length(1);
        expect(await escrow.queryFilter(escrow.filters.DealOpened(undefined, SELLER))).to.have.length(0);
      });

      it("schedules milestones and emits their amounts", async function () {
        const { escrow, buyer, terms } = await loadFixture(deployed);
        const deal = withMilestones(await terms(), MILESTONES);
        await expect(escrow.connect(buyer).open(deal, MILESTONES))
          .to.emit(escrow, "MilestonesScheduled")
          .withArgs(dealIdOf(deal), MILESTONES);
      });

      it("emits no MilestonesScheduled for a deal without milestones", async function () {
        const { escrow, buyer, terms } = await loadFixture(deployed);
        await expect(escrow.connect(buyer).open(await terms(), [])).to.not.emit(escrow, "MilestonesScheduled");
      });

      it("accepts an arbiter who is a member of an active Arbiter tenant", async function () {
        const { escrow, buyer, arbiter, terms } = await loadFixture(deployed);
        const deal = await terms({ arbiter: arbiter.address });
        await escrow.connect(buyer).open(deal, []);
        expect(await statusOf(escrow, dealIdOf(deal))).to.equal(Deal.Funded);
      });

      it("opens deals with equal terms but different salts as distinct deals", async function () {
        const { escrow, buyer, terms } = await loadFixture(deployed);
        const first = await terms();
        const second = { ...first, salt: first.salt + 1_000n };
        await escrow.connect(buyer).open(first, []);
        await escrow.connect(buyer).open(second, []);
        expect(dealIdOf(first)).to.not.equal(dealIdOf(second));
        expect(await statusOf(escrow, dealIdOf(second))).to.equal(Deal.Funded);
      });
    });

    describe("funded with an EIP-2612 permit", function () {
      it("funds in one transaction from a payer who never approved the escrow", async function () {
        const { escrow, hkd, buyer, terms, now } = await loadFixture(deployed);
        await hkd.connect(buyer).approve(escrow, 0);
        const deal = await terms();
        const permit = await signPermit(hkd, buyer, await escrow.getAddress(), deal.amount, (await now()) + 3600n);
        await expect(
          escrow.connect(buyer).openWithPermit(deal, [], permit.deadline, permit.v, permit.r, permit.s),
        ).to.changeTokenBalances(ethers, hkd, [buyer, escrow], [-deal.amount, deal.amount]);
        expect(await statusOf(escrow, dealIdOf(deal))).to.equal(Deal.Funded);
        expect(await hkd.allowance(buyer.address, escrow)).to.equal(0n);
      });

      it("still opens when someone submitted the same permit first (front-running cannot block it)", async function () {
        const { escrow, hkd, buyer, outsider, terms, now } = await loadFixture(deployed);
        await hkd.connect(buyer).approve(escrow, 0);
        const deal = await terms();
        const p = await signPermit(hkd, buyer, await escrow.getAddress(), deal.amount, (await now()) + 3600n);
        await hkd.connect(outsider).permit(buyer.address, escrow, deal.amount, p.deadline, p.v, p.r, p.s);
        await escrow.connect(buyer).openWithPermit(deal, [], p.deadline, p.v, p.r, p.s);
        expect(await statusOf(escrow, dealIdOf(deal))).to.equal(Deal.Funded);
      });

      it("reverts with EscrowPermitFailed when the permit fails and the allowance does not cover the amount", async function () {
        const { escrow, hkd, buyer, outsider, terms, now } = await loadFixture(deployed);
        await hkd.connect(buyer).approve(escrow, 0);
        const deal = await terms();
        // Signed by someone else than the payer: the token refuses it.
        const p = await signPermit(hkd, outsider, await escrow.getAddress(), deal.amount, (await now()) + 3600n);
        await expect(escrow.connect(buyer).openWithPermit(deal, [], p.deadline, p.v, p.r, p.s))
          .to.be.revertedWithCustomError(escrow, "EscrowPermitFailed")
          .withArgs(await hkd.getAddress(), buyer.address, 0n);
      });
    });

    describe("rejections: nothing is opened and nothing moves", function () {
      it("rejects a caller other than the payer named in the terms", async function () {
        const { escrow, buyer, seller, outsider, terms } = await loadFixture(deployed);
        const deal = await terms();
        for (const caller of [seller, outsider]) {
          await expect(escrow.connect(caller).open(deal, []))
            .to.be.revertedWithCustomError(escrow, "EscrowNotPayer")
            .withArgs(caller.address, buyer.address);
        }
      });

      it("rejects a payee that is the zero address or the payer", async function () {
        const { escrow, buyer, terms } = await loadFixture(deployed);
        for (const payee of [ZeroAddress, buyer.address]) {
          await expect(escrow.connect(buyer).open(await terms({ payee }), []))
            .to.be.revertedWithCustomError(escrow, "EscrowInvalidPayee")
            .withArgs(payee);
        }
      });

      it("rejects a zero amount", async function () {
        const { escrow, buyer, terms } = await loadFixture(deployed);
        await expect(escrow.connect(buyer).open(await terms({ amount: 0n }), [])).to.be.revertedWithCustomError(
          escrow,
          "EscrowZeroAmount",
        );
      });

      it("rejects a deadline that is not in the future", async function () {
        const { escrow, buyer, terms, now } = await loadFixture(deployed);
        const deadline = (await now()) + 1n;
        await time.setNextBlockTimestamp(deadline);
        await expect(escrow.connect(buyer).open(await terms({ deadline }), []))
          .to.be.revertedWithCustomError(escrow, "EscrowDeadlineInPast")
          .withArgs(deadline, deadline);
      });

      it("rejects terms quoting another fee than the current one", async function () {
        const { escrow, buyer, terms } = await loadFixture(deployed);
        await expect(escrow.connect(buyer).open(await terms({ feeBps: 10n }), []))
          .to.be.revertedWithCustomError(escrow, "EscrowFeeMismatch")
          .withArgs(FEE_BPS, 10n);
      });

      it("rejects sha256 named as hash function without a hashlock", async function () {
        const { escrow, buyer, terms } = await loadFixture(deployed);
        await expect(escrow.connect(buyer).open(await terms({ hashFunction: 1n }), []))
          .to.be.revertedWithCustomError(escrow, "EscrowInvalidHashlock")
          .withArgs(ZeroHash, HashFunction.sha256);
      });

      it("rejects more than 16 milestones", async function () {
        const { escrow, buyer, terms } = await loadFixture(deployed);
        const amounts = Array.from({ length: 17 }, () => 1_000n);
        await expect(escrow.connect(buyer).open(withMilestones(await terms(), amounts), amounts))
          .to.be.revertedWithCustomError(escrow, "EscrowTooManyMilestones")
          .withArgs(17, 16);
      });

      it("rejects a zero milestone", async function () {
        const { escrow, buyer, terms } = await loadFixture(deployed);
        const amounts = [500_000n, 0n, 500_000n];
        await expect(escrow.connect(buyer).open(withMilestones(await terms(), amounts), amounts))
          .to.be.revertedWithCustomError(escrow, "EscrowZeroMilestone")
          .withArgs(1);
      });

      it("rejects milestones that do not add up to the amount", async function () {
        const { escrow, buyer, terms } = await loadFixture(deployed);
        const deal = { ...withMilestones(await terms(), MILESTONES), amount: 1_000_001n };
        await expect(escrow.connect(buyer).open(deal, MILESTONES))
          .to.be.revertedWithCustomError(escrow, "EscrowMilestoneSumMismatch")
          .withArgs(1_000_000n, 1_000_001n);
      });

      it("rejects milestone amounts that do not match the commitment in the terms", async function () {
        const { escrow, buyer, terms } = await loadFixture(deployed);
        const deal = withMilestones(await terms(), MILESTONES);
        const reordered = [500_000n, 300_000n, 200_000n];
        await expect(escrow.connect(buyer).open(deal, reordered))
          .to.be.revertedWithCustomError(escrow, "EscrowMilestonesMismatch")
          .withArgs(deal.milestones, milestonesCommitment(reordered));
        await expect(escrow.connect(buyer).open(deal, []))
          .to.be.revertedWithCustomError(escrow, "EscrowMilestonesMismatch")
          .withArgs(deal.milestones, ZeroHash);
      });

      it("rejects opening the same terms twice", async function () {
        const { escrow, buyer, deal, id } = await loadFixture(withOpenDeal);
        await expect(escrow.connect(buyer).open(deal, []))
          .to.be.revertedWithCustomError(escrow, "EscrowDealExists")
          .withArgs(id);
      });

      it("rejects the same terms again even after the first deal is final", async function () {
        const { escrow, buyer, deal, id } = await loadFixture(withOpenDeal);
        await escrow.connect(buyer).release(deal);
        await expect(escrow.connect(buyer).open(deal, []))
          .to.be.revertedWithCustomError(escrow, "EscrowDealExists")
          .withArgs(id);
      });

      it("rejects a payer or a payee that is no member of any tenant", async function () {
        const { escrow, registry, buyer, outsider, terms } = await loadFixture(deployed);
        await expect(escrow.connect(buyer).open(await terms({ payee: outsider.address }), []))
          .to.be.revertedWithCustomError(registry, "RegistryNotMember")
          .withArgs(outsider.address);
        await expect(escrow.connect(outsider).open(await terms({ payer: outsider.address }), []))
          .to.be.revertedWithCustomError(registry, "RegistryNotMember")
          .withArgs(outsider.address);
      });

      it("rejects a payer or a payee whose tenant is suspended (no new business)", async function () {
        const { escrow, registry, operator, buyer, terms } = await loadFixture(deployed);
        await registry.connect(operator).suspend(SELLER, 7);
        await expect(escrow.connect(buyer).open(await terms(), []))
          .to.be.revertedWithCustomError(registry, "RegistryTenantNotActive")
          .withArgs(SELLER, Status.Suspended);
        await registry.connect(operator).reinstate(SELLER);
        await registry.connect(operator).suspend(BUYER, 7);
        await expect(escrow.connect(buyer).open(await terms(), []))
          .to.be.revertedWithCustomError(registry, "RegistryTenantNotActive")
          .withArgs(BUYER, Status.Suspended);
      });

      it("rejects an arbiter who is the payer or the payee", async function () {
        const { escrow, buyer, seller, terms } = await loadFixture(deployed);
        for (const arbiter of [buyer.address, seller.address]) {
          await expect(escrow.connect(buyer).open(await terms({ arbiter }), []))
            .to.be.revertedWithCustomError(escrow, "EscrowInvalidArbiter")
            .withArgs(arbiter);
        }
      });

      it("rejects an arbiter whose tenant does not hold the Arbiter role", async function () {
        const { escrow, registry, operator, buyer, outsider, terms } = await loadFixture(deployed);
        const other = tenantId("sme-other");
        await onboardActive(registry, operator, { label: "sme-other", roles: Roles.merchant, admin: outsider });
        await expect(escrow.connect(buyer).open(await terms({ arbiter: outsider.address }), []))
          .to.be.revertedWithCustomError(registry, "RegistryMissingRole")
          .withArgs(outsider.address, other, Roles.arbiter);
      });

      it("rejects an arbiter whose tenant is suspended", async function () {
        const { escrow, registry, operator, buyer, arbiter, terms } = await loadFixture(deployed);
        await registry.connect(operator).suspend(ARBITER, 3);
        await expect(escrow.connect(buyer).open(await terms({ arbiter: arbiter.address }), []))
          .to.be.revertedWithCustomError(registry, "RegistryTenantNotActive")
          .withArgs(ARBITER, Status.Suspended);
      });

      it("rejects an arbiter acting for the same tenant as a party", async function () {
        const { escrow, registry, operator, buyer, seller, outsider, terms } = await loadFixture(deployed);
        // The seller's tenant also arbitrates, and one of its members is named arbiter of its own sale.
        await registry.connect(operator).setTenantRoles(SELLER, Roles.merchant | Roles.arbiter);
        await join(registry, seller, SELLER, outsider, Roles.arbiter);
        await expect(escrow.connect(buyer).open(await terms({ arbiter: outsider.address }), []))
          .to.be.revertedWithCustomError(escrow, "EscrowArbiterConflict")
          .withArgs(outsider.address, SELLER);
      });

      it("rejects a token governance did not list, such as a look-alike of tHKD", async function () {
        const { escrow, buyer, issuer, terms } = await loadFixture(deployed);
        const fake = await ethers.deployContract("SettlementToken", [
          "Tokenized Hong Kong Dollar",
          "tHKD",
          "HKD",
          2,
          issuer.address,
        ]);
        await fake.connect(issuer).mint(buyer.address, 10_000_000n);
        await fake.connect(buyer).approve(escrow, 10_000_000n);
        const deal = await terms({ token: await fake.getAddress() });
        await expect(escrow.connect(buyer).open(deal, []))
          .to.be.revertedWithCustomError(escrow, "EscrowTokenNotListed")
          .withArgs(await fake.getAddress());
      });

      it("rejects a deadline further than the longest deal duration", async function () {
        const { escrow, buyer, terms, now } = await loadFixture(deployed);
        const deal = await terms({ deadline: (await now()) + 366n * DAY });
        await expect(escrow.connect(buyer).open(deal, [])).to.be.revertedWithCustomError(
          escrow,
          "EscrowDeadlineTooFar",
        );
      });

      it("rejects a token that delivers less than asked (fee on transfer)", async function () {
        const { escrow, admin, buyer, terms } = await loadFixture(deployed);
        const fot = await ethers.deployContract("FeeOnTransferToken", [100]);
        await escrow.connect(admin).setSettlementToken(fot, true);
        await fot.mint(buyer.address, 10_000_000n);
        await fot.connect(buyer).approve(escrow, 10_000_000n);
        const deal = await terms({ token: await fot.getAddress() });
        await expect(escrow.connect(buyer).open(deal, []))
          .to.be.revertedWithCustomError(escrow, "EscrowFundingMismatch")
          .withArgs(await fot.getAddress(), deal.amount, deal.amount - deal.amount / 100n);
      });

      it("rejects a payer whose allowance does not cover the amount, with the token's error", async function () {
        const { escrow, hkd, buyer, terms } = await loadFixture(deployed);
        await hkd.connect(buyer).approve(escrow, 10n);
        const deal = await terms();
        await expect(escrow.connect(buyer).open(deal, []))
          .to.be.revertedWithCustomError(hkd, "ERC20InsufficientAllowance")
          .withArgs(await escrow.getAddress(), 10n, deal.amount);
      });

      it("rejects a non-canonical encoding of the terms, so no deal id can come from one", async function () {
        const { escrow, buyer, terms } = await loadFixture(deployed);
        const data = escrow.interface.encodeFunctionData("open", [await terms(), []]);
        // Word 11 of the terms is the uint64 salt: set a bit above its 64 bits.
        const at = 2 + 8 + 11 * 64;
        const dirty = data.slice(0, at) + "01" + data.slice(at + 2);
        await expect(buyer.sendTransaction({ to: await escrow.getAddress(), data: dirty })).to.be.revert(ethers);
      });
    });
  });

  describe("release", function () {
    it("pays the payee the amount less the fee, accrues the fee and makes the deal Released", async function () {
      const { escrow, hkd, buyer, seller, deal, id } = await loadFixture(withOpenDeal);
      const fee = feeOf(deal.amount);
      const tx = escrow.connect(buyer).release(deal);
      await expect(tx).to.changeTokenBalances(ethers, hkd, [seller, escrow], [deal.amount - fee, -(deal.amount - fee)]);
      await expect(tx).to.emit(escrow, "DealReleased").withArgs(id, seller.address, deal.amount, fee);
      const record = await escrow.getDeal(id);
      expect(record.status).to.equal(Deal.Released);
      expect(record.released).to.equal(deal.amount);
      expect(await escrow.accruedFees(deal.token)).to.equal(fee);
    });

    it("releases what remains of a milestone deal", async function () {
      const { escrow, hkd, buyer, seller, deal, id } = await loadFixture(withMilestoneDeal);
      await escrow.connect(buyer).releaseMilestone(deal, MILESTONES);
      const rest = deal.amount - MILESTONES[0]!;
      await expect(escrow.connect(buyer).release(deal))
        .to.emit(escrow, "DealReleased")
        .withArgs(id, seller.address, rest, feeOf(rest));
      expect(await hkd.balanceOf(seller.address)).to.equal(deal.amount - feeOf(MILESTONES[0]!) - feeOf(rest));
      expect(await statusOf(escrow, id)).to.equal(Deal.Released);
    });

    it("lets the payer give in to a dispute by releasing", async function () {
      const { escrow, buyer, deal, id } = await loadFixture(withDisputedDeal);
      await escrow.connect(buyer).release(deal);
      expect(await statusOf(escrow, id)).to.equal(Deal.Released);
    });

    it("lets the payer release after the deadline, as long as nobody refunded", async function () {
      const { escrow, buyer, deal, id } = await loadFixture(withOpenDeal);
      await time.increaseTo(deal.deadline + DAY);
      await escrow.connect(buyer).release(deal);
      expect(await statusOf(escrow, id)).to.equal(Deal.Released);
    });

    it("pays a payee whose tenant is suspended: it is owed", async function () {
      const { escrow, registry, operator, hkd, buyer, seller, deal } = await loadFixture(withOpenDeal);
      await registry.connect(operator).suspend(SELLER, 9);
      await escrow.connect(buyer).release(deal);
      expect(await hkd.balanceOf(seller.address)).to.equal(deal.amount - feeOf(deal.amount));
    });

    it("lets a payer whose tenant is suspended still release what it owes", async function () {
      const { escrow, registry, operator, buyer, deal, id } = await loadFixture(withOpenDeal);
      await registry.connect(operator).suspend(BUYER, 9);
      await escrow.connect(buyer).release(deal);
      expect(await statusOf(escrow, id)).to.equal(Deal.Released);
    });

    it("rejects terms that match no deal", async function () {
      const { escrow, buyer, deal } = await loadFixture(withOpenDeal);
      const altered = { ...deal, amount: deal.amount * 10n };
      await expect(escrow.connect(buyer).release(altered))
        .to.be.revertedWithCustomError(escrow, "EscrowUnknownDeal")
        .withArgs(dealIdOf(altered));
    });

    it("rejects a deal that is already final", async function () {
      const { escrow, buyer, deal, id } = await loadFixture(withOpenDeal);
      await escrow.connect(buyer).release(deal);
      await expect(escrow.connect(buyer).release(deal))
        .to.be.revertedWithCustomError(escrow, "EscrowInvalidStatus")
        .withArgs(id, Deal.Released);
    });
  });

  describe("releaseMilestone", function () {
    it("releases the milestones one by one, each less its fee, and reports what remains", async function () {
      const { escrow, hkd, buyer, seller, deal, id } = await loadFixture(withMilestoneDeal);
      let remaining = deal.amount;
      for (const [index, amount] of MILESTONES.entries()) {
        remaining -= amount;
        const tx = escrow.connect(buyer).releaseMilestone(deal, MILESTONES);
        await expect(tx)
          .to.emit(escrow, "MilestoneReleased")
          .withArgs(id, seller.address, index, amount, feeOf(amount), remaining);
        await expect(tx).to.changeTokenBalance(ethers, hkd, seller, amount - feeOf(amount));
        const record = await escrow.getDeal(id);
        expect(record.milestonesReleased).to.equal(BigInt(index + 1));
        expect(record.released).to.equal(deal.amount - remaining);
      }
    });

    it("charges small milestones the fee of the running total, so the deal pays the fee of its amount", async function () {
      const { escrow, buyer, terms } = await loadFixture(deployed);
      // 25 bps of 100 base units rounds down to zero; ten of them add up to a fee of 2.
      const small = Array(10).fill(100n) as bigint[];
      const deal = withMilestones(await terms(), small);
      await escrow.connect(buyer).open(deal, small);
      const before = await escrow.accruedFees(deal.token);
      for (let i = 0; i < small.length; i++) await escrow.connect(buyer).releaseMilestone(deal, small);
      expect((await escrow.accruedFees(deal.token)) - before).to.equal(feeOf(1_000n));
      expect(feeOf(1_000n)).to.equal(2n);
    });

    it("makes the deal Released with the last milestone, and nothing is left to release", async function () {
      const { escrow, buyer, deal, id } = await loadFixture(withMilestoneDeal);
      for (let i = 0; i < MILESTONES.length; i++) await escrow.connect(buyer).releaseMilestone(deal, MILESTONES);
      expect(await statusOf(escrow, id)).to.equal(Deal.Released);
      await expect(escrow.connect(buyer).releaseMilestone(deal, MILESTONES))
        .to.be.revertedWithCustomError(escrow, "EscrowInvalidStatus")
        .withArgs(id, Deal.Released);
    });

    it("rejects a deal without milestones", async function () {
      const { escrow, buyer, deal, id } = await loadFixture(withOpenDeal);
      await expect(escrow.connect(buyer).releaseMilestone(deal, []))
        .to.be.revertedWithCustomError(escrow, "EscrowNoMilestones")
        .withArgs(id);
    });

    it("rejects milestone amounts other than those committed to", async function () {
      const { escrow, buyer, deal } = await loadFixture(withMilestoneDeal);
      const forged = [900_000n, 50_000n, 50_000n];
      await expect(escrow.connect(buyer).releaseMilestone(deal, forged))
        .to.be.revertedWithCustomError(escrow, "EscrowMilestonesMismatch")
        .withArgs(deal.milestones, milestonesCommitment(forged));
    });

    it("rejects a disputed deal: the arbiter decides what remains", async function () {
      const f = await loadFixture(deployed);
      const deal = withMilestones(await f.terms({ arbiter: f.arbiter.address }), MILESTONES);
      await f.escrow.connect(f.buyer).open(deal, MILESTONES);
      await f.escrow.connect(f.seller).dispute(deal);
      await expect(f.escrow.connect(f.buyer).releaseMilestone(deal, MILESTONES))
        .to.be.revertedWithCustomError(f.escrow, "EscrowInvalidStatus")
        .withArgs(dealIdOf(deal), Deal.Disputed);
    });
  });

  describe("claim (hashlock: delivery versus payment)", function () {
    it("pays the payee against the keccak256 preimage before the deadline, publishing the secret", async function () {
      const { escrow, hkd, seller, deal, id } = await loadFixture(withHashlockedDeal);
      const fee = feeOf(deal.amount);
      const tx = escrow.connect(seller).claim(deal, SECRET);
      await expect(tx).to.emit(escrow, "DealClaimed").withArgs(id, seller.address, SECRET, deal.amount, fee);
      await expect(tx).to.changeTokenBalance(ethers, hkd, seller, deal.amount - fee);
      expect(await statusOf(escrow, id)).to.equal(Deal.Released);
    });

    it("accepts a sha256 hashlock, as Bitcoin and Lightning HTLCs use", async function () {
      const { escrow, buyer, seller, terms } = await loadFixture(deployed);
      const deal = await terms({ hashlock: hashSecret(SECRET, "sha256"), hashFunction: 1n });
      await escrow.connect(buyer).open(deal, []);
      await escrow.connect(seller).claim(deal, SECRET);
      expect(await statusOf(escrow, dealIdOf(deal))).to.equal(Deal.Released);
    });

    it("accepts the secret from anyone, and pays only the payee", async function () {
      const { escrow, hkd, seller, outsider, deal } = await loadFixture(withHashlockedDeal);
      await expect(escrow.connect(outsider).claim(deal, SECRET)).to.changeTokenBalances(
        ethers,
        hkd,
        [seller, outsider],
        [deal.amount - feeOf(deal.amount), 0n],
      );
    });

    it("accepts the secret up to and including the deadline", async function () {
      const { escrow, seller, deal, id } = await loadFixture(withHashlockedDeal);
      await time.setNextBlockTimestamp(deal.deadline);
      await escrow.connect(seller).claim(deal, SECRET);
      expect(await statusOf(escrow, id)).to.equal(Deal.Released);
    });

    it("rejects a wrong secret, naming what it hashes to", async function () {
      const { escrow, seller, deal, id } = await loadFixture(withHashlockedDeal);
      const wrong = hexlify(randomBytes(32));
      await expect(escrow.connect(seller).claim(deal, wrong))
        .to.be.revertedWithCustomError(escrow, "EscrowSecretMismatch")
        .withArgs(id, keccak256(wrong));
    });

    it("rejects the secret after the deadline", async function () {
      const { escrow, seller, deal, id } = await loadFixture(withHashlockedDeal);
      await time.setNextBlockTimestamp(deal.deadline + 1n);
      await expect(escrow.connect(seller).claim(deal, SECRET))
        .to.be.revertedWithCustomError(escrow, "EscrowDeadlinePassed")
        .withArgs(id, deal.deadline);
    });

    it("rejects a claim on a deal without hashlock", async function () {
      const { escrow, seller, deal, id } = await loadFixture(withOpenDeal);
      await expect(escrow.connect(seller).claim(deal, SECRET))
        .to.be.revertedWithCustomError(escrow, "EscrowNoHashlock")
        .withArgs(id);
    });

    it("lets the secret win over a dispute before the deadline, so a swap stays atomic", async function () {
      const f = await loadFixture(deployed);
      const deal = await f.terms({ arbiter: f.arbiter.address, hashlock: hashSecret(SECRET, "keccak256") });
      await f.escrow.connect(f.buyer).open(deal, []);
      // The payer of this leg learnt the secret by taking the other leg, then disputes its own.
      await f.escrow.connect(f.buyer).dispute(deal);
      await expect(f.escrow.connect(f.outsider).claim(deal, SECRET))
        .to.emit(f.escrow, "DealClaimed")
        .withArgs(dealIdOf(deal), f.seller.address, SECRET, deal.amount, feeOf(deal.amount));
      expect((await f.escrow.getDeal(dealIdOf(deal))).status).to.equal(Deal.Released);
    });

    it("rejects a claim on a disputed deal after the deadline", async function () {
      const f = await loadFixture(deployed);
      const deal = await f.terms({ arbiter: f.arbiter.address, hashlock: hashSecret(SECRET, "keccak256") });
      await f.escrow.connect(f.buyer).open(deal, []);
      await f.escrow.connect(f.buyer).dispute(deal);
      await time.increaseTo(deal.deadline + 1n);
      await expect(f.escrow.connect(f.seller).claim(deal, SECRET))
        .to.be.revertedWithCustomError(f.escrow, "EscrowDeadlinePassed")
        .withArgs(dealIdOf(deal), deal.deadline);
    });
  });

  describe("refund", function () {
    it("lets the payee refund at any time, in full and without fee", async function () {
      const { escrow, hkd, buyer, seller, deal, id } = await loadFixture(withOpenDeal);
      const tx = escrow.connect(seller).refund(deal);
      await expect(tx).to.emit(escrow, "DealRefunded").withArgs(id, buyer.address, deal.amount, seller.address);
      await expect(tx).to.changeTokenBalances(ethers, hkd, [buyer, escrow], [deal.amount, -deal.amount]);
      expect(await statusOf(escrow, id)).to.equal(Deal.Refunded);
      expect(await escrow.accruedFees(deal.token)).to.equal(0n);
    });

    it("refunds the payer when the deadline passes without release, at anyone's request", async function () {
      const { escrow, hkd, buyer, outsider, deal, id } = await loadFixture(withOpenDeal);
      await time.setNextBlockTimestamp(deal.deadline + 1n);
      const tx = escrow.connect(outsider).refund(deal);
      await expect(tx).to.emit(escrow, "DealRefunded").withArgs(id, buyer.address, deal.amount, outsider.address);
      await expect(tx).to.changeTokenBalance(ethers, hkd, buyer, deal.amount);
    });

    it("does not let anyone but the payee refund up to and including the deadline", async function () {
      const { escrow, buyer, outsider, deal, id } = await loadFixture(withOpenDeal);
      await time.setNextBlockTimestamp(deal.deadline);
      await expect(escrow.connect(buyer).refund(deal))
        .to.be.revertedWithCustomError(escrow, "EscrowNotRefundable")
        .withArgs(id, deal.deadline + 1n);
      await expect(escrow.connect(outsider).refund(deal))
        .to.be.revertedWithCustomError(escrow, "EscrowNotRefundable")
        .withArgs(id, deal.deadline + 1n);
    });

    it("refunds only what the milestones released so far left", async function () {
      const { escrow, hkd, buyer, deal } = await loadFixture(withMilestoneDeal);
      await escrow.connect(buyer).releaseMilestone(deal, MILESTONES);
      await time.setNextBlockTimestamp(deal.deadline + 1n);
      await expect(escrow.connect(buyer).refund(deal)).to.changeTokenBalance(
        ethers,
        hkd,
        buyer,
        deal.amount - MILESTONES[0]!,
      );
    });

    it("refunds a payer whose tenant is suspended: it is owed", async function () {
      const { escrow, registry, operator, hkd, buyer, seller, deal } = await loadFixture(withOpenDeal);
      await registry.connect(operator).suspend(BUYER, 4);
      await expect(escrow.connect(seller).refund(deal)).to.changeTokenBalance(ethers, hkd, buyer, deal.amount);
    });

    it("holds a disputed deal past its deadline for the arbiter", async function () {
      const { escrow, outsider, deal, id } = await loadFixture(withDisputedDeal);
      await time.setNextBlockTimestamp(deal.deadline + 1n);
      await expect(escrow.connect(outsider).refund(deal))
        .to.be.revertedWithCustomError(escrow, "EscrowNotRefundable")
        .withArgs(id, deal.deadline + ARBITRATION_PERIOD + 1n);
    });

    it("refunds a dispute the arbiter never resolved once the arbitration period has passed", async function () {
      const { escrow, hkd, buyer, outsider, deal, id } = await loadFixture(withDisputedDeal);
      await time.setNextBlockTimestamp(deal.deadline + ARBITRATION_PERIOD + 1n);
      await expect(escrow.connect(outsider).refund(deal)).to.changeTokenBalance(ethers, hkd, buyer, deal.amount);
      expect(await statusOf(escrow, id)).to.equal(Deal.Refunded);
    });

    it("lets the payee give in to a dispute by refunding", async function () {
      const { escrow, seller, deal, id } = await loadFixture(withDisputedDeal);
      await escrow.connect(seller).refund(deal);
      expect(await statusOf(escrow, id)).to.equal(Deal.Refunded);
    });

    it("rejects a deal that is already final", async function () {
      const { escrow, buyer, seller, deal, id } = await loadFixture(withOpenDeal);
      await escrow.connect(buyer).release(deal);
      await expect(escrow.connect(seller).refund(deal))
        .to.be.revertedWithCustomError(escrow, "EscrowInvalidStatus")
        .withArgs(id, Deal.Released);
    });
  });

  describe("dispute", function () {
    for (const party of ["buyer", "seller"] as const) {
      it(`lets the ${party === "buyer" ? "payer" : "payee"} dispute before the deadline`, async function () {
        const f = await loadFixture(withArbitratedDeal);
        await expect(f.escrow.connect(f[party]).dispute(f.deal))
          .to.emit(f.escrow, "DealDisputed")
          .withArgs(f.id, f[party].address);
        expect(await statusOf(f.escrow, f.id)).to.equal(Deal.Disputed);
      });
    }

    it("lets a party whose tenant is suspended still dispute, to protect what it is owed", async function () {
      const { escrow, registry, operator, seller, deal, id } = await loadFixture(withArbitratedDeal);
      await registry.connect(operator).suspend(SELLER, 2);
      await escrow.connect(seller).dispute(deal);
      expect(await statusOf(escrow, id)).to.equal(Deal.Disputed);
    });

    it("rejects a deal without arbiter", async function () {
      const { escrow, seller, deal, id } = await loadFixture(withOpenDeal);
      await expect(escrow.connect(seller).dispute(deal))
        .to.be.revertedWithCustomError(escrow, "EscrowNoArbiter")
        .withArgs(id);
    });

    it("rejects a dispute after the deadline", async function () {
      const { escrow, seller, deal, id } = await loadFixture(withArbitratedDeal);
      await time.setNextBlockTimestamp(deal.deadline + 1n);
      await expect(escrow.connect(seller).dispute(deal))
        .to.be.revertedWithCustomError(escrow, "EscrowDeadlinePassed")
        .withArgs(id, deal.deadline);
    });

    it("rejects a second dispute", async function () {
      const { escrow, buyer, deal, id } = await loadFixture(withDisputedDeal);
      await expect(escrow.connect(buyer).dispute(deal))
        .to.be.revertedWithCustomError(escrow, "EscrowInvalidStatus")
        .withArgs(id, Deal.Disputed);
    });
  });

  describe("resolve", function () {
    it("splits what remains as the arbiter decides, the fee taken from the payee's share", async function () {
      const { escrow, hkd, buyer, seller, arbiter, deal, id } = await loadFixture(withDisputedDeal);
      const payeeGross = (deal.amount * 6_000n) / 10_000n;
      const fee = feeOf(payeeGross);
      const tx = escrow.connect(arbiter).resolve(deal, 6_000);
      await expect(tx)
        .to.emit(escrow, "DealResolved")
        .withArgs(id, arbiter.address, 6_000, payeeGross - fee, deal.amount - payeeGross, fee);
      await expect(tx).to.changeTokenBalances(
        ethers,
        hkd,
        [seller, buyer, escrow],
        [payeeGross - fee, deal.amount - payeeGross, -(deal.amount - fee)],
      );
      const record = await escrow.getDeal(id);
      expect(record.status).to.equal(Deal.Resolved);
      expect(record.released).to.equal(payeeGross);
      expect(await escrow.accruedFees(deal.token)).to.equal(fee);
    });

    it("gives everything to the payee at 10,000 bps and everything back to the payer at 0", async function () {
      const f = await loadFixture(deployed);
      for (const [bps, toSeller, toBuyer] of [
        [10_000, f.seller, f.buyer],
        [0, f.seller, f.buyer],
      ] as const) {
        const deal = await f.terms({ arbiter: f.arbiter.address });
        await f.escrow.connect(f.buyer).open(deal, []);
        await f.escrow.connect(f.buyer).dispute(deal);
        const payee = bps === 10_000 ? deal.amount - feeOf(deal.amount) : 0n;
        const payer = bps === 10_000 ? 0n : deal.amount;
        await expect(f.escrow.connect(f.arbiter).resolve(deal, bps)).to.changeTokenBalances(
          ethers,
          f.hkd,
          [toSeller, toBuyer],
          [payee, payer],
        );
      }
    });

    it("splits only what milestones released before the dispute left", async function () {
      const f = await loadFixture(deployed);
      const deal = withMilestones(await f.terms({ arbiter: f.arbiter.address }), MILESTONES);
      await f.escrow.connect(f.buyer).open(deal, MILESTONES);
      await f.escrow.connect(f.buyer).releaseMilestone(deal, MILESTONES);
      await f.escrow.connect(f.buyer).dispute(deal);
      const remaining = deal.amount - MILESTONES[0]!;
      await expect(f.escrow.connect(f.arbiter).resolve(deal, 5_000)).to.changeTokenBalance(
        ethers,
        f.hkd,
        f.escrow,
        -(remaining - feeOf(remaining / 2n)),
      );
    });

    it("resolves after the deadline, within the arbitration period", async function () {
      const { escrow, arbiter, deal, id } = await loadFixture(withDisputedDeal);
      await time.increaseTo(deal.deadline + ARBITRATION_PERIOD - DAY);
      await escrow.connect(arbiter).resolve(deal, 2_500);
      expect(await statusOf(escrow, id)).to.equal(Deal.Resolved);
    });

    it("rejects a deal that is not disputed", async function () {
      const { escrow, arbiter, deal, id } = await loadFixture(withArbitratedDeal);
      await expect(escrow.connect(arbiter).resolve(deal, 5_000))
        .to.be.revertedWithCustomError(escrow, "EscrowInvalidStatus")
        .withArgs(id, Deal.Funded);
    });

    it("rejects a payee share above 10,000 bps", async function () {
      const { escrow, arbiter, deal } = await loadFixture(withDisputedDeal);
      await expect(escrow.connect(arbiter).resolve(deal, 10_001))
        .to.be.revertedWithCustomError(escrow, "EscrowInvalidSplit")
        .withArgs(10_001);
    });

    it("rejects an arbiter whose tenant was suspended since the deal opened", async function () {
      const { escrow, registry, operator, arbiter, deal } = await loadFixture(withDisputedDeal);
      await registry.connect(operator).suspend(ARBITER, 5);
      await expect(escrow.connect(arbiter).resolve(deal, 5_000))
        .to.be.revertedWithCustomError(registry, "RegistryTenantNotActive")
        .withArgs(ARBITER, Status.Suspended);
    });

    it("rejects an arbiter who joined a party's tenant since the deal opened", async function () {
      const { escrow, registry, operator, arbiter, deal } = await loadFixture(withDisputedDeal);
      await registry.connect(operator).setTenantRoles(BUYER, Roles.merchant | Roles.arbiter);
      await registry.connect(operator).removeMember(arbiter.address);
      await join(registry, operator, BUYER, arbiter, Roles.arbiter);
      await expect(escrow.connect(arbiter).resolve(deal, 5_000))
        .to.be.revertedWithCustomError(escrow, "EscrowArbiterConflict")
        .withArgs(arbiter.address, BUYER);
    });

    it("keeps a resolved deal resolved: no release, refund, dispute or second resolve", async function () {
      const { escrow, buyer, seller, arbiter, outsider, deal, id } = await loadFixture(withDisputedDeal);
      await escrow.connect(arbiter).resolve(deal, 5_000);
      await time.increaseTo(deal.deadline + ARBITRATION_PERIOD + DAY);
      const resolved = Deal.Resolved;
      for (const attempt of [
        escrow.connect(buyer).release(deal),
        escrow.connect(seller).refund(deal),
        escrow.connect(outsider).refund(deal),
        escrow.connect(arbiter).resolve(deal, 0),
      ]) {
        await expect(attempt).to.be.revertedWithCustomError(escrow, "EscrowInvalidStatus").withArgs(id, resolved);
      }
    });
  });

  describe("final states are final", function () {
    it("keeps a released deal released: no refund, dispute, claim or release-milestone", async function () {
      const f = await loadFixture(deployed);
      const deal = withMilestones(
        await f.terms({ arbiter: f.arbiter.address, hashlock: hashSecret(SECRET, "keccak256") }),
        MILESTONES,
      );
      const id = dealIdOf(deal);
      await f.escrow.connect(f.buyer).open(deal, MILESTONES);
      await f.escrow.connect(f.buyer).release(deal);
      for (const attempt of [
        f.escrow.connect(f.seller).refund(deal),
        f.escrow.connect(f.seller).dispute(deal),
        f.escrow.connect(f.seller).claim(deal, SECRET),
        f.escrow.connect(f.buyer).releaseMilestone(deal, MILESTONES),
      ]) {
        await expect(attempt)
          .to.be.revertedWithCustomError(f.escrow, "EscrowInvalidStatus")
          .withArgs(id, Deal.Released);
      }
    });

    it("keeps a refunded deal refunded: no release, claim or dispute", async function () {
      const f = await loadFixture(deployed);
      const deal = await f.terms({ arbiter: f.arbiter.address, hashlock: hashSecret(SECRET, "keccak256") });
      const id = dealIdOf(deal);
      await f.escrow.connect(f.buyer).open(deal, []);
      await f.escrow.connect(f.seller).refund(deal);
      for (const attempt of [
        f.escrow.connect(f.buyer).release(deal),
        f.escrow.connect(f.seller).claim(deal, SECRET),
        f.escrow.connect(f.buyer).dispute(deal),
      ]) {
        await expect(attempt)
          .to.be.revertedWithCustomError(f.escrow, "EscrowInvalidStatus")
          .withArgs(id, Deal.Refunded);
      }
    });
  });

  describe("fee arithmetic", function () {
    it("rounds each part's fee down, in the payee's favour", async function () {
      const { escrow, hkd, buyer, seller, terms } = await loadFixture(deployed);
      // 25 bps of 399 base units is 0.9975: no fee.
      const deal = await terms({ amount: 399n });
      await escrow.connect(buyer).open(deal, []);
      await expect(escrow.connect(buyer).release(deal)).to.changeTokenBalance(ethers, hkd, seller, 399n);
    });

    it("hands out exactly the amount across milestones, fees and a split: no dust", async function () {
      const f = await loadFixture(deployed);
      const amounts = [333_333n, 333_333n, 333_335n];
      const deal = withMilestones(await f.terms({ arbiter: f.arbiter.address }), amounts);
      await f.escrow.connect(f.buyer).open(deal, amounts);
      const escrowBefore = await f.hkd.balanceOf(f.escrow);
      const buyerBefore = await f.hkd.balanceOf(f.buyer.address);
      await f.escrow.connect(f.buyer).releaseMilestone(deal, amounts);
      await f.escrow.connect(f.seller).dispute(deal);
      await f.escrow.connect(f.arbiter).resolve(deal, 3_333);
      const toSeller = await f.hkd.balanceOf(f.seller.address);
      const toBuyer = (await f.hkd.balanceOf(f.buyer.address)) - buyerBefore;
      const fees = await f.escrow.accruedFees(deal.token);
      expect(toSeller + toBuyer + fees).to.equal(deal.amount);
      expect(await f.hkd.balanceOf(f.escrow)).to.equal(escrowBefore - deal.amount + fees);
    });

    it("keeps the fee a deal opened with when the fee manager changes the fee", async function () {
      const { escrow, hkd, buyer, seller, feeManager, deal } = await loadFixture(withOpenDeal);
      await escrow.connect(feeManager).setFeeBps(1_000);
      await expect(escrow.connect(buyer).release(deal)).to.changeTokenBalance(
        ethers,
        hkd,
        seller,
        deal.amount - feeOf(deal.amount, FEE_BPS),
      );
    });

    it("charges nothing when the fee is zero", async function () {
      const { escrow, hkd, buyer, seller, feeManager, terms } = await loadFixture(deployed);
      await escrow.connect(feeManager).setFeeBps(0);
      const deal = await terms({ feeBps: 0n });
      await escrow.connect(buyer).open(deal, []);
      await expect(escrow.connect(buyer).release(deal)).to.changeTokenBalance(ethers, hkd, seller, deal.amount);
      expect(await escrow.accruedFees(deal.token)).to.equal(0n);
    });
  });

  describe("fees", function () {
    async function withAccruedFees() {
      const f = await withOpenDeal();
      await f.escrow.connect(f.buyer).release(f.deal);
      return { ...f, fee: feeOf(f.deal.amount) };
    }

    it("pays the accrued fees to the fee collector, keeping one base unit accrued", async function () {
      const { escrow, hkd, collector, deal, fee } = await loadFixture(withAccruedFees);
      const tx = escrow.connect(collector).claimFees(deal.token);
      await expect(tx)
        .to.emit(escrow, "FeesClaimed")
        .withArgs(deal.token, collector.address, fee - 1n);
      await expect(tx).to.changeTokenBalances(ethers, hkd, [collector, escrow], [fee - 1n, -(fee - 1n)]);
      expect(await escrow.accruedFees(deal.token)).to.equal(1n);
    });

    it("lets anyone trigger the claim, which always pays the fee collector", async function () {
      const { escrow, hkd, collector, outsider, deal, fee } = await loadFixture(withAccruedFees);
      await expect(escrow.connect(outsider).claimFees(deal.token)).to.changeTokenBalances(
        ethers,
        hkd,
        [collector, outsider],
        [fee - 1n, 0n],
      );
    });

    it("rejects a claim when nothing beyond the kept unit is accrued", async function () {
      const { escrow, collector, deal } = await loadFixture(withAccruedFees);
      await escrow.connect(collector).claimFees(deal.token);
      await expect(escrow.connect(collector).claimFees(deal.token))
        .to.be.revertedWithCustomError(escrow, "EscrowNoFees")
        .withArgs(deal.token);
    });

    it("lets the fee manager set the fee of new deals up to 1,000 bps", async function () {
      const { escrow, feeManager } = await loadFixture(deployed);
      await expect(escrow.connect(feeManager).setFeeBps(1_000)).to.emit(escrow, "FeeBpsChanged").withArgs(25, 1_000);
      expect(await escrow.feeBps()).to.equal(1_000n);
      await expect(escrow.connect(feeManager).setFeeBps(1_001))
        .to.be.revertedWithCustomError(escrow, "EscrowFeeTooHigh")
        .withArgs(1_001, 1_000);
    });

    it("lets the fee manager change the fee collector, never to zero", async function () {
      const { escrow, feeManager, collector, outsider } = await loadFixture(deployed);
      await expect(escrow.connect(feeManager).setFeeCollector(outsider.address))
        .to.emit(escrow, "FeeCollectorChanged")
        .withArgs(collector.address, outsider.address);
      await expect(escrow.connect(feeManager).setFeeCollector(ZeroAddress)).to.be.revertedWithCustomError(
        escrow,
        "EscrowZeroFeeCollector",
      );
    });
  });

  describe("access control", function () {
    type Fixture = Awaited<ReturnType<typeof withDisputedDeal>>;
    const everyone = (f: Fixture) => [
      f.admin,
      f.operator,
      f.issuer,
      f.buyer,
      f.seller,
      f.arbiter,
      f.collector,
      f.feeManager,
      f.outsider,
    ];
    const except = (f: Fixture, ...allowed: HardhatEthersSigner[]) => everyone(f).filter((s) => !allowed.includes(s));

    for (const method of ["setFeeBps", "setFeeCollector"] as const) {
      it(`allows only the fee manager to call ${method}`, async function () {
        const f = await loadFixture(withDisputedDeal);
        const arg = method === "setFeeBps" ? 50 : f.outsider.address;
        for (const caller of except(f, f.feeManager)) {
          const escrow = f.escrow.connect(caller) as unknown as Record<string, (a: unknown) => Promise<unknown>>;
          await expect(escrow[method]!(arg))
            .to.be.revertedWithCustomError(f.escrow, "AccessControlUnauthorizedAccount")
            .withArgs(caller.address, FEE_MANAGER_ROLE);
        }
      });
    }

    it("allows only governance to list or delist a settlement token", async function () {
      const f = await loadFixture(withDisputedDeal);
      for (const caller of except(f, f.admin)) {
        await expect(f.escrow.connect(caller).setSettlementToken(f.php, false))
          .to.be.revertedWithCustomError(f.escrow, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, ZeroHash);
      }
      await expect(f.escrow.connect(f.admin).setSettlementToken(f.php, false))
        .to.emit(f.escrow, "SettlementTokenListed")
        .withArgs(await f.php.getAddress(), false);
      expect(await f.escrow.isSettlementToken(f.php)).to.equal(false);
    });

    it("allows only governance to grant the fee manager role", async function () {
      const f = await loadFixture(withDisputedDeal);
      for (const caller of except(f, f.admin)) {
        await expect(f.escrow.connect(caller).grantRole(FEE_MANAGER_ROLE, caller.address))
          .to.be.revertedWithCustomError(f.escrow, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, ethers.ZeroHash);
      }
      await f.escrow.connect(f.admin).grantRole(FEE_MANAGER_ROLE, f.outsider.address);
      expect(await f.escrow.hasRole(FEE_MANAGER_ROLE, f.outsider.address)).to.equal(true);
    });

    it("allows only the payer to release", async function () {
      const f = await loadFixture(withDisputedDeal);
      for (const caller of except(f, f.buyer)) {
        await expect(f.escrow.connect(caller).release(f.deal))
          .to.be.revertedWithCustomError(f.escrow, "EscrowNotPayer")
          .withArgs(caller.address, f.buyer.address);
      }
    });

    it("allows only the payer to release a milestone", async function () {
      const f = await loadFixture(withMilestoneDeal);
      for (const caller of [f.admin, f.seller, f.arbiter, f.collector, f.feeManager, f.outsider]) {
        await expect(f.escrow.connect(caller).releaseMilestone(f.deal, MILESTONES))
          .to.be.revertedWithCustomError(f.escrow, "EscrowNotPayer")
          .withArgs(caller.address, f.buyer.address);
      }
    });

    it("allows only the payer and the payee to dispute", async function () {
      const f = await loadFixture(withArbitratedDeal);
      for (const caller of [f.admin, f.operator, f.arbiter, f.collector, f.feeManager, f.outsider]) {
        await expect(f.escrow.connect(caller).dispute(f.deal))
          .to.be.revertedWithCustomError(f.escrow, "EscrowNotParty")
          .withArgs(caller.address, f.id);
      }
    });

    it("allows only the arbiter to resolve", async function () {
      const f = await loadFixture(withDisputedDeal);
      for (const caller of except(f, f.arbiter)) {
        await expect(f.escrow.connect(caller).resolve(f.deal, 5_000))
          .to.be.revertedWithCustomError(f.escrow, "EscrowNotArbiter")
          .withArgs(caller.address, f.arbiter.address);
      }
    });

    it("allows only the payee to refund before the deadline", async function () {
      const f = await loadFixture(withOpenDeal);
      for (const caller of [f.admin, f.buyer, f.arbiter, f.collector, f.feeManager, f.outsider]) {
        await expect(f.escrow.connect(caller).refund(f.deal))
          .to.be.revertedWithCustomError(f.escrow, "EscrowNotRefundable")
          .withArgs(f.id, f.deal.deadline + 1n);
      }
    });
  });

  describe("ERC-2771: members act without gas through the forwarder", function () {
    it("opens a deal for the payer who signed the request, funded by permit, relayed by someone else", async function () {
      const { escrow, hkd, forwarder, buyer, outsider, terms, now } = await loadFixture(deployed);
      await hkd.connect(buyer).approve(escrow, 0);
      const deal = await terms();
      const p = await signPermit(hkd, buyer, await escrow.getAddress(), deal.amount, (await now()) + 3600n);
      const data = escrow.interface.encodeFunctionData("openWithPermit", [deal, [], p.deadline, p.v, p.r, p.s]);
      const request = await signForwardRequest(forwarder, buyer, escrow, data);
      await expect(forwarder.connect(outsider).execute(request))
        .to.emit(escrow, "DealOpened")
        .withArgs(dealIdOf(deal), BUYER, SELLER, anyValue);
      expect(await hkd.balanceOf(escrow)).to.equal(deal.amount);
    });

    it("releases for the payer who signed the request", async function () {
      const { escrow, forwarder, buyer, seller, outsider, deal, id } = await loadFixture(withOpenDeal);
      const data = escrow.interface.encodeFunctionData("release", [deal]);
      const request = await signForwardRequest(forwarder, buyer, escrow, data);
      await expect(forwarder.connect(outsider).execute(request))
        .to.emit(escrow, "DealReleased")
        .withArgs(id, seller.address, deal.amount, feeOf(deal.amount));
    });

    it("disputes as the payee who signed the request", async function () {
      const { escrow, forwarder, seller, outsider, deal, id } = await loadFixture(withArbitratedDeal);
      const data = escrow.interface.encodeFunctionData("dispute", [deal]);
      const request = await signForwardRequest(forwarder, seller, escrow, data);
      await expect(forwarder.connect(outsider).execute(request))
        .to.emit(escrow, "DealDisputed")
        .withArgs(id, seller.address);
    });

    it("acts for the signer of the request, never the relayer: another member's request to release fails", async function () {
      const { escrow, forwarder, seller, outsider, deal, id } = await loadFixture(withOpenDeal);
      const data = escrow.interface.encodeFunctionData("release", [deal]);
      // The seller signs a release of the buyer's deal; the escrow sees the seller, not the payer.
      const request = await signForwardRequest(forwarder, seller, escrow, data);
      await expect(forwarder.connect(outsider).execute(request)).to.be.revertedWithCustomError(forwarder, "FailedCall");
      expect(await statusOf(escrow, id)).to.equal(Deal.Funded);
    });
  });

  describe("reentrancy", function () {
    it("stops a token that calls back into the escrow while paying out", async function () {
      const { escrow, admin, buyer, seller, terms } = await loadFixture(deployed);
      const token = await ethers.deployContract("ReentrantToken");
      await escrow.connect(admin).setSettlementToken(token, true);
      await token.mint(buyer.address, 10_000_000n);
      await token.connect(buyer).approve(escrow, 10_000_000n);
      const deal = await terms({ token: await token.getAddress() });
      await escrow.connect(buyer).open(deal, []);
      // During the payout to the seller, the token asks the escrow to refund the same deal.
      await token.arm(await escrow.getAddress(), escrow.interface.encodeFunctionData("refund", [deal]));
      await expect(escrow.connect(buyer).release(deal)).to.be.revertedWithCustomError(
        escrow,
        "ReentrancyGuardReentrantCall",
      );
      expect(await token.balanceOf(seller.address)).to.equal(0n);
    });
  });

  describe("views", function () {
    it("declares the registry errors its calls can raise, so its own ABI decodes them", async function () {
      const { escrow, outsider, terms } = await loadFixture(deployed);
      for (const name of ["RegistryNotMember", "RegistryTenantNotActive", "RegistryMissingRole"]) {
        expect(escrow.interface.getError(name), name).to.not.equal(null);
      }
      await expect(escrow.connect(outsider).open(await terms({ payer: outsider.address }), []))
        .to.be.revertedWithCustomError(escrow, "RegistryNotMember")
        .withArgs(outsider.address);
    });

    it("derives the deal id and the milestones commitment as off-chain code does", async function () {
      const { escrow, terms } = await loadFixture(deployed);
      const deal = withMilestones(await terms({ arbiter: ZeroAddress }), MILESTONES);
      expect(await escrow.dealId(deal)).to.equal(dealIdOf(deal));
      expect(await escrow.milestonesCommitment(MILESTONES)).to.equal(milestonesCommitment(MILESTONES));
    });

    it("reports status None for an unknown deal", async function () {
      const { escrow } = await loadFixture(deployed);
      expect(await statusOf(escrow, ZeroHash)).to.equal(Deal.None);
    });
  });
});
