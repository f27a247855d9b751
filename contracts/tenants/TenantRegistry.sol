// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {Context} from "@openzeppelin/contracts/utils/Context.sol";

import {ITenantRegistry, ITenantRegistryView} from "../interfaces/ITenantRegistry.sol";
import {MemberRecords} from "./MemberRecords.sol";
import {TenantRoles} from "./TenantRoles.sol";

/// @title TenantRegistry
/// @notice Who the platform's businesses are, what they may do, and which accounts act for them.
/// @dev Access control is OpenZeppelin's `AccessControlDefaultAdminRules`: the platform's governance key
/// (`DEFAULT_ADMIN_ROLE`) can only be handed over in two steps after a delay, and it grants
/// `OPERATOR_ROLE` to the keys that run day-to-day onboarding. `AccessManager` would add an external call
/// and a second contract to every privileged call for a permission set that has two roles; tenant-level
/// permissions are data in this registry, not access-control roles, because they are read by other
/// contracts on every business call and must cost a few storage reads.
contract TenantRegistry is ITenantRegistry, AccessControlDefaultAdminRules, ERC2771Context {
    using TenantRoles for uint16;
    using MemberRecords for bytes32;

    /// @notice Runs the tenant lifecycle and may manage any tenant's members.
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");

    /// @notice Longest sponsor chain (a tenant, its sponsor, that sponsor's sponsor...): bounds the walk
    /// that refuses sponsorship cycles.
    uint256 public constant MAX_SPONSOR_DEPTH = 8;

    uint256 private constant MAX_NAME_LENGTH = 64;

    mapping(bytes32 tenantId => Tenant) private _tenants;
    /// @dev `MemberRecords.pack(tenantId, roles)`: a membership check is one cold read.
    mapping(address account => bytes32 record) private _members;
    mapping(address account => mapping(bytes32 tenantId => uint16 roles)) private _invitations;
    mapping(bytes32 tenantId => address) private _appointedAdmin;
    mapping(bytes32 tenantId => address) private _settlementAddress;
    bytes32[] private _tenantIds;

    /// @param admin the platform governance account (`DEFAULT_ADMIN_ROLE`)
    /// @param adminTransferDelay seconds a handover of `DEFAULT_ADMIN_ROLE` must wait
    /// @param trustedForwarder the ERC-2771 forwarder members use to act without gas
    constructor(
        address admin,
        uint48 adminTransferDelay,
        address trustedForwarder
    ) AccessControlDefaultAdminRules(adminTransferDelay, admin) ERC2771Context(trustedForwarder) {}

    // ------------------------------------------------------------------ lifecycle

    /// @inheritdoc ITenantRegistry
    function onboard(OnboardParams calldata params) external onlyRole(OPERATOR_ROLE) {
        bytes32 tenantId = params.tenantId;
        if (tenantId == bytes32(0)) revert RegistryZeroTenantId();
        if (!tenantId.isPackable()) revert RegistryInvalidTenantId(tenantId);
        if (_tenants[tenantId].status != TenantStatus.None) revert RegistryTenantExists(tenantId);
        _checkTenantRoles(params.roles);
        _checkJurisdiction(params.jurisdiction);
        if (params.kybHash == bytes32(0)) revert RegistryMissingKyb(tenantId);
        uint256 nameLength = bytes(params.name).length;
        if (nameLength == 0 || nameLength > MAX_NAME_LENGTH) revert RegistryInvalidName(nameLength);
        if (params.sponsor != bytes32(0)) _checkSponsor(tenantId, params.sponsor);

        Tenant storage tenant = _tenants[tenantId];
        tenant.status = TenantStatus.Pending;
        tenant.roles = params.roles;
        tenant.jurisdiction = params.jurisdiction;
        tenant.onboardedAt = uint40(block.timestamp);
        tenant.kybHash = params.kybHash;
        tenant.name = params.name;
        _tenantIds.push(tenantId);
        emit TenantOnboarded(tenantId, params.name, params.roles, params.jurisdiction, params.kybHash, params.sponsor);
        emit TenantStatusChanged(tenantId, TenantStatus.None, TenantStatus.Pending, 0);

        if (params.sponsor != bytes32(0)) _setSponsor(tenantId, params.sponsor);
        _addMember(tenantId, params.admin, params.roles | TenantRoles.MEMBER_ADMIN | TenantRoles.TREASURY);
        _appointedAdmin[tenantId] = params.admin;
        emit AppointedAdminChanged(tenantId, address(0), params.admin);
        _settlementAddress[tenantId] = params.admin;
        emit SettlementAddressChanged(tenantId, address(0), params.admin);
    }

    /// @inheritdoc ITenantRegistry
    function approve(bytes32 tenantId) external onlyRole(OPERATOR_ROLE) {
        _transition(tenantId, TenantStatus.Pending, TenantStatus.Active, 0);
    }

    /// @inheritdoc ITenantRegistry
    function suspend(bytes32 tenantId, uint32 reasonCode) external onlyRole(OPERATOR_ROLE) {
        _transition(tenantId, TenantStatus.Active, TenantStatus.Suspended, reasonCode);
    }

    /// @inheritdoc ITenantRegistry
    function reinstate(bytes32 tenantId) external onlyRole(OPERATOR_ROLE) {
        _transition(tenantId, TenantStatus.Suspended, TenantStatus.Active, 0);
    }

    /// @inheritdoc ITenantRegistry
    function offboard(bytes32 tenantId, uint32 reasonCode) external onlyRole(OPERATOR_ROLE) {
        TenantStatus from = _existing(tenantId).status;
        if (from == TenantStatus.Offboarded) {
            revert RegistryInvalidTransition(tenantId, from, TenantStatus.Offboarded);
        }
        _tenants[tenantId].status = TenantStatus.Offboarded;
        emit TenantStatusChanged(tenantId, from, TenantStatus.Offboarded, reasonCode);
        // A sponsor answers for the tenants it mentors now, not for closed ones.
        if (_tenants[tenantId].sponsor != bytes32(0)) _setSponsor(tenantId, bytes32(0));
    }

    /// @inheritdoc ITenantRegistry
    function freeze(bytes32 tenantId, uint32 reasonCode) external onlyRole(OPERATOR_ROLE) {
        TenantStatus from = _existing(tenantId).status;
        if (from != TenantStatus.Active && from != TenantStatus.Suspended) {
            revert RegistryInvalidTransition(tenantId, from, TenantStatus.Frozen);
        }
        _tenants[tenantId].status = TenantStatus.Frozen;
        emit TenantStatusChanged(tenantId, from, TenantStatus.Frozen, reasonCode);
    }

    /// @inheritdoc ITenantRegistry
    function unfreeze(bytes32 tenantId) external onlyRole(OPERATOR_ROLE) {
        _transition(tenantId, TenantStatus.Frozen, TenantStatus.Suspended, 0);
    }

    /// @inheritdoc ITenantRegistry
    function setSettlementAddress(bytes32 tenantId, address settlementAddress) external onlyRole(OPERATOR_ROLE) {
        _existing(tenantId);
        if (settlementAddress == address(0)) revert RegistryZeroAccount();
        address previous = _settlementAddress[tenantId];
        _settlementAddress[tenantId] = settlementAddress;
        emit SettlementAddressChanged(tenantId, previous, settlementAddress);
    }

    /// @inheritdoc ITenantRegistry
    function setAppointedAdmin(bytes32 tenantId, address account) external onlyRole(OPERATOR_ROLE) {
        _notOffboarded(tenantId);
        if (
            account != address(0) &&
            (_members[account].tenant() != tenantId || !_members[account].roles().includes(TenantRoles.MEMBER_ADMIN))
        ) {
            revert RegistryUnauthorizedManager(account, tenantId);
        }
        address previous = _appointedAdmin[tenantId];
        _appointedAdmin[tenantId] = account;
        emit AppointedAdminChanged(tenantId, previous, account);
    }

    /// @inheritdoc ITenantRegistry
    function setTenantRoles(bytes32 tenantId, uint16 roles) external onlyRole(OPERATOR_ROLE) {
        Tenant storage tenant = _notOffboarded(tenantId);
        _checkTenantRoles(roles);
        uint16 previous = tenant.roles;
        tenant.roles = roles;
        emit TenantRolesChanged(tenantId, previous, roles);
    }

    /// @inheritdoc ITenantRegistry
    function updateKyb(bytes32 tenantId, bytes32 kybHash) external onlyRole(OPERATOR_ROLE) {
        Tenant storage tenant = _notOffboarded(tenantId);
        if (kybHash == bytes32(0)) revert RegistryMissingKyb(tenantId);
        bytes32 previous = tenant.kybHash;
        tenant.kybHash = kybHash;
        emit TenantKybUpdated(tenantId, previous, kybHash);
    }

    /// @inheritdoc ITenantRegistry
    function setSponsor(bytes32 tenantId, bytes32 sponsor) external onlyRole(OPERATOR_ROLE) {
        _notOffboarded(tenantId);
        if (sponsor != bytes32(0)) _checkSponsor(tenantId, sponsor);
        _setSponsor(tenantId, sponsor);
    }

    // ------------------------------------------------------------------ members

    /// @inheritdoc ITenantRegistry
    function inviteMember(bytes32 tenantId, address account, uint16 roles) external {
        address caller = _authorizeManager(tenantId, false);
        if (account == address(0)) revert RegistryZeroAccount();
        _checkMemberRoles(roles, _tenants[tenantId].roles);
        _invitations[account][tenantId] = roles;
        emit MemberInvited(tenantId, account, roles, caller);
    }

    /// @inheritdoc ITenantRegistry
    function revokeInvitation(bytes32 tenantId, address account) external {
        address caller = _authorizeManager(tenantId, false);
        if (_invitations[account][tenantId] == 0) revert RegistryNoInvitation(account, tenantId);
        delete _invitations[account][tenantId];
        emit MemberInvitationRevoked(tenantId, account, caller);
    }

    /// @inheritdoc ITenantRegistry
    function acceptMembership(bytes32 tenantId) external {
        address account = _msgSender();
        uint16 roles = _invitations[account][tenantId];
        if (roles == 0) revert RegistryNoInvitation(account, tenantId);
        TenantStatus status = _tenants[tenantId].status;
        if (status != TenantStatus.Pending && status != TenantStatus.Active) {
            revert RegistryTenantNotActive(tenantId, status);
        }
        delete _invitations[account][tenantId];
        _addMember(tenantId, account, roles);
    }

    /// @inheritdoc ITenantRegistry
    function leaveTenant() external {
        address account = _msgSender();
        bytes32 tenantId = _members[account].tenant();
        if (tenantId == bytes32(0)) revert RegistryNotMember(account);
        if (_appointedAdmin[tenantId] == account) {
            delete _appointedAdmin[tenantId];
            emit AppointedAdminChanged(tenantId, account, address(0));
        }
        _removeMember(tenantId, account, account);
    }

    /// @inheritdoc ITenantRegistry
    function setMemberRoles(address account, uint16 roles) external {
        bytes32 tenantId = _members[account].tenant();
        if (tenantId == bytes32(0)) revert RegistryNotMember(account);
        address caller = _authorizeManager(tenantId, false);
        bool operator = _isOperator(caller);
        if (caller == account && !roles.includes(TenantRoles.MEMBER_ADMIN) && !operator) {
            revert RegistrySelfManagement(account);
        }
        if (!operator && _appointedAdmin[tenantId] == account && !roles.includes(TenantRoles.MEMBER_ADMIN)) {
            revert RegistryAppointedAdminProtected(account, tenantId);
        }
        _checkMemberRoles(roles, _tenants[tenantId].roles);
        uint16 previous = _members[account].roles();
        _members[account] = MemberRecords.pack(tenantId, roles);
        emit MemberRolesChanged(tenantId, account, previous, roles, caller);
    }

    /// @inheritdoc ITenantRegistry
    function removeMember(address account) external {
        bytes32 tenantId = _members[account].tenant();
        if (tenantId == bytes32(0)) revert RegistryNotMember(account);
        address caller = _authorizeManager(tenantId, true);
        if (!_isOperator(caller)) {
            if (caller == account) revert RegistrySelfManagement(account);
            if (_appointedAdmin[tenantId] == account) revert RegistryAppointedAdminProtected(account, tenantId);
        } else if (_appointedAdmin[tenantId] == account) {
            delete _appointedAdmin[tenantId];
            emit AppointedAdminChanged(tenantId, account, address(0));
        }
        _removeMember(tenantId, account, caller);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc ITenantRegistryView
    function isActive(bytes32 tenantId) external view returns (bool) {
        return _tenants[tenantId].status == TenantStatus.Active;
    }

    /// @inheritdoc ITenantRegistryView
    function statusOf(bytes32 tenantId) external view returns (TenantStatus) {
        return _tenants[tenantId].status;
    }

    /// @inheritdoc ITenantRegistryView
    function tenantOf(address account) external view returns (bytes32) {
        return _members[account].tenant();
    }

    /// @inheritdoc ITenantRegistryView
    function tenantHasRole(bytes32 tenantId, uint16 role) external view returns (bool) {
        return _tenants[tenantId].status != TenantStatus.None && _tenants[tenantId].roles.includes(role);
    }

    /// @inheritdoc ITenantRegistryView
    function memberHasRole(address account, uint16 role) external view returns (bool) {
        bytes32 record = _members[account];
        bytes32 tenantId = record.tenant();
        if (tenantId == bytes32(0)) return false;
        uint16 businessRole = role & TenantRoles.ALL_BUSINESS;
        return record.roles().includes(role) && _tenants[tenantId].roles.includes(businessRole);
    }

    /// @inheritdoc ITenantRegistryView
    function memberOf(
        address account
    ) external view returns (bytes32 tenantId, TenantStatus status, uint16 tenantRoles, uint16 memberRoles) {
        bytes32 record = _members[account];
        tenantId = record.tenant();
        Tenant storage tenant = _tenants[tenantId];
        return (tenantId, tenant.status, tenant.roles, record.roles());
    }

    /// @inheritdoc ITenantRegistryView
    function memberAndTenantOf(
        address account,
        bytes32 tenantId
    )
        external
        view
        returns (
            bytes32 memberTenant,
            TenantStatus memberStatus,
            uint16 memberTenantRoles,
            uint16 memberRoles,
            TenantStatus tenantStatus,
            uint16 tenantRoles
        )
    {
        bytes32 record = _members[account];
        memberTenant = record.tenant();
        Tenant storage member = _tenants[memberTenant];
        Tenant storage tenant = _tenants[tenantId];
        return (memberTenant, member.status, member.roles, record.roles(), tenant.status, tenant.roles);
    }

    /// @inheritdoc ITenantRegistryView
    function requireActiveMember(address account, uint16 role) external view returns (bytes32 tenantId) {
        bytes32 record = _members[account];
        tenantId = record.tenant();
        if (tenantId == bytes32(0)) revert RegistryNotMember(account);
        Tenant storage tenant = _tenants[tenantId];
        TenantStatus status = tenant.status;
        if (status != TenantStatus.Active) revert RegistryTenantNotActive(tenantId, status);
        if (role != 0 && !(tenant.roles.includes(role) && record.roles().includes(role))) {
            revert RegistryMissingRole(account, tenantId, role);
        }
    }

    /// @inheritdoc ITenantRegistryView
    function requireActiveTenant(bytes32 tenantId, uint16 role) external view {
        Tenant storage tenant = _tenants[tenantId];
        TenantStatus status = tenant.status;
        if (status != TenantStatus.Active) revert RegistryTenantNotActive(tenantId, status);
        if (!tenant.roles.includes(role)) revert RegistryMissingRole(address(0), tenantId, role);
    }

    /// @inheritdoc ITenantRegistryView
    function settlementAddressOf(bytes32 tenantId) external view returns (address) {
        return _settlementAddress[tenantId];
    }

    /// @inheritdoc ITenantRegistry
    function invitationOf(address account, bytes32 tenantId) external view returns (uint16 roles) {
        return _invitations[account][tenantId];
    }

    /// @inheritdoc ITenantRegistry
    function appointedAdminOf(bytes32 tenantId) external view returns (address) {
        return _appointedAdmin[tenantId];
    }

    /// @inheritdoc ITenantRegistry
    function getTenant(bytes32 tenantId) external view returns (Tenant memory) {
        return _existing(tenantId);
    }

    /// @inheritdoc ITenantRegistry
    function tenantCount() external view returns (uint256) {
        return _tenantIds.length;
    }

    /// @inheritdoc ITenantRegistry
    function tenantIds(uint256 start, uint256 count) external view returns (bytes32[] memory ids) {
        uint256 total = _tenantIds.length;
        if (start >= total) return new bytes32[](0);
        uint256 end = total - start < count ? total : start + count;
        ids = new bytes32[](end - start);
        for (uint256 i = start; i < end; ++i) {
            ids[i - start] = _tenantIds[i];
        }
    }

    // ------------------------------------------------------------------ internals

    function _transition(bytes32 tenantId, TenantStatus from, TenantStatus to, uint32 reasonCode) private {
        TenantStatus current = _existing(tenantId).status;
        if (current != from) revert RegistryInvalidTransition(tenantId, current, to);
        _tenants[tenantId].status = to;
        emit TenantStatusChanged(tenantId, from, to, reasonCode);
    }

    function _addMember(bytes32 tenantId, address account, uint16 roles) private {
        if (account == address(0)) revert RegistryZeroAccount();
        bytes32 current = _members[account].tenant();
        if (current != bytes32(0)) revert RegistryAlreadyMember(account, current);
        Tenant storage tenant = _tenants[tenantId];
        _checkMemberRoles(roles, tenant.roles);
        _members[account] = MemberRecords.pack(tenantId, roles);
        tenant.memberCount += 1;
        emit MemberAdded(tenantId, account, roles, _msgSender());
    }

    function _removeMember(bytes32 tenantId, address account, address by) private {
        delete _members[account];
        unchecked {
            // A member was counted when added, so the count is at least one.
            _tenants[tenantId].memberCount -= 1;
        }
        emit MemberRemoved(tenantId, account, by);
    }

    function _setSponsor(bytes32 tenantId, bytes32 sponsor) private {
        Tenant storage tenant = _tenants[tenantId];
        bytes32 previous = tenant.sponsor;
        if (previous == sponsor) return;
        if (previous != bytes32(0)) {
            unchecked {
                // `previous` was counted when it became this tenant's sponsor.
                _tenants[previous].sponsoredCount -= 1;
            }
        }
        if (sponsor != bytes32(0)) _tenants[sponsor].sponsoredCount += 1;
        tenant.sponsor = sponsor;
        emit TenantSponsorChanged(tenantId, previous, sponsor);
    }

    /// @dev The operator may manage any tenant that is not offboarded (and remove members of an
    /// offboarded one, to free their accounts); an admin member only its own `Active` tenant: a tenant
    /// not yet verified, or suspended, frozen or offboarded, cannot change who acts for it.
    function _authorizeManager(bytes32 tenantId, bool removal) private view returns (address caller) {
        caller = _msgSender();
        TenantStatus status = _existing(tenantId).status;
        if (_isOperator(caller)) {
            if (status == TenantStatus.Offboarded && !removal) {
                revert RegistryInvalidTransition(tenantId, status, status);
            }
            return caller;
        }
        bool isAdmin =
            _members[caller].tenant() == tenantId && _members[caller].roles().includes(TenantRoles.MEMBER_ADMIN);
        if (!isAdmin || status != TenantStatus.Active) {
            revert RegistryUnauthorizedManager(caller, tenantId);
        }
    }

    function _isOperator(address account) private view returns (bool) {
        return hasRole(OPERATOR_ROLE, account);
    }

    function _existing(bytes32 tenantId) private view returns (Tenant storage tenant) {
        tenant = _tenants[tenantId];
        if (tenant.status == TenantStatus.None) revert RegistryUnknownTenant(tenantId);
    }

    function _notOffboarded(bytes32 tenantId) private view returns (Tenant storage tenant) {
        tenant = _existing(tenantId);
        if (tenant.status == TenantStatus.Offboarded) {
            revert RegistryInvalidTransition(tenantId, TenantStatus.Offboarded, TenantStatus.Offboarded);
        }
    }

    function _checkSponsor(bytes32 tenantId, bytes32 sponsor) private view {
        Tenant storage s = _tenants[sponsor];
        if (sponsor == tenantId || s.status != TenantStatus.Active || !s.roles.includes(TenantRoles.SPONSOR)) {
            revert RegistryInvalidSponsor(sponsor);
        }
        // Walk up from the new sponsor: meeting `tenantId` would close a cycle. The walk is bounded, and
        // a chain longer than the bound is refused too, so the check never runs out of gas.
        bytes32 current = s.sponsor;
        for (uint256 depth = 1; current != bytes32(0); ++depth) {
            if (current == tenantId || depth >= MAX_SPONSOR_DEPTH) revert RegistrySponsorCycle(tenantId, sponsor);
            current = _tenants[current].sponsor;
        }
    }

    function _checkTenantRoles(uint16 roles) private pure {
        if (roles == 0 || roles & ~TenantRoles.ALL_BUSINESS != 0) revert RegistryInvalidRoles(roles);
    }

    function _checkMemberRoles(uint16 roles, uint16 tenantRoles) private pure {
        if (roles == 0 || roles & ~TenantRoles.ALL_MEMBER != 0) revert RegistryInvalidRoles(roles);
        uint16 business = roles & TenantRoles.ALL_BUSINESS;
        if (!tenantRoles.includes(business)) revert RegistryMemberRolesExceedTenant(roles, tenantRoles);
    }

    function _checkJurisdiction(bytes2 code) private pure {
        bytes1 a = code[0];
        bytes1 b = code[1];
        if (a < 0x41 || a > 0x5A || b < 0x41 || b > 0x5A) revert RegistryInvalidJurisdiction(code);
    }

    // ------------------------------------------------------------------ ERC-2771 plumbing

    function _msgSender() internal view override(Context, ERC2771Context) returns (address) {
        return ERC2771Context._msgSender();
    }

    function _msgData() internal view override(Context, ERC2771Context) returns (bytes calldata) {
        return ERC2771Context._msgData();
    }

    function _contextSuffixLength() internal view override(Context, ERC2771Context) returns (uint256) {
        return ERC2771Context._contextSuffixLength();
    }
}
