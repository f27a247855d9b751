// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ITenantRegistry, ITenantRegistryView} from "../../contracts/interfaces/ITenantRegistry.sol";
import {ITenantRegistryErrors} from "../../contracts/interfaces/ITenantRegistryErrors.sol";
import {TenantRegistry} from "../../contracts/tenants/TenantRegistry.sol";
import {TenantRoles} from "../../contracts/tenants/TenantRoles.sol";
import {Test} from "./utils/Test.sol";

/// @dev Drives the registry through random sequences of lifecycle and membership calls from the
/// operator and from tenant admins, and keeps a ghost model of who belongs where.
contract RegistryHandler is Test {
    uint256 internal constant TENANTS = 6;
    uint256 internal constant ACCOUNTS = 12;

    TenantRegistry public immutable registry;
    address internal immutable operator;

    bytes32[TENANTS] public ids;
    address[ACCOUNTS] public accounts;
    mapping(address account => bytes32 tenantId) public ghostTenantOf;
    mapping(bytes32 tenantId => bool) public everOffboarded;
    mapping(bytes32 tenantId => bytes32 sponsor) public ghostSponsor;

    constructor(TenantRegistry registry_, address operator_) {
        registry = registry_;
        operator = operator_;
        for (uint256 i; i < TENANTS; ++i) {
            ids[i] = bytes32(uint256(0x100 + i) << 16);
        }
        for (uint256 i; i < ACCOUNTS; ++i) {
            accounts[i] = address(uint160(0xA000 + i));
        }
    }

    function onboard(uint256 t, uint256 a, uint16 roles, uint256 s, bool sponsored) external {
        bytes32 id = ids[t % TENANTS];
        address admin = accounts[a % ACCOUNTS];
        bytes32 sponsor = sponsored ? ids[s % TENANTS] : bytes32(0);
        roles = uint16(bound(roles, 1, TenantRoles.ALL_BUSINESS));
        vm.prank(operator);
        try
            registry.onboard(
                ITenantRegistry.OnboardParams({
                    tenantId: id,
                    name: "t",
                    roles: roles,
                    jurisdiction: "PH",
                    kybHash: bytes32(uint256(1)),
                    sponsor: sponsor,
                    admin: admin
                })
            )
        {
            ghostTenantOf[admin] = id;
            ghostSponsor[id] = sponsor;
        } catch {}
    }

    function transition(uint256 t, uint8 which) external {
        bytes32 id = ids[t % TENANTS];
        vm.startPrank(operator);
        uint8 w = which % 6;
        if (w == 0) try registry.approve(id) {} catch {}
        if (w == 1) try registry.suspend(id, 1) {} catch {}
        if (w == 2) try registry.reinstate(id) {} catch {}
        if (w == 3) {
            try registry.offboard(id, 2) {
                everOffboarded[id] = true;
                ghostSponsor[id] = bytes32(0);
            } catch {}
        }
        if (w == 4) try registry.freeze(id, 3) {} catch {}
        if (w == 5) try registry.unfreeze(id) {} catch {}
        vm.stopPrank();
    }

    function inviteMember(uint256 t, uint256 a, uint256 by, uint16 roles, bool asOperator) external {
        bytes32 id = ids[t % TENANTS];
        address account = accounts[a % ACCOUNTS];
        vm.prank(asOperator ? operator : accounts[by % ACCOUNTS]);
        try registry.inviteMember(id, account, roles) {} catch {}
    }

    /// Only the invited account itself can make an invitation a membership.
    function acceptMembership(uint256 t, uint256 a) external {
        bytes32 id = ids[t % TENANTS];
        address account = accounts[a % ACCOUNTS];
        vm.prank(account);
        try registry.acceptMembership(id) {
            ghostTenantOf[account] = id;
        } catch {}
    }

    function leaveTenant(uint256 a) external {
        address account = accounts[a % ACCOUNTS];
        vm.prank(account);
        try registry.leaveTenant() {
            ghostTenantOf[account] = bytes32(0);
        } catch {}
    }

    function removeMember(uint256 a, uint256 by, bool asOperator) external {
        address account = accounts[a % ACCOUNTS];
        vm.prank(asOperator ? operator : accounts[by % ACCOUNTS]);
        try registry.removeMember(account) {
            ghostTenantOf[account] = bytes32(0);
        } catch {}
    }

    function setSponsor(uint256 t, uint256 s, bool clear) external {
        bytes32 id = ids[t % TENANTS];
        bytes32 sponsor = clear ? bytes32(0) : ids[s % TENANTS];
        vm.prank(operator);
        try registry.setSponsor(id, sponsor) {
            ghostSponsor[id] = sponsor;
        } catch {}
    }

    function tenantCount() external pure returns (uint256) {
        return TENANTS;
    }

    function accountCount() external pure returns (uint256) {
        return ACCOUNTS;
    }
}

contract TenantRegistryInvariantTest is Test {
    TenantRegistry internal registry;
    RegistryHandler internal handler;

    function setUp() public {
        address governance = makeAddr("governance");
        address operator = makeAddr("operator");
        registry = new TenantRegistry(governance, 0, address(0));
        vm.startPrank(governance);
        registry.grantRole(registry.OPERATOR_ROLE(), operator);
        vm.stopPrank();
        handler = new RegistryHandler(registry, operator);
        targetContract(address(handler));
    }

    /// An account belongs to exactly the tenant the model says, so never to two.
    function invariant_accountBelongsToAtMostOneTenant() public view {
        for (uint256 i; i < handler.accountCount(); ++i) {
            address account = handler.accounts(i);
            assertEq(registry.tenantOf(account), handler.ghostTenantOf(account), "tenantOf");
        }
    }

    /// Each tenant's member count is the number of accounts acting for it.
    function invariant_memberCountMatchesMembers() public view {
        for (uint256 t; t < handler.tenantCount(); ++t) {
            bytes32 id = handler.ids(t);
            if (registry.statusOf(id) == ITenantRegistryErrors.TenantStatus.None) continue;
            uint256 members;
            for (uint256 i; i < handler.accountCount(); ++i) {
                if (registry.tenantOf(handler.accounts(i)) == id) ++members;
            }
            assertEq(registry.getTenant(id).memberCount, members, "memberCount");
        }
    }

    /// Offboarded is final: a tenant once offboarded never becomes anything else.
    function invariant_offboardedTenantNeverReturns() public view {
        for (uint256 t; t < handler.tenantCount(); ++t) {
            bytes32 id = handler.ids(t);
            if (handler.everOffboarded(id)) {
                assertEq(
                    uint256(registry.statusOf(id)),
                    uint256(ITenantRegistryErrors.TenantStatus.Offboarded),
                    "offboarded tenant changed status"
                );
            }
        }
    }

    /// An offboarded tenant names no sponsor, so no sponsor counts it.
    function invariant_offboardedTenantHasNoSponsor() public view {
        for (uint256 t; t < handler.tenantCount(); ++t) {
            bytes32 id = handler.ids(t);
            if (registry.statusOf(id) == ITenantRegistryErrors.TenantStatus.Offboarded) {
                assertEq(registry.getTenant(id).sponsor, bytes32(0), "offboarded tenant still sponsored");
            }
        }
    }

    /// Following sponsors from any tenant ends at a tenant without one, never back at the start.
    function invariant_noSponsorshipCycle() public view {
        for (uint256 t; t < handler.tenantCount(); ++t) {
            bytes32 id = handler.ids(t);
            bytes32 current =
                registry.statusOf(id) == ITenantRegistryErrors.TenantStatus.None
                    ? bytes32(0)
                    : registry.getTenant(id).sponsor;
            for (uint256 depth; current != bytes32(0); ++depth) {
                assertTrue(current != id, "sponsorship cycle");
                assertLe(depth + 1, registry.MAX_SPONSOR_DEPTH(), "sponsor chain too long");
                current = registry.getTenant(current).sponsor;
            }
        }
    }

    /// The admin the operator appointed is, while named, an admin member of its tenant.
    function invariant_appointedAdminIsAdminMember() public view {
        for (uint256 t; t < handler.tenantCount(); ++t) {
            bytes32 id = handler.ids(t);
            address admin = registry.appointedAdminOf(id);
            if (admin == address(0)) continue;
            (bytes32 tenantId, , , uint16 memberRoles) = registry.memberOf(admin);
            assertEq(tenantId, id, "appointed admin left its tenant");
            assertTrue(memberRoles & TenantRoles.MEMBER_ADMIN != 0, "appointed admin demoted");
        }
    }

    /// A sponsor's count of sponsored tenants equals the tenants naming it as sponsor.
    function invariant_sponsoredCountMatchesSponsorships() public view {
        for (uint256 s; s < handler.tenantCount(); ++s) {
            bytes32 sponsor = handler.ids(s);
            if (registry.statusOf(sponsor) == ITenantRegistryErrors.TenantStatus.None) continue;
            uint256 sponsored;
            for (uint256 t; t < handler.tenantCount(); ++t) {
                bytes32 id = handler.ids(t);
                if (
                    registry.statusOf(id) != ITenantRegistryErrors.TenantStatus.None &&
                    registry.getTenant(id).sponsor == sponsor
                ) {
                    ++sponsored;
                }
            }
            assertEq(registry.getTenant(sponsor).sponsoredCount, sponsored, "sponsoredCount");
        }
    }
}
