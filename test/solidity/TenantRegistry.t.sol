// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ITenantRegistry, ITenantRegistryView} from "../../contracts/interfaces/ITenantRegistry.sol";
import {ITenantRegistryErrors} from "../../contracts/interfaces/ITenantRegistryErrors.sol";
import {MemberRecords} from "../../contracts/tenants/MemberRecords.sol";
import {TenantRegistry} from "../../contracts/tenants/TenantRegistry.sol";
import {TenantRoles} from "../../contracts/tenants/TenantRoles.sol";
import {Test} from "./utils/Test.sol";

/// @dev Unit and fuzz tests of the registry's rules, one property each.
contract TenantRegistryTest is Test {
    TenantRegistry internal registry;
    address internal governance = makeAddr("governance");
    address internal operator = makeAddr("operator");

    function setUp() public {
        registry = new TenantRegistry(governance, 0, address(0));
        vm.startPrank(governance);
        registry.grantRole(registry.OPERATOR_ROLE(), operator);
        vm.stopPrank();
    }

    function _onboard(bytes32 id, uint16 roles, address admin) internal {
        vm.prank(operator);
        registry.onboard(
            ITenantRegistry.OnboardParams({
                tenantId: id,
                name: "tenant",
                roles: roles,
                jurisdiction: "HK",
                kybHash: keccak256(abi.encode(id)),
                sponsor: bytes32(0),
                admin: admin
            })
        );
    }

    function test_onboard_startsPendingWithAdmin() public {
        address admin = makeAddr("admin");
        _onboard("sme", TenantRoles.MERCHANT, admin);
        assertEq(uint256(registry.statusOf("sme")), uint256(ITenantRegistryErrors.TenantStatus.Pending), "status");
        assertEq(registry.tenantOf(admin), bytes32("sme"), "admin member");
    }

    function test_requireActiveMember_revertsWhilePending() public {
        address admin = makeAddr("admin");
        _onboard("sme", TenantRoles.MERCHANT, admin);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITenantRegistryErrors.RegistryTenantNotActive.selector,
                bytes32("sme"),
                ITenantRegistryErrors.TenantStatus.Pending
            )
        );
        registry.requireActiveMember(admin, TenantRoles.MERCHANT);
    }

    /// Any role set outside the five business roles is refused at onboarding.
    function testFuzz_onboard_rejectsUnknownRoleBits(uint16 roles) public {
        vm.assume(roles == 0 || roles & ~TenantRoles.ALL_BUSINESS != 0);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(ITenantRegistry.RegistryInvalidRoles.selector, roles));
        registry.onboard(
            ITenantRegistry.OnboardParams({
                tenantId: "x",
                name: "x",
                roles: roles,
                jurisdiction: "HK",
                kybHash: bytes32(uint256(1)),
                sponsor: bytes32(0),
                admin: address(1)
            })
        );
    }

    /// Only two upper-case ASCII letters make a jurisdiction.
    function testFuzz_onboard_jurisdictionIsTwoUpperCaseLetters(bytes2 code) public {
        bool valid = code[0] >= 0x41 && code[0] <= 0x5A && code[1] >= 0x41 && code[1] <= 0x5A;
        if (!valid) vm.expectRevert(abi.encodeWithSelector(ITenantRegistry.RegistryInvalidJurisdiction.selector, code));
        vm.prank(operator);
        registry.onboard(
            ITenantRegistry.OnboardParams({
                tenantId: "x",
                name: "x",
                roles: TenantRoles.MERCHANT,
                jurisdiction: code,
                kybHash: bytes32(uint256(1)),
                sponsor: bytes32(0),
                admin: address(1)
            })
        );
    }

    /// A packed member record gives back exactly the tenant and the roles it was made of.
    function testFuzz_memberRecord_packsTenantAndRoles(bytes30 label, uint16 roles) public pure {
        bytes32 tenantId = bytes32(label);
        bytes32 record = MemberRecords.pack(tenantId, roles);
        assertTrue(MemberRecords.isPackable(tenantId), "a 30-byte id packs");
        assertEq(MemberRecords.tenant(record), tenantId, "tenant");
        assertEq(uint256(MemberRecords.roles(record)), uint256(roles), "roles");
    }

    /// A tenant id whose lowest 16 bits are not zero cannot be onboarded: it would not pack.
    function testFuzz_onboard_refusesIdsThatDoNotPack(bytes32 id) public {
        vm.assume(uint16(uint256(id)) != 0);
        vm.expectRevert(abi.encodeWithSelector(ITenantRegistry.RegistryInvalidTenantId.selector, id));
        _onboard(id, TenantRoles.MERCHANT, makeAddr("admin"));
    }

    /// A member's effective role is the intersection of its own and its tenant's roles.
    function testFuzz_memberHasRole_isIntersectionOfMemberAndTenantRoles(
        uint16 tenantRoles,
        uint16 memberRoles,
        uint16 role
    ) public {
        tenantRoles = uint16(bound(tenantRoles, 1, TenantRoles.ALL_BUSINESS));
        memberRoles = (memberRoles & tenantRoles) | (memberRoles & TenantRoles.MEMBER_ADMIN);
        vm.assume(memberRoles != 0);
        role = role & TenantRoles.ALL_BUSINESS;
        address admin = makeAddr("admin");
        address member = makeAddr("member");
        _onboard("t", tenantRoles, admin);
        vm.prank(operator);
        registry.approve("t");
        vm.prank(admin);
        registry.inviteMember("t", member, memberRoles);
        vm.prank(member);
        registry.acceptMembership("t");
        bool expected = (memberRoles & role) == role && (tenantRoles & role) == role;
        assertEq(registry.memberHasRole(member, role), expected, "effective role");
    }
}
