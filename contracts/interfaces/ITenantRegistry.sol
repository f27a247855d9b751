// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ITenantRegistryErrors} from "./ITenantRegistryErrors.sol";

/// @title The read side of the tenant registry, as the business contracts see it.
/// @notice Every business contract asks this interface who may do what. The reads are designed to
/// be cheap: `requireActiveMember` answers the common question (is this account a member of an
/// active tenant, holding this role?) in one external call and two cold storage reads: a member record
/// packs tenant and roles in one slot.
interface ITenantRegistryView is ITenantRegistryErrors {
    /// @notice Whether a tenant exists and is `Active`.
    function isActive(bytes32 tenantId) external view returns (bool);

    /// @notice The lifecycle status of a tenant (`None` for an unknown id).
    function statusOf(bytes32 tenantId) external view returns (TenantStatus);

    /// @notice The tenant an account acts for, or zero when it is no member.
    function tenantOf(address account) external view returns (bytes32);

    /// @notice Whether a tenant holds every role bit in `role`.
    function tenantHasRole(bytes32 tenantId, uint16 role) external view returns (bool);

    /// @notice Whether an account is a member whose own roles and whose tenant's roles both hold every bit
    /// in `role`. Says nothing of the tenant's status.
    function memberHasRole(address account, uint16 role) external view returns (bool);

    /// @notice Everything a business contract needs to know about an account, in one call.
    /// @return tenantId the tenant the account acts for (zero when none)
    /// @return status the tenant's status
    /// @return tenantRoles the roles of the tenant
    /// @return memberRoles the roles of the member within its tenant
    function memberOf(
        address account
    ) external view returns (bytes32 tenantId, TenantStatus status, uint16 tenantRoles, uint16 memberRoles);

    /// @notice `memberOf(account)` and the status and roles of `tenantId`, in one call: what a quote's
    /// signer and its receiving operator need checking, for the price of one external call.
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
        );

    /// @notice Returns the tenant of `account`, reverting unless the account is a member of an `Active`
    /// tenant and both the member and the tenant hold every bit in `role` (pass 0 to require no role).
    /// @dev Requirements, in the order they are checked:
    /// - `account` is a member, else `RegistryNotMember`;
    /// - its tenant is `Active`, else `RegistryTenantNotActive`;
    /// - tenant and member hold `role`, else `RegistryMissingRole`.
    function requireActiveMember(address account, uint16 role) external view returns (bytes32 tenantId);

    /// @notice Reverts unless `tenantId` is `Active` and holds every bit in `role` (pass 0 to require no role).
    /// @dev Requirements, in the order they are checked:
    /// - the tenant is `Active`, else `RegistryTenantNotActive` (an unknown tenant reports status `None`);
    /// - the tenant holds `role`, else `RegistryMissingRole` with a zero account.
    function requireActiveTenant(bytes32 tenantId, uint16 role) external view;

    /// @notice Where the ledger money of a tenant goes once no member can withdraw it (offboarded, or no
    /// longer holding a ledger role). Recorded at onboarding (the appointed admin) and changed only by the
    /// platform operator, so it survives offboarding and the removal of every member.
    function settlementAddressOf(bytes32 tenantId) external view returns (address);
}

/// @title The tenant registry: onboarding, verification, suspension and offboarding of businesses.
/// @notice Tenants are businesses (SMEs, payment operators, settlement banks, arbiters). Members are
/// accounts acting for a tenant; each account belongs to at most one tenant. The platform operator
/// runs the lifecycle; a tenant's admin members manage its members.
interface ITenantRegistry is ITenantRegistryView {
    /// @notice The public record of a tenant. Documents stay off chain: only their hashes are here.
    struct Tenant {
        TenantStatus status;
        uint16 roles;
        bytes2 jurisdiction;
        uint32 memberCount;
        uint32 sponsoredCount;
        uint40 onboardedAt;
        bytes32 sponsor;
        bytes32 kybHash;
        string name;
    }

    /// @notice The arguments of `onboard`.
    struct OnboardParams {
        bytes32 tenantId;
        string name;
        uint16 roles;
        bytes2 jurisdiction;
        bytes32 kybHash;
        bytes32 sponsor;
        address admin;
    }

    // ---------------------------------------------------------------- errors

    /// @notice No tenant has this id.
    error RegistryUnknownTenant(bytes32 tenantId);
    /// @notice A tenant with this id exists already (offboarded ids are never reused).
    error RegistryTenantExists(bytes32 tenantId);
    /// @notice The tenant id is zero.
    error RegistryZeroTenantId();
    /// @notice Tenant ids are 30 bytes: a label of at most 30 bytes, left-aligned in a bytes32 (the lowest
    /// 16 bits zero), so that a member record packs tenant and roles in one slot.
    error RegistryInvalidTenantId(bytes32 tenantId);
    /// @notice The transition from the tenant's current status is not allowed.
    error RegistryInvalidTransition(bytes32 tenantId, TenantStatus from, TenantStatus to);
    /// @notice The role bits are zero, or hold bits that name no role.
    error RegistryInvalidRoles(uint16 roles);
    /// @notice The jurisdiction is not two upper-case ASCII letters (ISO 3166-1 alpha-2).
    error RegistryInvalidJurisdiction(bytes2 jurisdiction);
    /// @notice The KYB attestation hash is zero.
    error RegistryMissingKyb(bytes32 tenantId);
    /// @notice The name is empty or longer than 64 bytes.
    error RegistryInvalidName(uint256 length);
    /// @notice The sponsor is not an active tenant holding the Sponsor role, or is the tenant itself.
    error RegistryInvalidSponsor(bytes32 sponsor);
    /// @notice The account is the zero address.
    error RegistryZeroAccount();
    /// @notice The account already acts for a tenant.
    error RegistryAlreadyMember(address account, bytes32 tenantId);
    /// @notice The member's roles include a business role its tenant does not hold.
    error RegistryMemberRolesExceedTenant(uint16 memberRoles, uint16 tenantRoles);
    /// @notice The caller may not manage this tenant's members.
    error RegistryUnauthorizedManager(address caller, bytes32 tenantId);
    /// @notice A tenant admin tried to demote itself (the operator can; any member can `leaveTenant`).
    error RegistrySelfManagement(address account);
    /// @notice The account has no pending invitation from this tenant.
    error RegistryNoInvitation(address account, bytes32 tenantId);
    /// @notice Only the platform operator may remove or demote the admin it appointed.
    error RegistryAppointedAdminProtected(address account, bytes32 tenantId);
    /// @notice Naming this sponsor would close a sponsorship cycle, or make the chain longer than allowed.
    error RegistrySponsorCycle(bytes32 tenantId, bytes32 sponsor);

    // ---------------------------------------------------------------- events

    /// @notice A tenant was onboarded in the `Pending` status.
    event TenantOnboarded(
        bytes32 indexed tenantId,
        string name,
        uint16 roles,
        bytes2 jurisdiction,
        bytes32 kybHash,
        bytes32 indexed sponsor
    );
    /// @notice A tenant's status changed; `reasonCode` is an operator-defined code (0 when none).
    event TenantStatusChanged(bytes32 indexed tenantId, TenantStatus from, TenantStatus to, uint32 reasonCode);
    /// @notice A tenant's business roles changed.
    event TenantRolesChanged(bytes32 indexed tenantId, uint16 previousRoles, uint16 roles);
    /// @notice A tenant's KYB attestation was renewed.
    event TenantKybUpdated(bytes32 indexed tenantId, bytes32 previousKybHash, bytes32 kybHash);
    /// @notice A tenant's sponsor (mentor) changed; zero means none.
    event TenantSponsorChanged(bytes32 indexed tenantId, bytes32 indexed previousSponsor, bytes32 indexed sponsor);
    /// @notice A tenant invited an account; it becomes a member when it accepts.
    event MemberInvited(bytes32 indexed tenantId, address indexed account, uint16 roles, address indexed by);
    /// @notice A pending invitation was withdrawn.
    event MemberInvitationRevoked(bytes32 indexed tenantId, address indexed account, address indexed by);
    /// @notice The platform operator changed the admin it appointed (zero: none).
    event AppointedAdminChanged(bytes32 indexed tenantId, address indexed previousAdmin, address indexed admin);
    /// @notice The platform operator changed where a tenant's unreachable ledger money goes.
    event SettlementAddressChanged(
        bytes32 indexed tenantId,
        address indexed previousAddress,
        address indexed settlementAddress
    );
    /// @notice An account became a member of a tenant (`by` is who invited it, or the operator at onboarding).
    event MemberAdded(bytes32 indexed tenantId, address indexed account, uint16 roles, address indexed by);
    /// @notice A member's roles changed.
    event MemberRolesChanged(
        bytes32 indexed tenantId,
        address indexed account,
        uint16 previousRoles,
        uint16 roles,
        address indexed by
    );
    /// @notice An account stopped acting for a tenant.
    event MemberRemoved(bytes32 indexed tenantId, address indexed account, address indexed by);

    // ---------------------------------------------------------------- operator

    /// @notice Onboards a tenant in the `Pending` status, with a first admin member appointed by the
    /// operator (all the tenant's roles, `MEMBER_ADMIN` and `TREASURY`). The appointed admin's consent is
    /// part of the off-chain KYB the operator attests with `kybHash`; it is also the tenant's first
    /// settlement address. Every later member joins by accepting an invitation.
    /// @dev Requirements: caller holds `OPERATOR_ROLE`; the id is new, non-zero and 30 bytes (lowest 16
    /// bits zero, `RegistryInvalidTenantId`); roles name known
    /// roles; the jurisdiction is ISO 3166-1 alpha-2; the KYB hash is non-zero; the name is 1–64 bytes;
    /// the sponsor, if any, is an active tenant with the Sponsor role; the admin is no member yet.
    function onboard(OnboardParams calldata params) external;

    /// @notice Verifies a `Pending` tenant: it becomes `Active`.
    function approve(bytes32 tenantId) external;

    /// @notice Suspends an `Active` tenant: it cannot start new business, but still receives what it is owed.
    function suspend(bytes32 tenantId, uint32 reasonCode) external;

    /// @notice Returns a `Suspended` tenant to `Active`.
    function reinstate(bytes32 tenantId) external;

    /// @notice Offboards a tenant for good. Its members can then be removed to free their accounts; its
    /// sponsor stops counting it (the sponsor link is cleared); its ledger money can be swept to its
    /// settlement address.
    function offboard(bytes32 tenantId, uint32 reasonCode) external;

    /// @notice Freezes an `Active` or `Suspended` tenant (fraud case): no new business, no payout
    /// confirmations, no withdrawals. Refunds and rejections of its remittances go on.
    function freeze(bytes32 tenantId, uint32 reasonCode) external;

    /// @notice Lifts a freeze: the tenant becomes `Suspended`, and a separate `reinstate` makes it `Active`.
    function unfreeze(bytes32 tenantId) external;

    /// @notice Changes a tenant's settlement address, in any status (offboarded included: the money of a
    /// closed business may have to follow a liquidator). Never zero. Caller holds `OPERATOR_ROLE`.
    function setSettlementAddress(bytes32 tenantId, address settlementAddress) external;

    /// @notice Names the appointed admin of a tenant: a member admin of it (or zero for none). Only the
    /// operator can remove or demote the appointed admin. Caller holds `OPERATOR_ROLE`.
    function setAppointedAdmin(bytes32 tenantId, address account) external;

    /// @notice Replaces a tenant's business roles. Members keep their own roles, but a role counts only
    /// while the tenant holds it too.
    function setTenantRoles(bytes32 tenantId, uint16 roles) external;

    /// @notice Records a renewed KYB attestation.
    function updateKyb(bytes32 tenantId, bytes32 kybHash) external;

    /// @notice Sets or clears (zero) a tenant's sponsor. A sponsor chain is at most `MAX_SPONSOR_DEPTH`
    /// tenants long and never loops back (`RegistrySponsorCycle`).
    function setSponsor(bytes32 tenantId, bytes32 sponsor) external;

    // ---------------------------------------------------------------- members

    /// @notice Invites `account` to become a member of `tenantId` with `roles` (business roles of the
    /// tenant, plus `TREASURY` for withdrawals and `MEMBER_ADMIN` for an admin). Nothing changes for the
    /// account until it accepts; a new invitation from the same tenant replaces the previous one.
    /// @dev Requirements: caller is the operator (tenant not offboarded), or an admin member of an
    /// `Active` tenant (`RegistryUnauthorizedManager`); the account is non-zero; the roles are valid.
    function inviteMember(bytes32 tenantId, address account, uint16 roles) external;

    /// @notice Withdraws a pending invitation. Same authority as `inviteMember`.
    function revokeInvitation(bytes32 tenantId, address account) external;

    /// @notice The caller (directly or through the forwarder) accepts `tenantId`'s invitation and becomes
    /// its member with the invited roles.
    /// @dev Requirements: an invitation is pending (`RegistryNoInvitation`); the tenant is `Pending` or
    /// `Active`; the caller is no member of any tenant (`RegistryAlreadyMember`); the roles still fit the
    /// tenant's roles (`RegistryMemberRolesExceedTenant`).
    function acceptMembership(bytes32 tenantId) external;

    /// @notice The caller stops acting for its tenant, by itself. An appointed admin leaving clears the
    /// appointment.
    function leaveTenant() external;

    /// @notice Changes a member's roles. Caller is the operator, or an admin of the member's `Active`
    /// tenant; an admin cannot demote itself; only the operator can demote the appointed admin.
    function setMemberRoles(address account, uint16 roles) external;

    /// @notice Removes a member. Caller is the operator (also for offboarded tenants), or an admin of the
    /// member's `Active` tenant; only the operator can remove the appointed admin (`leaveTenant` to go by oneself).
    function removeMember(address account) external;

    // ---------------------------------------------------------------- views

    /// @notice The roles `tenantId` has invited `account` with (zero: no pending invitation).
    function invitationOf(address account, bytes32 tenantId) external view returns (uint16 roles);

    /// @notice The admin the operator appointed for a tenant (zero: none).
    function appointedAdminOf(bytes32 tenantId) external view returns (address);

    /// @notice The full record of a tenant.
    function getTenant(bytes32 tenantId) external view returns (Tenant memory);

    /// @notice The number of tenants ever onboarded.
    function tenantCount() external view returns (uint256);

    /// @notice Tenant ids in onboarding order, `count` from index `start` (for paginated listing).
    function tenantIds(uint256 start, uint256 count) external view returns (bytes32[] memory ids);
}
