// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title The tenant status and the registry errors that a business contract's calls can raise.
/// @notice Every business contract's interface inherits this one, so its ABI alone decodes a registry
/// error bubbling up from a membership check: no EVM library needs the registry's ABI for that.
interface ITenantRegistryErrors {
    /// @notice Lifecycle of a tenant. `Offboarded` is final.
    /// @dev `Suspended`: no new business; it still settles payouts it made, receives refunds and withdraws
    /// what it owns. `Frozen` (the fraud case): no new business and nothing out either: it cannot confirm
    /// payouts nor withdraw; money owed to others is never held by a freeze, because rejections and
    /// expiry refunds of its remittances go on. `Offboarded`: final; what its ledger still holds is swept
    /// to its registered settlement address. `Frozen` is last so the earlier values keep their numbers.
    enum TenantStatus {
        None,
        Pending,
        Active,
        Suspended,
        Offboarded,
        Frozen
    }

    /// @notice The account is not a member of any tenant.
    error RegistryNotMember(address account);
    /// @notice The tenant is not in the `Active` status.
    error RegistryTenantNotActive(bytes32 tenantId, TenantStatus status);
    /// @notice The tenant or the member lacks a role the action needs.
    error RegistryMissingRole(address account, bytes32 tenantId, uint16 role);
}
