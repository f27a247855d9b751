import { expect } from "chai";
import { network } from "hardhat";

import { signForwardRequest } from "../helpers/forwarder.js";
import {
  deployCore,
  join,
  jurisdiction,
  kyb,
  OPERATOR_ROLE,
  Roles,
  Status,
  tenantId,
  ZERO_ID,
} from "../helpers/platform.js";

const { ethers, networkHelpers } = await network.create();
const ZERO_ADDRESS = "0x" + "00".repeat(20);
const { loadFixture } = networkHelpers;

const SME = tenantId("sme-kowloon");
const MENTOR = tenantId("mentor-hk");
const MERCHANT = Roles.merchant;
const SPONSOR = Roles.sponsor;
const ADMIN = Roles.admin;
const TREASURY = Roles.treasury;

describe("TenantRegistry", function () {
  async function deployRegistry() {
    const core = await deployCore(ethers);
    const [, , , smeAdmin, mentorAdmin, clerk, outsider, otherAdmin] = await ethers.getSigners();
    return {
      ...core,
      smeAdmin: smeAdmin!,
      mentorAdmin: mentorAdmin!,
      clerk: clerk!,
      outsider: outsider!,
      otherAdmin: otherAdmin!,
    };
  }

  function onboardParams(overrides: Partial<Record<string, unknown>> & { admin: string }) {
    return {
      tenantId: SME,
      name: "Kowloon Tea House",
      roles: MERCHANT,
      jurisdiction: jurisdiction("HK"),
      kybHash: kyb("kyb/sme-kowloon.pdf"),
      sponsor: ZERO_ID,
      ...overrides,
    };
  }

  async function withPendingSme() {
    const f = await deployRegistry();
    await f.registry.connect(f.operator).onboard(onboardParams({ admin: f.smeAdmin.address }));
    return f;
  }

  async function withActiveSme() {
    const f = await withPendingSme();
    await f.registry.connect(f.operator).approve(SME);
    return f;
  }

  async function withActiveMentor() {
    const f = await deployRegistry();
    await f.registry
      .connect(f.operator)
      .onboard(
        onboardParams({ tenantId: MENTOR, name: "HK SME Mentors", roles: SPONSOR, admin: f.mentorAdmin.address }),
      );
    await f.registry.connect(f.operator).approve(MENTOR);
    return f;
  }

  describe("deployment", function () {
    it("gives the governance account the default admin role and the operator the operator role", async function () {
      const { registry, admin, operator } = await loadFixture(deployRegistry);
      expect(await registry.defaultAdmin()).to.equal(admin.address);
      expect(await registry.hasRole(OPERATOR_ROLE, operator.address)).to.equal(true);
    });

    it("trusts the platform forwarder for ERC-2771 calls", async function () {
      const { registry, forwarder } = await loadFixture(deployRegistry);
      expect(await registry.isTrustedForwarder(await forwarder.getAddress())).to.equal(true);
    });
  });

  describe("onboard", function () {
    it("records a new tenant as Pending with its name, roles, jurisdiction and KYB hash", async function () {
      const { registry, smeAdmin } = await loadFixture(withPendingSme);
      const t = await registry.getTenant(SME);
      expect(t.status).to.equal(Status.Pending);
      expect(t.name).to.equal("Kowloon Tea House");
      expect(t.roles).to.equal(MERCHANT);
      expect(t.jurisdiction).to.equal(jurisdiction("HK"));
      expect(t.kybHash).to.equal(kyb("kyb/sme-kowloon.pdf"));
      expect(t.memberCount).to.equal(1n);
      expect(await registry.tenantOf(smeAdmin.address)).to.equal(SME);
    });

    it("makes the first member an admin holding all the tenant's roles and the treasury permission", async function () {
      const { registry, smeAdmin } = await loadFixture(withPendingSme);
      const member = await registry.memberOf(smeAdmin.address);
      expect(member.memberRoles).to.equal(MERCHANT | TREASURY | ADMIN);
    });

    it("records the first admin as the operator-appointed admin and the tenant's settlement address", async function () {
      const { registry, operator, smeAdmin } = await loadFixture(deployRegistry);
      const tx = registry.connect(operator).onboard(onboardParams({ admin: smeAdmin.address }));
      await expect(tx).to.emit(registry, "AppointedAdminChanged").withArgs(SME, ZERO_ADDRESS, smeAdmin.address);
      await expect(tx).to.emit(registry, "SettlementAddressChanged").withArgs(SME, ZERO_ADDRESS, smeAdmin.address);
      expect(await registry.appointedAdminOf(SME)).to.equal(smeAdmin.address);
      expect(await registry.settlementAddressOf(SME)).to.equal(smeAdmin.address);
    });

    it("emits TenantOnboarded, TenantStatusChanged and MemberAdded", async function () {
      const { registry, operator, smeAdmin } = await loadFixture(deployRegistry);
      const tx = registry.connect(operator).onboard(onboardParams({ admin: smeAdmin.address }));
      await expect(tx)
        .to.emit(registry, "TenantOnboarded")
        .withArgs(SME, "Kowloon Tea House", MERCHANT, jurisdiction("HK"), kyb("kyb/sme-kowloon.pdf"), ZERO_ID);
      await expect(tx).to.emit(registry, "TenantStatusChanged").withArgs(SME, Status.None, Status.Pending, 0);
      await expect(tx)
        .to.emit(registry, "MemberAdded")
        .withArgs(SME, smeAdmin.address, MERCHANT | TREASURY | ADMIN, operator.address);
    });

    it("rejects a zero tenant id", async function () {
      const { registry, operator, smeAdmin } = await loadFixture(deployRegistry);
      await expect(
        registry.connect(operator).onboard(onboardParams({ tenantId: ZERO_ID, admin: smeAdmin.address })),
      ).to.be.revertedWithCustomError(registry, "RegistryZeroTenantId");
    });

    it("rejects an id that was ever used, even by an offboarded tenant", async function () {
      const { registry, operator, clerk } = await loadFixture(withPendingSme);
      await registry.connect(operator).offboard(SME, 0);
      await expect(registry.connect(operator).onboard(onboardParams({ admin: clerk.address })))
        .to.be.revertedWithCustomError(registry, "RegistryTenantExists")
        .withArgs(SME);
    });

    it("rejects roles that are empty or name no known role", async function () {
      const { registry, operator, smeAdmin } = await loadFixture(deployRegistry);
      for (const roles of [0, 1 << 5, ADMIN]) {
        await expect(registry.connect(operator).onboard(onboardParams({ roles, admin: smeAdmin.address })))
          .to.be.revertedWithCustomError(registry, "RegistryInvalidRoles")
          .withArgs(roles);
      }
    });

    it("rejects a jurisdiction that is not two upper-case letters", async function () {
      const { registry, operator, smeAdmin } = await loadFixture(deployRegistry);
      for (const code of ["hk", "H1", "\0\0"]) {
        await expect(
          registry
            .connect(operator)
            .onboard(onboardParams({ jurisdiction: jurisdiction(code), admin: smeAdmin.address })),
        )
          .to.be.revertedWithCustomError(registry, "RegistryInvalidJurisdiction")
          .withArgs(jurisdiction(code));
      }
    });

    it("rejects a missing KYB attestation", async function () {
      const { registry, operator, smeAdmin } = await loadFixture(deployRegistry);
      await expect(registry.connect(operator).onboard(onboardParams({ kybHash: ZERO_ID, admin: smeAdmin.address })))
        .to.be.revertedWithCustomError(registry, "RegistryMissingKyb")
        .withArgs(SME);
    });

    it("rejects an empty name and a name over 64 bytes", async function () {
      const { registry, operator, smeAdmin } = await loadFixture(deployRegistry);
      await expect(registry.connect(operator).onboard(onboardParams({ name: "", admin: smeAdmin.address })))
        .to.be.revertedWithCustomError(registry, "RegistryInvalidName")
        .withArgs(0);
      await expect(registry.connect(operator).onboard(onboardParams({ name: "x".repeat(65), admin: smeAdmin.address })))
        .to.be.revertedWithCustomError(registry, "RegistryInvalidName")
        .withArgs(65);
    });

    it("rejects an admin that is the zero address or already a member elsewhere", async function () {
      const { registry, operator, smeAdmin } = await loadFixture(withPendingSme);
      await expect(
        registry.connect(operator).onboard(onboardParams({ tenantId: MENTOR, admin: ethers.ZeroAddress })),
      ).to.be.revertedWithCustomError(registry, "RegistryZeroAccount");
      await expect(registry.connect(operator).onboard(onboardParams({ tenantId: MENTOR, admin: smeAdmin.address })))
        .to.be.revertedWithCustomError(registry, "RegistryAlreadyMember")
        .withArgs(smeAdmin.address, SME);
    });
  });

  describe("sponsorship", function () {
    it("records an active Sponsor tenant as the mentor of a new SME", async function () {
      const { registry, operator, smeAdmin } = await loadFixture(withActiveMentor);
      await expect(registry.connect(operator).onboard(onboardParams({ sponsor: MENTOR, admin: smeAdmin.address })))
        .to.emit(registry, "TenantSponsorChanged")
        .withArgs(SME, ZERO_ID, MENTOR);
      expect((await registry.getTenant(SME)).sponsor).to.equal(MENTOR);
      expect((await registry.getTenant(MENTOR)).sponsoredCount).to.equal(1n);
    });

    it("rejects a sponsor that does not hold the Sponsor role", async function () {
      const f = await loadFixture(withActiveSme);
      await expect(
        f.registry
          .connect(f.operator)
          .onboard(onboardParams({ tenantId: MENTOR, sponsor: SME, admin: f.clerk.address })),
      )
        .to.be.revertedWithCustomError(f.registry, "RegistryInvalidSponsor")
        .withArgs(SME);
    });

    it("rejects a sponsor that is not active", async function () {
      const { registry, operator, smeAdmin } = await loadFixture(withActiveMentor);
      await registry.connect(operator).suspend(MENTOR, 1);
      await expect(registry.connect(operator).onboard(onboardParams({ sponsor: MENTOR, admin: smeAdmin.address })))
        .to.be.revertedWithCustomError(registry, "RegistryInvalidSponsor")
        .withArgs(MENTOR);
    });

    it("rejects a tenant sponsoring itself", async function () {
      const { registry, operator } = await loadFixture(withActiveMentor);
      await expect(registry.connect(operator).setSponsor(MENTOR, MENTOR))
        .to.be.revertedWithCustomError(registry, "RegistryInvalidSponsor")
        .withArgs(MENTOR);
    });

    it("moves the sponsorship count when the operator changes or clears a sponsor", async function () {
      const { registry, operator, smeAdmin } = await loadFixture(withActiveMentor);
      await registry.connect(operator).onboard(onboardParams({ sponsor: MENTOR, admin: smeAdmin.address }));
      await expect(registry.connect(operator).setSponsor(SME, ZERO_ID))
        .to.emit(registry, "TenantSponsorChanged")
        .withArgs(SME, MENTOR, ZERO_ID);
      expect((await registry.getTenant(MENTOR)).sponsoredCount).to.equal(0n);
    });

    it("stops counting a tenant for its sponsor once it is offboarded", async function () {
      const { registry, operator, smeAdmin } = await loadFixture(withActiveMentor);
      await registry.connect(operator).onboard(onboardParams({ sponsor: MENTOR, admin: smeAdmin.address }));
      expect((await registry.getTenant(MENTOR)).sponsoredCount).to.equal(1n);
      await expect(registry.connect(operator).offboard(SME, 0))
        .to.emit(registry, "TenantSponsorChanged")
        .withArgs(SME, MENTOR, ZERO_ID);
      expect((await registry.getTenant(MENTOR)).sponsoredCount).to.equal(0n);
      expect((await registry.getTenant(SME)).sponsor).to.equal(ZERO_ID);
    });

    it("refuses a sponsorship that would close a cycle", async function () {
      const { registry, operator, smeAdmin } = await loadFixture(withActiveMentor);
      // SME also sponsors, and is sponsored by MENTOR; MENTOR may then not be sponsored by SME.
      await registry
        .connect(operator)
        .onboard(onboardParams({ roles: MERCHANT | SPONSOR, sponsor: MENTOR, admin: smeAdmin.address }));
      await registry.connect(operator).approve(SME);
      await expect(registry.connect(operator).setSponsor(MENTOR, SME))
        .to.be.revertedWithCustomError(registry, "RegistrySponsorCycle")
        .withArgs(MENTOR, SME);
    });
  });

  describe("lifecycle", function () {
    it("approves a Pending tenant: it becomes Active", async function () {
      const { registry, operator } = await loadFixture(withPendingSme);
      await expect(registry.connect(operator).approve(SME))
        .to.emit(registry, "TenantStatusChanged")
        .withArgs(SME, Status.Pending, Status.Active, 0);
      expect(await registry.isActive(SME)).to.equal(true);
    });

    it("suspends an Active tenant with a reason code", async function () {
      const { registry, operator } = await loadFixture(withActiveSme);
      await expect(registry.connect(operator).suspend(SME, 42))
        .to.emit(registry, "TenantStatusChanged")
        .withArgs(SME, Status.Active, Status.Suspended, 42);
      expect(await registry.statusOf(SME)).to.equal(Status.Suspended);
    });

    it("reinstates a Suspended tenant", async function () {
      const { registry, operator } = await loadFixture(withActiveSme);
      await registry.connect(operator).suspend(SME, 42);
      await expect(registry.connect(operator).reinstate(SME))
        .to.emit(registry, "TenantStatusChanged")
        .withArgs(SME, Status.Suspended, Status.Active, 0);
    });

    for (const from of ["Pending", "Active", "Suspended"] as const) {
      it(`offboards ${from === "Active" ? "an" : "a"} ${from} tenant`, async function () {
        const { registry, operator } = await loadFixture(withPendingSme);
        if (from !== "Pending") await registry.connect(operator).approve(SME);
        if (from === "Suspended") await registry.connect(operator).suspend(SME, 1);
        await expect(registry.connect(operator).offboard(SME, 9))
          .to.emit(registry, "TenantStatusChanged")
          .withArgs(SME, Status[from], Status.Offboarded, 9);
      });
    }

    it("keeps an offboarded tenant offboarded: no approve, reinstate, suspend or second offboard", async function () {
      const { registry, operator } = await loadFixture(withActiveSme);
      await registry.connect(operator).offboard(SME, 0);
      const off = Status.Offboarded;
      await expect(registry.connect(operator).approve(SME))
        .to.be.revertedWithCustomError(registry, "RegistryInvalidTransition")
        .withArgs(SME, off, Status.Active);
      await expect(registry.connect(operator).reinstate(SME))
        .to.be.revertedWithCustomError(registry, "RegistryInvalidTransition")
        .withArgs(SME, off, Status.Active);
      await expect(registry.connect(operator).suspend(SME, 0))
        .to.be.revertedWithCustomError(registry, "RegistryInvalidTransition")
        .withArgs(SME, off, Status.Suspended);
      await expect(registry.connect(operator).offboard(SME, 0))
        .to.be.revertedWithCustomError(registry, "RegistryInvalidTransition")
        .withArgs(SME, off, off);
    });

    it("rejects transitions that skip a step: approve twice, suspend a Pending tenant, reinstate an Active one", async function () {
      const { registry, operator } = await loadFixture(withPendingSme);
      await expect(registry.connect(operator).suspend(SME, 0))
        .to.be.revertedWithCustomError(registry, "RegistryInvalidTransition")
        .withArgs(SME, Status.Pending, Status.Suspended);
      await registry.connect(operator).approve(SME);
      await expect(registry.connect(operator).approve(SME))
        .to.be.revertedWithCustomError(registry, "RegistryInvalidTransition")
        .withArgs(SME, Status.Active, Status.Active);
      await expect(registry.connect(operator).reinstate(SME))
        .to.be.revertedWithCustomError(registry, "RegistryInvalidTransition")
        .withArgs(SME, Status.Active, Status.Active);
    });

    it("rejects transitions of an unknown tenant", async function () {
      const { registry, operator } = await loadFixture(deployRegistry);
      await expect(registry.connect(operator).approve(SME))
        .to.be.revertedWithCustomError(registry, "RegistryUnknownTenant")
        .withArgs(SME);
    });

    it("updates a tenant's business roles", async function () {
      const { registry, operator } = await loadFixture(withActiveSme);
      await expect(registry.connect(operator).setTenantRoles(SME, MERCHANT | SPONSOR))
        .to.emit(registry, "TenantRolesChanged")
        .withArgs(SME, MERCHANT, MERCHANT | SPONSOR);
    });

    it("records a renewed KYB attestation", async function () {
      const { registry, operator } = await loadFixture(withActiveSme);
      await expect(registry.connect(operator).updateKyb(SME, kyb("kyb/2027.pdf")))
        .to.emit(registry, "TenantKybUpdated")
        .withArgs(SME, kyb("kyb/sme-kowloon.pdf"), kyb("kyb/2027.pdf"));
    });
  });

  describe("members", function () {
    describe("invitation and consent", function () {
      it("lets a tenant admin invite an account, which is no member until it accepts", async function () {
        const { registry, smeAdmin, clerk } = await loadFixture(withActiveSme);
        await expect(registry.connect(smeAdmin).inviteMember(SME, clerk.address, MERCHANT))
          .to.emit(registry, "MemberInvited")
          .withArgs(SME, clerk.address, MERCHANT, smeAdmin.address);
        expect(await registry.tenantOf(clerk.address)).to.equal(ZERO_ID);
        expect(await registry.invitationOf(clerk.address, SME)).to.equal(BigInt(MERCHANT));
      });

      it("makes the account a member when it accepts, with the invited roles", async function () {
        const { registry, smeAdmin, clerk } = await loadFixture(withActiveSme);
        await registry.connect(smeAdmin).inviteMember(SME, clerk.address, MERCHANT);
        await expect(registry.connect(clerk).acceptMembership(SME))
          .to.emit(registry, "MemberAdded")
          .withArgs(SME, clerk.address, MERCHANT, clerk.address);
        expect(await registry.tenantOf(clerk.address)).to.equal(SME);
        expect(await registry.invitationOf(clerk.address, SME)).to.equal(0n);
        expect((await registry.getTenant(SME)).memberCount).to.equal(2n);
      });

      it("refuses an acceptance without an invitation", async function () {
        const { registry, clerk } = await loadFixture(withActiveSme);
        await expect(registry.connect(clerk).acceptMembership(SME))
          .to.be.revertedWithCustomError(registry, "RegistryNoInvitation")
          .withArgs(clerk.address, SME);
      });

      it("lets an account accept through the forwarder (ERC-2771), as itself", async function () {
        const { registry, forwarder, smeAdmin, clerk, outsider } = await loadFixture(withActiveSme);
        await registry.connect(smeAdmin).inviteMember(SME, clerk.address, MERCHANT);
        const data = registry.interface.encodeFunctionData("acceptMembership", [SME]);
        const request = await signForwardRequest(forwarder, clerk, registry, data);
        await expect(forwarder.connect(outsider).execute(request))
          .to.emit(registry, "MemberAdded")
          .withArgs(SME, clerk.address, MERCHANT, clerk.address);
      });

      it("lets a tenant admin invite through the forwarder (ERC-2771), acting as itself", async function () {
        const { registry, forwarder, smeAdmin, clerk, outsider } = await loadFixture(withActiveSme);
        const data = registry.interface.encodeFunctionData("inviteMember", [SME, clerk.address, MERCHANT]);
        const request = await signForwardRequest(forwarder, smeAdmin, registry, data);
        await expect(forwarder.connect(outsider).execute(request))
          .to.emit(registry, "MemberInvited")
          .withArgs(SME, clerk.address, MERCHANT, smeAdmin.address);
      });

      it("cannot block the operator: an invitation leaves the account free to be onboarded elsewhere", async function () {
        const { registry, operator, smeAdmin, mentorAdmin } = await loadFixture(withActiveSme);
        await registry.connect(smeAdmin).inviteMember(SME, mentorAdmin.address, MERCHANT);
        await registry
          .connect(operator)
          .onboard(onboardParams({ tenantId: MENTOR, roles: SPONSOR, admin: mentorAdmin.address }));
        expect(await registry.tenantOf(mentorAdmin.address)).to.equal(MENTOR);
      });

      it("lets the tenant revoke an invitation before it is accepted", async function () {
        const { registry, smeAdmin, clerk } = await loadFixture(withActiveSme);
        await registry.connect(smeAdmin).inviteMember(SME, clerk.address, MERCHANT);
        await expect(registry.connect(smeAdmin).revokeInvitation(SME, clerk.address))
          .to.emit(registry, "MemberInvitationRevoked")
          .withArgs(SME, clerk.address, smeAdmin.address);
        await expect(registry.connect(clerk).acceptMembership(SME))
          .to.be.revertedWithCustomError(registry, "RegistryNoInvitation")
          .withArgs(clerk.address, SME);
      });

      it("never lets an account act for two tenants", async function () {
        const { registry, operator, mentorAdmin } = await loadFixture(withActiveMentor);
        await registry.connect(operator).onboard(onboardParams({ admin: (await ethers.getSigners())[9]!.address }));
        await registry.connect(operator).inviteMember(SME, mentorAdmin.address, MERCHANT);
        await expect(registry.connect(mentorAdmin).acceptMembership(SME))
          .to.be.revertedWithCustomError(registry, "RegistryAlreadyMember")
          .withArgs(mentorAdmin.address, MENTOR);
      });

      it("rejects invited roles the tenant does not hold", async function () {
        const { registry, smeAdmin, clerk } = await loadFixture(withActiveSme);
        await expect(registry.connect(smeAdmin).inviteMember(SME, clerk.address, MERCHANT | SPONSOR))
          .to.be.revertedWithCustomError(registry, "RegistryMemberRolesExceedTenant")
          .withArgs(MERCHANT | SPONSOR, MERCHANT);
      });
    });

    describe("who manages members", function () {
      it("lets the operator invite into a Pending tenant", async function () {
        const { registry, operator, clerk } = await loadFixture(withPendingSme);
        await registry.connect(operator).inviteMember(SME, clerk.address, MERCHANT);
        await registry.connect(clerk).acceptMembership(SME);
        expect(await registry.tenantOf(clerk.address)).to.equal(SME);
      });

      it("stops the admin of a Pending tenant from managing members", async function () {
        const { registry, smeAdmin, clerk } = await loadFixture(withPendingSme);
        await expect(registry.connect(smeAdmin).inviteMember(SME, clerk.address, MERCHANT))
          .to.be.revertedWithCustomError(registry, "RegistryUnauthorizedManager")
          .withArgs(smeAdmin.address, SME);
      });

      it("rejects an admin of another tenant managing this tenant's members", async function () {
        const f = await loadFixture(withActiveMentor);
        await f.registry.connect(f.operator).onboard(onboardParams({ admin: f.smeAdmin.address }));
        await expect(f.registry.connect(f.mentorAdmin).inviteMember(SME, f.clerk.address, MERCHANT))
          .to.be.revertedWithCustomError(f.registry, "RegistryUnauthorizedManager")
          .withArgs(f.mentorAdmin.address, SME);
      });

      it("rejects a member without the admin bit managing members", async function () {
        const { registry, smeAdmin, clerk, outsider } = await loadFixture(withActiveSme);
        await join(registry, smeAdmin, SME, clerk, MERCHANT);
        await expect(registry.connect(clerk).inviteMember(SME, outsider.address, MERCHANT))
          .to.be.revertedWithCustomError(registry, "RegistryUnauthorizedManager")
          .withArgs(clerk.address, SME);
      });

      it("stops a suspended tenant's admin from managing members", async function () {
        const { registry, operator, smeAdmin, clerk } = await loadFixture(withActiveSme);
        await registry.connect(operator).suspend(SME, 0);
        await expect(registry.connect(smeAdmin).inviteMember(SME, clerk.address, MERCHANT))
          .to.be.revertedWithCustomError(registry, "RegistryUnauthorizedManager")
          .withArgs(smeAdmin.address, SME);
      });

      it("lets no one invite members into an offboarded tenant", async function () {
        const { registry, operator, clerk } = await loadFixture(withActiveSme);
        await registry.connect(operator).offboard(SME, 0);
        await expect(registry.connect(operator).inviteMember(SME, clerk.address, MERCHANT))
          .to.be.revertedWithCustomError(registry, "RegistryInvalidTransition")
          .withArgs(SME, Status.Offboarded, Status.Offboarded);
      });

      it("refuses an acceptance once the tenant is offboarded", async function () {
        const { registry, operator, smeAdmin, clerk } = await loadFixture(withActiveSme);
        await registry.connect(smeAdmin).inviteMember(SME, clerk.address, MERCHANT);
        await registry.connect(operator).offboard(SME, 0);
        await expect(registry.connect(clerk).acceptMembership(SME))
          .to.be.revertedWithCustomError(registry, "RegistryTenantNotActive")
          .withArgs(SME, Status.Offboarded);
      });
    });

    describe("leaving and removal", function () {
      it("lets a member leave its tenant by itself", async function () {
        const { registry, smeAdmin, clerk } = await loadFixture(withActiveSme);
        await join(registry, smeAdmin, SME, clerk, MERCHANT);
        await expect(registry.connect(clerk).leaveTenant())
          .to.emit(registry, "MemberRemoved")
          .withArgs(SME, clerk.address, clerk.address);
        expect(await registry.tenantOf(clerk.address)).to.equal(ZERO_ID);
        expect((await registry.getTenant(SME)).memberCount).to.equal(1n);
      });

      it("lets the appointed admin leave, which clears the appointment", async function () {
        const { registry, smeAdmin } = await loadFixture(withActiveSme);
        await expect(registry.connect(smeAdmin).leaveTenant())
          .to.emit(registry, "AppointedAdminChanged")
          .withArgs(SME, smeAdmin.address, ZERO_ADDRESS);
        expect(await registry.appointedAdminOf(SME)).to.equal(ZERO_ADDRESS);
      });

      it("refuses leaving for an account that is no member", async function () {
        const { registry, outsider } = await loadFixture(withActiveSme);
        await expect(registry.connect(outsider).leaveTenant())
          .to.be.revertedWithCustomError(registry, "RegistryNotMember")
          .withArgs(outsider.address);
      });

      it("lets the operator free the accounts of an offboarded tenant's members", async function () {
        const { registry, operator, smeAdmin } = await loadFixture(withActiveSme);
        await registry.connect(operator).offboard(SME, 0);
        await expect(registry.connect(operator).removeMember(smeAdmin.address))
          .to.emit(registry, "MemberRemoved")
          .withArgs(SME, smeAdmin.address, operator.address);
        expect(await registry.tenantOf(smeAdmin.address)).to.equal(ZERO_ID);
        expect((await registry.getTenant(SME)).memberCount).to.equal(0n);
      });

      it("lets a tenant admin remove a member, which can then join another tenant", async function () {
        const { registry, smeAdmin, clerk } = await loadFixture(withActiveSme);
        await join(registry, smeAdmin, SME, clerk, MERCHANT);
        await registry.connect(smeAdmin).removeMember(clerk.address);
        expect(await registry.tenantOf(clerk.address)).to.equal(ZERO_ID);
      });

      it("stops an admin removing or demoting itself, so a tenant is not locked out by accident", async function () {
        const { registry, operator, smeAdmin, clerk } = await loadFixture(withActiveSme);
        await join(registry, operator, SME, clerk, MERCHANT | ADMIN);
        await expect(registry.connect(clerk).removeMember(clerk.address))
          .to.be.revertedWithCustomError(registry, "RegistrySelfManagement")
          .withArgs(clerk.address);
        await expect(registry.connect(clerk).setMemberRoles(clerk.address, MERCHANT))
          .to.be.revertedWithCustomError(registry, "RegistrySelfManagement")
          .withArgs(clerk.address);
        expect(await registry.tenantOf(smeAdmin.address)).to.equal(SME);
      });
    });

    describe("the operator-appointed admin", function () {
      it("cannot be removed or demoted by another admin of its tenant", async function () {
        const { registry, operator, smeAdmin, clerk } = await loadFixture(withActiveSme);
        await join(registry, operator, SME, clerk, MERCHANT | ADMIN);
        await expect(registry.connect(clerk).removeMember(smeAdmin.address))
          .to.be.revertedWithCustomError(registry, "RegistryAppointedAdminProtected")
          .withArgs(smeAdmin.address, SME);
        await expect(registry.connect(clerk).setMemberRoles(smeAdmin.address, MERCHANT))
          .to.be.revertedWithCustomError(registry, "RegistryAppointedAdminProtected")
          .withArgs(smeAdmin.address, SME);
      });

      it("can be removed by the operator, which clears the appointment", async function () {
        const { registry, operator, smeAdmin } = await loadFixture(withActiveSme);
        await expect(registry.connect(operator).removeMember(smeAdmin.address))
          .to.emit(registry, "AppointedAdminChanged")
          .withArgs(SME, smeAdmin.address, ZERO_ADDRESS);
      });

      it("can be re-appointed by the operator among the tenant's admins only", async function () {
        const { registry, operator, smeAdmin, clerk, outsider } = await loadFixture(withActiveSme);
        await join(registry, smeAdmin, SME, clerk, MERCHANT | ADMIN);
        await expect(registry.connect(operator).setAppointedAdmin(SME, clerk.address))
          .to.emit(registry, "AppointedAdminChanged")
          .withArgs(SME, smeAdmin.address, clerk.address);
        await expect(registry.connect(operator).setAppointedAdmin(SME, outsider.address))
          .to.be.revertedWithCustomError(registry, "RegistryUnauthorizedManager")
          .withArgs(outsider.address, SME);
      });
    });

    it("changes a member's roles and says so", async function () {
      const { registry, smeAdmin, clerk } = await loadFixture(withActiveSme);
      await join(registry, smeAdmin, SME, clerk, MERCHANT);
      await expect(registry.connect(smeAdmin).setMemberRoles(clerk.address, MERCHANT | TREASURY))
        .to.emit(registry, "MemberRolesChanged")
        .withArgs(SME, clerk.address, MERCHANT, MERCHANT | TREASURY, smeAdmin.address);
    });

    it("rejects managing an account that is no member", async function () {
      const { registry, operator, outsider } = await loadFixture(withActiveSme);
      await expect(registry.connect(operator).removeMember(outsider.address))
        .to.be.revertedWithCustomError(registry, "RegistryNotMember")
        .withArgs(outsider.address);
      await expect(registry.connect(operator).setMemberRoles(outsider.address, MERCHANT))
        .to.be.revertedWithCustomError(registry, "RegistryNotMember")
        .withArgs(outsider.address);
    });
  });

  describe("freeze and settlement address", function () {
    it("freezes an Active or Suspended tenant, and unfreezes it to Suspended", async function () {
      const { registry, operator } = await loadFixture(withActiveSme);
      await expect(registry.connect(operator).freeze(SME, 77))
        .to.emit(registry, "TenantStatusChanged")
        .withArgs(SME, Status.Active, Status.Frozen, 77);
      await expect(registry.connect(operator).unfreeze(SME))
        .to.emit(registry, "TenantStatusChanged")
        .withArgs(SME, Status.Frozen, Status.Suspended, 0);
      await registry.connect(operator).freeze(SME, 78);
      expect(await registry.statusOf(SME)).to.equal(Status.Frozen);
    });

    it("refuses to freeze a Pending or offboarded tenant", async function () {
      const { registry, operator } = await loadFixture(withPendingSme);
      await expect(registry.connect(operator).freeze(SME, 1))
        .to.be.revertedWithCustomError(registry, "RegistryInvalidTransition")
        .withArgs(SME, Status.Pending, Status.Frozen);
    });

    it("lets the operator offboard a frozen tenant", async function () {
      const { registry, operator } = await loadFixture(withActiveSme);
      await registry.connect(operator).freeze(SME, 1);
      await expect(registry.connect(operator).offboard(SME, 2))
        .to.emit(registry, "TenantStatusChanged")
        .withArgs(SME, Status.Frozen, Status.Offboarded, 2);
    });

    it("lets the operator change a settlement address, also after offboarding, never to zero", async function () {
      const { registry, operator, smeAdmin, outsider } = await loadFixture(withActiveSme);
      await registry.connect(operator).offboard(SME, 0);
      await expect(registry.connect(operator).setSettlementAddress(SME, outsider.address))
        .to.emit(registry, "SettlementAddressChanged")
        .withArgs(SME, smeAdmin.address, outsider.address);
      await expect(registry.connect(operator).setSettlementAddress(SME, ZERO_ADDRESS)).to.be.revertedWithCustomError(
        registry,
        "RegistryZeroAccount",
      );
    });
  });

  describe("what business contracts read", function () {
    it("answers requireActiveMember with the tenant of an active member holding the role", async function () {
      const { registry, smeAdmin } = await loadFixture(withActiveSme);
      expect(await registry.requireActiveMember(smeAdmin.address, MERCHANT)).to.equal(SME);
      expect(await registry.requireActiveMember(smeAdmin.address, 0)).to.equal(SME);
    });

    it("refuses an account that is no member", async function () {
      const { registry, outsider } = await loadFixture(withActiveSme);
      await expect(registry.requireActiveMember(outsider.address, MERCHANT))
        .to.be.revertedWithCustomError(registry, "RegistryNotMember")
        .withArgs(outsider.address);
    });

    it("refuses a member of a tenant that is not active", async function () {
      const { registry, operator, smeAdmin } = await loadFixture(withActiveSme);
      await registry.connect(operator).suspend(SME, 0);
      await expect(registry.requireActiveMember(smeAdmin.address, MERCHANT))
        .to.be.revertedWithCustomError(registry, "RegistryTenantNotActive")
        .withArgs(SME, Status.Suspended);
    });

    it("refuses a member whose own roles lack the role", async function () {
      const { registry, operator, smeAdmin, clerk } = await loadFixture(withActiveSme);
      await registry.connect(operator).setTenantRoles(SME, MERCHANT | SPONSOR);
      await join(registry, smeAdmin, SME, clerk, MERCHANT);
      await expect(registry.requireActiveMember(clerk.address, SPONSOR))
        .to.be.revertedWithCustomError(registry, "RegistryMissingRole")
        .withArgs(clerk.address, SME, SPONSOR);
    });

    it("answers requireActiveTenant for an active tenant holding the role", async function () {
      const { registry } = await loadFixture(withActiveSme);
      await registry.requireActiveTenant(SME, MERCHANT);
    });

    it("refuses requireActiveTenant for a tenant that is not active, or unknown", async function () {
      const { registry, operator } = await loadFixture(withActiveSme);
      await registry.connect(operator).suspend(SME, 1);
      await expect(registry.requireActiveTenant(SME, MERCHANT))
        .to.be.revertedWithCustomError(registry, "RegistryTenantNotActive")
        .withArgs(SME, Status.Suspended);
      await expect(registry.requireActiveTenant(MENTOR, 0))
        .to.be.revertedWithCustomError(registry, "RegistryTenantNotActive")
        .withArgs(MENTOR, Status.None);
    });

    it("refuses requireActiveTenant for an active tenant lacking the role", async function () {
      const { registry } = await loadFixture(withActiveSme);
      await expect(registry.requireActiveTenant(SME, SPONSOR))
        .to.be.revertedWithCustomError(registry, "RegistryMissingRole")
        .withArgs(ethers.ZeroAddress, SME, SPONSOR);
    });

    it("stops counting a member's role once its tenant loses that role", async function () {
      const { registry, operator, smeAdmin } = await loadFixture(withActiveSme);
      await registry.connect(operator).setTenantRoles(SME, SPONSOR);
      expect(await registry.memberHasRole(smeAdmin.address, MERCHANT)).to.equal(false);
      await expect(registry.requireActiveMember(smeAdmin.address, MERCHANT))
        .to.be.revertedWithCustomError(registry, "RegistryMissingRole")
        .withArgs(smeAdmin.address, SME, MERCHANT);
    });

    it("reports tenant roles, and none for an unknown tenant", async function () {
      const { registry } = await loadFixture(withActiveSme);
      expect(await registry.tenantHasRole(SME, MERCHANT)).to.equal(true);
      expect(await registry.tenantHasRole(SME, SPONSOR)).to.equal(false);
      expect(await registry.tenantHasRole(MENTOR, 0)).to.equal(false);
    });

    it("lists tenant ids in onboarding order, page by page", async function () {
      const { registry, operator, smeAdmin } = await loadFixture(withActiveMentor);
      await registry.connect(operator).onboard(onboardParams({ admin: smeAdmin.address }));
      expect(await registry.tenantCount()).to.equal(2n);
      expect(await registry.tenantIds(0, 10)).to.deep.equal([MENTOR, SME]);
      expect(await registry.tenantIds(1, 1)).to.deep.equal([SME]);
      expect(await registry.tenantIds(5, 1)).to.deep.equal([]);
    });
  });

  describe("access control", function () {
    const operatorCalls: Array<[string, (r: Awaited<ReturnType<typeof withActiveSme>>) => unknown[]]> = [
      ["onboard", (f) => [onboardParams({ tenantId: MENTOR, admin: f.clerk.address })]],
      ["approve", () => [SME]],
      ["suspend", () => [SME, 1]],
      ["reinstate", () => [SME]],
      ["offboard", () => [SME, 1]],
      ["setTenantRoles", () => [SME, MERCHANT]],
      ["updateKyb", () => [SME, kyb("renewed")]],
      ["setSponsor", () => [SME, ZERO_ID]],
      ["freeze", () => [SME, 1]],
      ["unfreeze", () => [SME]],
      ["setSettlementAddress", (f) => [SME, f.outsider.address]],
      ["setAppointedAdmin", () => [SME, ZERO_ADDRESS]],
    ];

    for (const [method, args] of operatorCalls) {
      it(`allows only the operator to call ${method}`, async function () {
        const f = await loadFixture(withActiveSme);
        for (const caller of [f.admin, f.issuer, f.smeAdmin, f.outsider]) {
          const contract = f.registry.connect(caller) as unknown as Record<
            string,
            (...a: unknown[]) => Promise<unknown>
          >;
          await expect(contract[method]!(...args(f)))
            .to.be.revertedWithCustomError(f.registry, "AccessControlUnauthorizedAccount")
            .withArgs(caller.address, OPERATOR_ROLE);
        }
      });
    }

    it("allows only the operator and the tenant's admins to invite, change or remove members", async function () {
      const f = await loadFixture(withActiveSme);
      await join(f.registry, f.smeAdmin, SME, f.clerk, MERCHANT);
      await f.registry.connect(f.smeAdmin).inviteMember(SME, f.otherAdmin.address, MERCHANT);
      for (const caller of [f.admin, f.issuer, f.clerk, f.outsider]) {
        await expect(f.registry.connect(caller).inviteMember(SME, f.otherAdmin.address, MERCHANT))
          .to.be.revertedWithCustomError(f.registry, "RegistryUnauthorizedManager")
          .withArgs(caller.address, SME);
        await expect(f.registry.connect(caller).revokeInvitation(SME, f.otherAdmin.address))
          .to.be.revertedWithCustomError(f.registry, "RegistryUnauthorizedManager")
          .withArgs(caller.address, SME);
        await expect(f.registry.connect(caller).setMemberRoles(f.clerk.address, MERCHANT | ADMIN))
          .to.be.revertedWithCustomError(f.registry, "RegistryUnauthorizedManager")
          .withArgs(caller.address, SME);
        await expect(f.registry.connect(caller).removeMember(f.smeAdmin.address))
          .to.be.revertedWithCustomError(f.registry, "RegistryUnauthorizedManager")
          .withArgs(caller.address, SME);
      }
    });

    it("allows only the governance admin to grant the operator role", async function () {
      const { registry, operator, outsider } = await loadFixture(deployRegistry);
      await expect(registry.connect(operator).grantRole(OPERATOR_ROLE, outsider.address))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(operator.address, ethers.ZeroHash);
    });
  });
});
