import { expect } from "chai";
import { id } from "ethers";
import { network } from "hardhat";
import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";

import { signPermit } from "../../client/eip712/permit.js";
import type { SettlementToken } from "../../typechain-types/index.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

const ISSUER_ROLE = id("ISSUER_ROLE");
const PAUSER_ROLE = id("PAUSER_ROLE");
const ADMIN_ROLE = ethers.ZeroHash;

describe("SettlementToken", function () {
  async function deployed() {
    const [issuer, holder, recipient, spender, outsider, pauser] = await ethers.getSigners();
    const hkd = (await ethers.deployContract("SettlementToken", [
      "Tokenized Hong Kong Dollar",
      "tHKD",
      "HKD",
      2,
      issuer!.address,
    ])) as unknown as SettlementToken;
    await hkd.connect(issuer!).mint(holder!.address, 1_000_000n);
    return {
      hkd,
      issuer: issuer!,
      holder: holder!,
      recipient: recipient!,
      spender: spender!,
      outsider: outsider!,
      pauser: pauser!,
    };
  }

  /** A separate pauser key: the issuer grants PAUSER_ROLE to an account that cannot mint. */
  async function withSeparatePauser() {
    const f = await deployed();
    await f.hkd.connect(f.issuer).grantRole(PAUSER_ROLE, f.pauser.address);
    return f;
  }

  describe("deployment", function () {
    it("carries the name, symbol and ISO 4217 currency of its fiat", async function () {
      const { hkd } = await loadFixture(deployed);
      expect(await hkd.name()).to.equal("Tokenized Hong Kong Dollar");
      expect(await hkd.symbol()).to.equal("tHKD");
      expect(await hkd.currency()).to.equal("HKD");
    });

    it("uses the decimals chosen for its currency", async function () {
      const { hkd, issuer } = await loadFixture(deployed);
      expect(await hkd.decimals()).to.equal(2n);
      const fine = await ethers.deployContract("SettlementToken", ["Tokenized Peso", "tPHP", "PHP", 6, issuer.address]);
      expect(await fine.decimals()).to.equal(6n);
    });

    it("gives the issuer the admin, issuer and pauser roles, and no one else", async function () {
      const { hkd, issuer, holder } = await loadFixture(deployed);
      for (const role of [ADMIN_ROLE, ISSUER_ROLE, PAUSER_ROLE]) {
        expect(await hkd.hasRole(role, issuer.address)).to.equal(true);
        expect(await hkd.hasRole(role, holder.address)).to.equal(false);
      }
    });

    it("has no supply but what the issuer minted", async function () {
      const { hkd } = await loadFixture(deployed);
      expect(await hkd.totalSupply()).to.equal(1_000_000n);
    });
  });

  describe("mint", function () {
    it("lets the issuer mint against fiat received", async function () {
      const { hkd, issuer, recipient } = await loadFixture(deployed);
      await expect(hkd.connect(issuer).mint(recipient.address, 500n))
        .to.emit(hkd, "Transfer")
        .withArgs(ethers.ZeroAddress, recipient.address, 500n);
      expect(await hkd.balanceOf(recipient.address)).to.equal(500n);
    });

    it("allows only the issuer role to mint: holders, pausers and outsiders cannot", async function () {
      const { hkd, holder, outsider, pauser } = await loadFixture(withSeparatePauser);
      for (const caller of [holder, outsider, pauser]) {
        await expect(hkd.connect(caller).mint(caller.address, 1n))
          .to.be.revertedWithCustomError(hkd, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, ISSUER_ROLE);
      }
    });
  });

  describe("burn", function () {
    it("lets the issuer burn its own tokens on redemption", async function () {
      const { hkd, issuer, holder } = await loadFixture(deployed);
      await hkd.connect(holder).transfer(issuer.address, 400n);
      await expect(hkd.connect(issuer).burn(400n))
        .to.emit(hkd, "Transfer")
        .withArgs(issuer.address, ethers.ZeroAddress, 400n);
      expect(await hkd.totalSupply()).to.equal(1_000_000n - 400n);
    });

    it("allows only the issuer role to burn, even a holder's own tokens", async function () {
      const { hkd, holder, outsider, pauser } = await loadFixture(withSeparatePauser);
      for (const caller of [holder, outsider, pauser]) {
        await expect(hkd.connect(caller).burn(1n))
          .to.be.revertedWithCustomError(hkd, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, ISSUER_ROLE);
      }
    });

    it("cannot burn more than the issuer holds", async function () {
      const { hkd, issuer } = await loadFixture(deployed);
      await expect(hkd.connect(issuer).burn(1n))
        .to.be.revertedWithCustomError(hkd, "ERC20InsufficientBalance")
        .withArgs(issuer.address, 0n, 1n);
    });
  });

  describe("pause", function () {
    it("stops transfers, mints and burns while paused", async function () {
      const { hkd, issuer, holder, recipient } = await loadFixture(deployed);
      await expect(hkd.connect(issuer).pause()).to.emit(hkd, "Paused").withArgs(issuer.address);
      await expect(hkd.connect(holder).transfer(recipient.address, 1n)).to.be.revertedWithCustomError(
        hkd,
        "EnforcedPause",
      );
      await expect(hkd.connect(issuer).mint(recipient.address, 1n)).to.be.revertedWithCustomError(hkd, "EnforcedPause");
      await expect(hkd.connect(issuer).burn(0n)).to.be.revertedWithCustomError(hkd, "EnforcedPause");
    });

    it("resumes transfers when unpaused", async function () {
      const { hkd, issuer, holder, recipient } = await loadFixture(deployed);
      await hkd.connect(issuer).pause();
      await expect(hkd.connect(issuer).unpause()).to.emit(hkd, "Unpaused").withArgs(issuer.address);
      await expect(hkd.connect(holder).transfer(recipient.address, 7n)).to.changeTokenBalances(
        ethers,
        hkd,
        [holder, recipient],
        [-7n, 7n],
      );
    });

    it("lets a separate pauser key pause and unpause", async function () {
      const { hkd, pauser } = await loadFixture(withSeparatePauser);
      await hkd.connect(pauser).pause();
      expect(await hkd.paused()).to.equal(true);
      await hkd.connect(pauser).unpause();
      expect(await hkd.paused()).to.equal(false);
    });

    it("allows only the pauser role to pause and unpause", async function () {
      const { hkd, issuer, holder, outsider } = await loadFixture(deployed);
      for (const caller of [holder, outsider]) {
        await expect(hkd.connect(caller).pause())
          .to.be.revertedWithCustomError(hkd, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, PAUSER_ROLE);
      }
      await hkd.connect(issuer).pause();
      for (const caller of [holder, outsider]) {
        await expect(hkd.connect(caller).unpause())
          .to.be.revertedWithCustomError(hkd, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, PAUSER_ROLE);
      }
    });
  });

  describe("roles", function () {
    it("lets the admin grant and revoke the issuer role", async function () {
      const { hkd, issuer, outsider } = await loadFixture(deployed);
      await hkd.connect(issuer).grantRole(ISSUER_ROLE, outsider.address);
      await hkd.connect(outsider).mint(outsider.address, 1n);
      await hkd.connect(issuer).revokeRole(ISSUER_ROLE, outsider.address);
      await expect(hkd.connect(outsider).mint(outsider.address, 1n)).to.be.revertedWithCustomError(
        hkd,
        "AccessControlUnauthorizedAccount",
      );
    });

    it("allows only the admin to grant roles: a pauser cannot make itself issuer", async function () {
      const { hkd, holder, pauser } = await loadFixture(withSeparatePauser);
      for (const caller of [holder, pauser]) {
        await expect(hkd.connect(caller).grantRole(ISSUER_ROLE, caller.address))
          .to.be.revertedWithCustomError(hkd, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, ADMIN_ROLE);
      }
    });
  });

  describe("permit (EIP-2612)", function () {
    it("signs under the token's own EIP-712 domain, version 1", async function () {
      const { hkd } = await loadFixture(deployed);
      const domain = await hkd.eip712Domain();
      expect(domain.name).to.equal("Tokenized Hong Kong Dollar");
      expect(domain.version).to.equal("1");
      expect(domain.chainId).to.equal((await ethers.provider.getNetwork()).chainId);
      expect(domain.verifyingContract).to.equal(await hkd.getAddress());
    });

    it("sets an allowance from the holder's signature, submitted by anyone, and spends the nonce", async function () {
      const { hkd, holder, spender, outsider } = await loadFixture(deployed);
      const deadline = BigInt(await time.latest()) + 3600n;
      const p = await signPermit(hkd, holder, spender.address, 250n, deadline);
      await expect(hkd.connect(outsider).permit(holder.address, spender.address, 250n, p.deadline, p.v, p.r, p.s))
        .to.emit(hkd, "Approval")
        .withArgs(holder.address, spender.address, 250n);
      expect(await hkd.allowance(holder.address, spender.address)).to.equal(250n);
      expect(await hkd.nonces(holder.address)).to.equal(1n);
    });

    it("rejects an expired permit", async function () {
      const { hkd, holder, spender } = await loadFixture(deployed);
      const deadline = BigInt(await time.latest()) + 60n;
      const p = await signPermit(hkd, holder, spender.address, 250n, deadline);
      await time.increaseTo(deadline + 1n);
      await expect(hkd.permit(holder.address, spender.address, 250n, p.deadline, p.v, p.r, p.s))
        .to.be.revertedWithCustomError(hkd, "ERC2612ExpiredSignature")
        .withArgs(deadline);
    });

    it("rejects a permit signed by someone other than the owner", async function () {
      const { hkd, holder, spender, outsider } = await loadFixture(deployed);
      const deadline = BigInt(await time.latest()) + 3600n;
      const p = await signPermit(hkd, outsider, spender.address, 250n, deadline);
      await expect(hkd.permit(holder.address, spender.address, 250n, p.deadline, p.v, p.r, p.s))
        .to.be.revertedWithCustomError(hkd, "ERC2612InvalidSigner")
        .withArgs(anyValue, holder.address);
    });

    it("rejects a permit used twice", async function () {
      const { hkd, holder, spender } = await loadFixture(deployed);
      const deadline = BigInt(await time.latest()) + 3600n;
      const p = await signPermit(hkd, holder, spender.address, 250n, deadline);
      await hkd.permit(holder.address, spender.address, 250n, p.deadline, p.v, p.r, p.s);
      await expect(
        hkd.permit(holder.address, spender.address, 250n, p.deadline, p.v, p.r, p.s),
      ).to.be.revertedWithCustomError(hkd, "ERC2612InvalidSigner");
    });
  });
});
